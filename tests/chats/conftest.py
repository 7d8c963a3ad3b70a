"""A minimal chat format for the import pipeline's specifications.

Lines are ``ISO-TIME|GROUP|SENDER_ID|SENDER|TEXT[|MESSAGE_ID[|recall:ID]]``; a line without the
separators is rejected. The real formats have their own specifications in tests/ingest/; these
tests are about what the pipeline does with records, whatever format they come from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

import pytest

from qunguan.ingest import ChatRecord, Reject
from qunguan.ingest import formats as chat_formats
from qunguan.ingest.formats.base import ChatFormat


class PipeFormat(ChatFormat):
    name: ClassVar[str] = "pipe_test"
    label: ClassVar[str] = "测试格式"

    @classmethod
    def sniff(cls, head: bytes, filename: str) -> bool:
        return filename.endswith(".pipe")

    def read(self, stream: BinaryIO) -> Iterator[ChatRecord | Reject]:
        for n, raw in enumerate(stream.read().decode("utf-8").splitlines(), start=1):
            parts = raw.split("|")
            if len(parts) < 5:
                yield Reject(n, "不是 时间|群号|发送者号|发送者|内容 格式", raw)
                continue
            when, group, sender_id, sender, text, *rest = parts
            recall = rest[1].removeprefix("recall:") if len(rest) > 1 else None
            yield ChatRecord(
                platform="qq",
                sent_at=dt.datetime.fromisoformat(when).replace(tzinfo=dt.timezone(dt.timedelta(hours=8))),
                sender_name=sender,
                sender_id=sender_id or None,
                text=text,
                line=n,
                group_account=group or None,
                group_name=None if group else "作曲系教职工群",
                message_id=rest[0] if rest else None,
                kind="recall" if recall else "text",
                recalls_message_id=recall,
            )


@pytest.fixture
def pipe_format(monkeypatch: pytest.MonkeyPatch) -> type[ChatFormat]:
    monkeypatch.setitem(chat_formats.FORMATS, PipeFormat.name, PipeFormat)
    return PipeFormat


@pytest.fixture
def chat_file(tmp_path: Path, pipe_format: Any) -> Any:
    def write(*lines: str, name: str = "export.pipe") -> Path:
        path = tmp_path / name
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    return write


@pytest.fixture(autouse=True)
def _data_dir(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path / "data"
