"""Plain text out of the documents people check before publishing (发布前审查).

A notice is usually drafted in Word; the audit runs on its text. Paragraphs come first, then
each table row as tab-separated cells, so a finding's span points at readable text.
"""

from __future__ import annotations

from typing import IO

MAX_DOCX_BYTES = 20 * 1024 * 1024


class DocumentError(ValueError):
    """The file is not a readable .docx (broken, encrypted, another format or too large)."""


def docx_text(stream: IO[bytes]) -> str:
    """Return the paragraphs and table cells of a .docx as plain text.

    Raises ``DocumentError`` if the file cannot be read as a .docx.
    """
    import zipfile

    import docx

    head = stream.read(4)
    stream.seek(0)
    if head != b"PK\x03\x04":
        # Old binary .doc files, PDFs and encrypted documents (an OLE container) land here.
        raise DocumentError("不是 .docx 格式（可能是旧版 .doc、PDF 或加密文档）")
    try:
        document = docx.Document(stream)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise DocumentError(f"无法读取该 Word 文档：{exc}") from exc
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append("\t".join(cell.text for cell in row.cells))
    return "\n".join(parts)
