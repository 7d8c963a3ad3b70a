"""The chat-export formats qunguan reads, one module each, registered here.

Each module defines a subclass of ``ChatFormat``. Adding a format means writing one module with
``sniff`` and ``read`` (copy an existing one), its tests with a sample file, and one line in
``FORMATS`` below.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from qunguan.ingest.formats.base import ChatFormat, FormatError
from qunguan.ingest.text import SNIFF_BYTES

FORMATS: dict[str, type[ChatFormat]] = {}


def register(cls: type[ChatFormat]) -> type[ChatFormat]:
    """Class decorator: make a format known to ``detect`` and to ``--format``."""
    FORMATS[cls.name] = cls
    return cls


def detect(path: Path) -> type[ChatFormat]:
    """Return the format of the file at ``path``; raise ``FormatError`` if none recognises it."""
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    for cls in FORMATS.values():
        if cls.sniff(head, path.name):
            return cls
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
# (the most specific sniffers first).
_MODULES: tuple[str, ...] = (
    "onebot_v11",
    "qce_json",
    "qq_pc_mht",
    "qq_pc_txt",
    "memotrace_csv",
    "memotrace_txt",
    "chatlog_json",
    "chatlog_csv",
    "wecom_archive",
    "generic",
)
for _module in _MODULES:
    import_module(f"qunguan.ingest.formats.{_module}")
