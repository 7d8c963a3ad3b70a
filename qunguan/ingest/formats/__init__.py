"""The chat-export formats qunguan reads, one module each, registered here.

Each module defines a subclass of ``ChatFormat``. Adding a format means writing one module with
``sniff`` and ``read`` (copy an existing one), its tests with a sample file, and one line in
``FORMATS`` below.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from qunguan.ingest.formats._txt_sniff import (
    AMBIGUOUS,
    MEMOTRACE_TXT,
    QQ_TXT,
    TEXT_SNIFF_BYTES,
    text_verdict,
)
from qunguan.ingest.formats.base import ChatFormat, FormatError
from qunguan.ingest.text import SNIFF_BYTES, head_text

FORMATS: dict[str, type[ChatFormat]] = {}


def register(cls: type[ChatFormat]) -> type[ChatFormat]:
    """Class decorator: make a format known to ``detect`` and to ``--format``."""
    FORMATS[cls.name] = cls
    return cls


def detect(path: Path) -> type[ChatFormat]:
    """Return the format of the file at ``path``; raise ``FormatError`` if none recognises it.

    The formats' sniffers judge the first 64 KiB. A timestamped text file they leave undecided
    (a conversation cut out of an export may open with a long notice) is read on, up to 1 MiB,
    for lines that tell the QQ PC export from MemoTrace's; when the file could be either, the
    error names both and the ``--format`` that forces each.
    """
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
        for cls in FORMATS.values():
            if cls.sniff(head, path.name):
                return cls
        verdict = text_verdict(head_text(head))
        if verdict in (None, AMBIGUOUS) and len(head) == SNIFF_BYTES:
            verdict = text_verdict(head_text(head + fh.read(TEXT_SNIFF_BYTES - SNIFF_BYTES)))
    if verdict == AMBIGUOUS:
        qq, memotrace = FORMATS[QQ_TXT], FORMATS[MEMOTRACE_TXT]
        raise FormatError(
            f"无法确定“{path.name}”的格式：它可能是{qq.label}，也可能是{memotrace.label}"
            f"（消息头的时间和发送者两种写法都有）。请用 --format {qq.name} 或 --format {memotrace.name} 指定"
        )
    if verdict is not None:
        return FORMATS[verdict]
    names = "、".join(cls.label for cls in FORMATS.values())
    raise FormatError(f"无法识别“{path.name}”的格式（支持：{names}），可用 --format 指定")


def get(name: str) -> type[ChatFormat]:
    """Return the format called ``name``; raise ``FormatError`` listing the known ones otherwise."""
    try:
        return FORMATS[name]
    except KeyError:
        raise FormatError(f"未知格式“{name}”，可选：{', '.join(FORMATS)}") from None


__all__ = ["FORMATS", "ChatFormat", "FormatError", "detect", "get", "register"]


# The format modules register themselves on import; the order is the order ``detect`` tries them
# (the most specific sniffers first: the two timestamped text exports are judged on every line of
# the sample, so they come after the formats that claim an exact header or JSON keys).
_MODULES: tuple[str, ...] = (
    "onebot_v11",
    "qce_json",
    "qq_pc_mht",
    "memotrace_csv",
    "chatlog_json",
    "chatlog_csv",
    "wecom_archive",
    "generic",
    "qq_pc_txt",
    "memotrace_txt",
)
for _module in _MODULES:
    import_module(f"qunguan.ingest.formats.{_module}")
