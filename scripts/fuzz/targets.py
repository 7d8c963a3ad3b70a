"""What the fuzzers feed: every chat-export reader of ``qunguan.ingest`` and ``Auditor.scan``.

A target takes the fuzzer's bytes and must return normally. The readers' contract
(``ingest/formats/base.py``) is that bad content becomes a ``Reject``, never an exception; a
``FormatError`` (one Chinese sentence: the file is not in this format) is the one clear error a
reader may raise. ``Auditor.scan`` takes any text and returns findings whose spans lie inside it.
Anything else that escapes is a crash the fuzzer reports with the input that caused it.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable

from qunguan.ingest.formats import FORMATS, FormatError
from qunguan.ingest.records import ChatRecord, Reject

# Enough of one file to reach every branch of a reader without making each run slow.
MAX_INPUT = 64 * 1024


def read_all(name: str, data: bytes) -> None:
    """Feed ``data`` to the reader ``name`` (and its sniffer) and consume what it yields."""
    cls = FORMATS[name]
    cls.sniff(data[:65536], f"fuzz.{name}")
    try:
        for item in cls().read(io.BytesIO(data[:MAX_INPUT])):
            if not isinstance(item, ChatRecord | Reject):
                raise TypeError(f"{name}.read yielded {type(item).__name__}")
            if isinstance(item, Reject) and not item.reason:
                raise ValueError(f"{name}.read rejected line {item.line} without a reason")
    except FormatError as exc:
        if not str(exc):
            raise ValueError(f"{name}.read raised FormatError without a message") from exc


@functools.cache
def _auditor():  # type: ignore[no-untyped-def]
    from qunguan.audit import Auditor

    return Auditor()


def scan(data: bytes) -> None:
    """Scan ``data`` as text (UTF-8, errors replaced); every finding's span must lie in the text."""
    from qunguan.audit import MessageContext

    text = data[:4096].decode("utf-8", "replace")
    for finding in _auditor().scan(text, MessageContext(group="fuzz")):
        if not 0 <= finding.start <= finding.end <= len(text):
            raise ValueError(f"finding {finding.rule} span {finding.start}..{finding.end} outside the text")


def targets() -> dict[str, Callable[[bytes], None]]:
    """Return every fuzz target by name: one per export format, and ``auditor``."""
    found: dict[str, Callable[[bytes], None]] = {name: functools.partial(read_all, name) for name in FORMATS}
    found["auditor"] = scan
    return found
