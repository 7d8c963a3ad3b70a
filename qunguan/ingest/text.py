"""Decoding chat-export files whose encoding nobody wrote down.

QQ's PC export may be UTF-8 with a BOM, UTF-16LE with a BOM or GBK depending on the client
version; MemoTrace writes UTF-8 with a BOM; files re-saved on Windows are often GB18030.
"""

from __future__ import annotations

import codecs
import io
from typing import BinaryIO

BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
SNIFF_BYTES = 64 * 1024


def guess_encoding(head: bytes) -> str:
    """Return the codec for a file starting with ``head``: BOM, else UTF-8 if it decodes, else GB18030."""
    for bom, codec in BOMS:
        if head.startswith(bom):
            return codec
    if len(head) >= 4 and head[1::2].count(0) > len(head) // 4:
        return "utf-16-le"  # no BOM, but every other byte is zero: ASCII-heavy UTF-16
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is not evidence against UTF-8.
        if exc.start < len(head) - 3:
            return "gb18030"
    return "utf-8"


def open_text(stream: BinaryIO) -> io.TextIOWrapper:
    """Return a text reader over ``stream`` in its guessed encoding; undecodable bytes become U+FFFD.

    Line ends are left as they are (``newline=""``), so readers see CRLF files unchanged and can
    count lines exactly.
    """
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    return io.TextIOWrapper(stream, encoding=guess_encoding(head), errors="replace", newline="")


def head_text(head: bytes) -> str:
    """Return the sniffing sample ``head`` decoded the way ``open_text`` would decode it."""
    return head.decode(guess_encoding(head), errors="replace").lstrip("\ufeff")
