"""A minimal chat format for specifications that need stored messages and findings.

Shared by tests/chats (the import pipeline) and tests/review (the review queue): both build
their messages the way production does, through ``do_import_chat_file``. Each package's
conftest imports the fixtures from here.

Lines are ``ISO-TIME|GROUP|SENDER_ID|SENDER|TEXT[|MESSAGE_ID[|recall:ID]]`` (GROUP: a QQ group
account, ``wechat:ACCOUNT``, or empty for 作曲系教职工群 by name); a line without the
separators is rejected. The real formats have their own specifications in tests/ingest/; the
specifications using this one are about what happens to records, whatever format they come from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

import pytest

from qunguan.chats.actions import auditor
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
            # "wechat:ACCOUNT" names another platform; a bare account is a QQ group.
            platform, _, account = group.rpartition(":") if ":" in group else ("qq", "", group)
            recall = rest[1].removeprefix("recall:") if len(rest) > 1 else None
            yield ChatRecord(
                platform=platform,
                sent_at=dt.datetime.fromisoformat(when).replace(tzinfo=dt.timezone(dt.timedelta(hours=8))),
                sender_name=sender,
                sender_id=sender_id or None,
                text=text,
                line=n,
                group_account=account or None,
                group_name=None if account else "作曲系教职工群",
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


@pytest.fixture
def chat_data_dir(settings: Any, tmp_path: Path) -> Path:
    """Point DATA_DIR (rejects files) at the test's own folder; return it."""
    settings.DATA_DIR = tmp_path / "data"
    return Path(settings.DATA_DIR)


@pytest.fixture
def fresh_auditor(shared_phrase_skeletons: None) -> Iterator[None]:
    """Give the test its own auditor: the import's auditor is process-wide, and its conversation
    detectors (harassment, off-topic bursts) remember earlier messages of a group, so an import in
    one test would otherwise colour the findings of the next test on the same worker."""
    auditor.cache_clear()
    yield
    auditor.cache_clear()
