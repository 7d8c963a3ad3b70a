"""Reading a spreadsheet (CSV or XLSX) into numbered rows keyed by column header.

Line numbers are the ones a person sees in Excel or a text editor: the header is line 1,
the first data row line 2. Blank rows are skipped but still counted, so an error always
points at the line the user can find.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any, cast

from django.conf import settings

Cell = str | int | float | bool | dt.date | dt.datetime | None


class FileProblem(Exception):
    """The file as a whole cannot be read (wrong format, empty, too large, broken)."""


@dataclass(frozen=True)
class Sheet:
    """The header row and the data rows of a file, each data row with its line number."""

    headers: list[str]
    rows: list[tuple[int, list[Cell]]]


def read_bytes(fileobj: IO[bytes] | IO[str] | Any) -> bytes:
    """Return the whole content of an uploaded or opened file, refusing oversized files."""
    if hasattr(fileobj, "seek"):
        # a pipe or a stream that cannot rewind: read what is there
        with contextlib.suppress(OSError, ValueError):
            fileobj.seek(0)
    limit = int(getattr(settings, "QUNGUAN_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))
    data = fileobj.read(limit + 1)
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > limit:
        raise FileProblem(f"文件超过 {limit // (1024 * 1024)} MB，请拆分后再导入。")
    return bytes(data)


def decode_text(data: bytes) -> str:
    """Decode CSV bytes: UTF-8 (with or without BOM) first, then GB18030 as Excel on Chinese Windows saves it."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise FileProblem("无法识别文件编码，请另存为 UTF-8 或 GB18030 编码的 CSV。") from None


def _is_blank(cells: list[Cell]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _numbered(rows: Iterator[list[Cell]]) -> Sheet:
    headers: list[str] | None = None
    data: list[tuple[int, list[Cell]]] = []
    for line, cells in enumerate(rows, start=1):
        if headers is None:
            if _is_blank(cells):
                raise FileProblem("第 1 行应为表头（如 工号/学号、姓名……），但它是空的。")
            headers = ["" if c is None else str(c).strip() for c in cells]
            continue
        if _is_blank(cells):
            continue
        data.append((line, cells))
    if headers is None:
        raise FileProblem("文件是空的。")
    return Sheet(headers, data)


def read_csv(data: bytes) -> Sheet:
    text = decode_text(data)
    try:
        sample = text[:4096]
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample else csv.excel
    except csv.Error:
        dialect = csv.excel
    try:
        # csv.reader counts records, not physical lines: a quoted cell with a line break is
        # still one row, exactly as Excel numbers it.
        return _numbered(list(row) for row in csv.reader(io.StringIO(text, newline=""), dialect))
    except csv.Error as exc:
        raise FileProblem(f"CSV 格式有误：{exc}") from None


def read_xlsx(data: bytes) -> Sheet:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise FileProblem(f"无法打开 Excel 文件：{exc}") from None
    try:
        sheet = workbook.worksheets[0]
        # data_only gives cached values, never formulas, and rich text is off by default; a rare
        # time or Decimal cell reaches values.text() and is read as its str(), as in a CSV.
        return _numbered(cast("list[Cell]", list(row)) for row in sheet.iter_rows(values_only=True))
    finally:
        workbook.close()


def read_sheet(fileobj: Any, filename: str) -> Sheet:
    """Read a CSV or XLSX file; raise FileProblem with a Chinese reason when it cannot be read."""
    lower = filename.lower()
    if lower.endswith(".xls"):
        raise FileProblem("不支持旧版 .xls 格式，请在 Excel 中另存为 .xlsx 或 CSV 后再导入。")
    data = read_bytes(fileobj)
    if not data.strip():
        raise FileProblem("文件是空的。")
    if lower.endswith((".xlsx", ".xlsm")) or data[:4] == b"PK\x03\x04":
        return read_xlsx(data)
    if lower.endswith((".csv", ".txt")) or "." not in lower.rsplit("/", 1)[-1]:
        return read_csv(data)
    raise FileProblem("只支持 CSV 和 XLSX 文件。")
