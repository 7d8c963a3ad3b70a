"""Reading helpers the format modules share: bounded lines, CSV records, JSON values, times.

Every helper here turns bad input into a ``Reject`` (or ``None``) instead of raising, and none
holds more than one record in memory: an export can be gigabytes, and one runaway quote or one
line with no end must not take the whole import down with it.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from typing import Any, TextIO

from qunguan.ingest.records import CHINA, Reject

# One physical line longer than this is skipped unread: no chat message comes near it, and a file
# without line ends (a binary, a minified dump) would otherwise be read into memory whole.
LINE_LIMIT = 1 << 20
RAW_CHARS = 200  # how much of an offending line a Reject keeps

# Epoch seconds outside these bounds are not a chat time (QQ dates from 1999); they are also
# where ``datetime.fromtimestamp`` starts to raise.
EPOCH_MIN = dt.datetime(1999, 1, 1, tzinfo=dt.UTC).timestamp()
EPOCH_MAX = dt.datetime(2100, 1, 1, tzinfo=dt.UTC).timestamp()

_LOCAL_TIME = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?",
    re.ASCII,
)
_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", re.ASCII)
_DIGITS = re.compile(r"-?\d{1,16}", re.ASCII)


def bounded_lines(text: TextIO, limit: int = LINE_LIMIT) -> Iterator[str | None]:
    """Yield the physical lines of ``text`` with their line ends.

    A line longer than ``limit`` characters is read past in chunks and yielded as ``None``, so
    the caller can reject it by number without ever holding it.
    """
    while True:
        line = text.readline(limit)
        if not line:
            return
        if len(line) >= limit and not line.endswith(("\n", "\r")):
            while True:
                rest = text.readline(limit)
                if not rest or rest.endswith(("\n", "\r")):
                    break
            yield None
            continue
        yield line


# Characters ``str.splitlines`` ends a line at besides CR and LF: a chunk holding one is split by
# ``_LINE`` instead, at CR, LF and CRLF only (where ``readline`` ends lines).
_ODD_BREAKS = re.compile("[\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
_FIRST_LINE = re.compile(r"([^\r\n]*)(\r\n|\r|\n)?")
CHUNK_CHARS = 1 << 16


def line_batches(
    text: TextIO, limit: int = LINE_LIMIT, *, keepends: bool = False, chunk: int = CHUNK_CHARS
) -> Iterator[list[str | None]]:
    """Yield the physical lines of ``text`` a chunk at a time, in lists; an over-long line is ``None``.

    The lines, and the ``None`` in place of each line of ``limit`` characters or more, are exactly
    those of ``bounded_lines`` (its ``readline(limit)`` also leaves a CRLF cut at a multiple of
    ``limit`` as a line and an empty one: so here too), with their ends if ``keepends``, else
    without. Reading ``chunk`` characters at a time and splitting them in C costs a fraction of
    a ``readline`` a line. A line longer than ``chunk`` is put together from its pieces, and a
    line over ``limit`` is counted past, never held.
    """
    if not 0 < chunk < limit - 1:
        raise ValueError("chunk must be shorter than limit - 1")
    pieces: list[str] = []  # the start of a line whose end is in a later chunk (while under limit)
    carried = 0  # that line's length so far
    while True:
        data = text.read(chunk)
        if not data:
            break
        while data[-1] == "\r":  # a CRLF may be cut between two reads
            more = text.read(1)
            if not more:
                break
            data += more
        batch: list[str | None] = []
        if carried or pieces:
            first = _FIRST_LINE.match(data)
            assert first is not None  # the pattern matches the empty string
            content, end = first.groups()
            carried += len(content)
            if end is None:  # the whole chunk continues the line
                if carried < limit:
                    pieces.append(content)
                else:
                    pieces.clear()
                continue
            # readline(limit) stops after the CR of a CRLF that ends a multiple of limit: the LF
            # is a line of its own.
            cut = end == "\r\n" and (carried + 1) % limit == 0
            if carried < limit:
                whole = "".join(pieces) + content
                batch.append((whole + ("\r" if cut else end)) if keepends else whole)
            else:
                batch.append(None)
            if cut:
                batch.append("\n" if keepends else "")
            pieces.clear()
            carried = 0
            data = data[first.end() :]
            if not data:
                yield batch
                continue
        odd = _ODD_BREAKS.search(data) is not None
        if keepends or odd:
            lines: list[str] = _LINE.findall(data) if odd else data.splitlines(True)
            if lines[-1][-1] not in "\r\n":
                pieces.append(lines.pop())
                carried = len(pieces[0])
            batch.extend(lines if keepends else [line.rstrip("\r\n") for line in lines])
        else:
            lines = data.splitlines()
            if data[-1] not in "\r\n":
                pieces.append(lines.pop())
                carried = len(pieces[0])
            batch.extend(lines)
        yield batch
    if carried or pieces:
        yield ["".join(pieces) if carried < limit else None]


def numbered_lines(text: TextIO, limit: int = LINE_LIMIT) -> Iterator[tuple[int, str | None]]:
    """Yield ``(line number, line)`` with line ends kept; a line over ``limit`` characters is None.

    ``bounded_lines`` with numbers, counted from 1: an over-long line is read past in chunks,
    never held whole, so the caller can reject it by number.
    """
    return enumerate(bounded_lines(text, limit), start=1)


@dataclass(frozen=True, slots=True)
class CsvRecord:
    """One CSV record: its fields, the line it starts on, and how many physical lines it spans."""

    line: int
    fields: list[str]
    lines: int

    @property
    def raw(self) -> str:
        """Return the cells joined back with commas, cut to what a ``Reject`` keeps."""
        return ",".join(self.fields)[:RAW_CHARS]


class CsvReader:
    """CSV records with the line each one starts on, read in constant memory.

    ``csv.reader`` alone counts the lines it has consumed, not where a quoted multi-line record
    began, and one unbalanced quote makes it swallow every line up to the next quote (or the end
    of the file) into a single field. This reader reports the starting line, turns ``csv.Error``
    into a ``Reject`` and then re-reads the lines the broken record had swallowed, so one bad
    quote costs one message, not the rest of the file.

    ``csv.reader`` pulls the lines straight from the chunks ``line_batches`` splits (no Python
    call a line); the chunks since the current record began are kept, so the lines of a broken
    record can be shown and read again.
    """

    def __init__(self, text: TextIO) -> None:
        self._batches = self._numbered(line_batches(text, keepends=True))
        # (the number of its first line, the lines) of each chunk since the current record began
        self._window: deque[tuple[int, list[str]]] = deque()
        self._pulled = 0  # physical lines split from the file so far
        self._overlong: set[int] = set()  # lines over LINE_LIMIT not yet read (each is "\n" now)
        self._reader = csv.reader(chain.from_iterable(self._batches), strict=True)
        self._base = 0  # the line before the first one the current ``csv.reader`` reads
        self._start = 1  # the line the record being read starts on
        self._put_back = False

    def _numbered(self, batches: Iterator[list[str | None]]) -> Iterator[list[str]]:
        window = self._window
        for batch in batches:
            first = self._pulled + 1
            if None in batch:
                for i, line in enumerate(batch):
                    if line is None:
                        # Stand-in for the skipped line: it keeps the count right and ends any record.
                        batch[i] = "\n"
                        self._overlong.add(first + i)
            self._pulled += len(batch)
            while window and window[0][0] + len(window[0][1]) <= self._start:
                window.popleft()
            window.append((first, batch))  # type: ignore[arg-type]  # no None is left in it
            yield batch  # type: ignore[misc]

    def __iter__(self) -> Iterator[CsvRecord | Reject]:
        for item in self.rows():
            yield item if isinstance(item, Reject) else CsvRecord(*item)

    def rows(self) -> Iterator[tuple[int, list[str], int] | Reject]:
        """Yield ``(line, fields, lines)`` for each record (see ``CsvRecord``), a ``Reject`` for a broken one.

        Cheaper than iterating, which wraps each record in a ``CsvRecord``.
        """
        overlong = self._overlong
        while True:
            reader = self._reader
            start = self._start = self._base + reader.line_num + 1
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                end = self._base + reader.line_num
                yield Reject(start, _csv_reason(str(exc)), self._raw(start, end))
                self._seen(start, end)
                self._reread(start, end)
                continue
            end = self._base + reader.line_num
            if overlong and not overlong.isdisjoint(range(start, end + 1)):
                self._seen(start, end)
                yield Reject(
                    start, f"这一行超过 {LINE_LIMIT} 个字符，不像聊天记录，没有读取", self._raw(start, end)
                )
                self._reread(start, end)
                continue
            if not fields:
                continue  # a blank line between records
            yield start, fields, end - start + 1
            if self._put_back:
                self._put_back = False
                self._reread(start, end)

    def reread_swallowed(self) -> None:
        """Read again, as new records, the lines after the first one of the record just returned.

        Call it after rejecting a multi-line record that is probably a runaway quote (its field
        count is wrong): the lines it swallowed are most likely good records of their own.
        """
        self._put_back = True

    def _seen(self, start: int, end: int) -> None:
        # A line over the limit counts as one only when first read: read again, it is blank.
        if self._overlong:
            self._overlong.difference_update(range(start, end + 1))

    def _lines(self, first: int) -> list[str]:
        """Return the lines from ``first`` on that have been split from the file."""
        lines: list[str] = []
        for number, batch in self._window:
            if number + len(batch) > first:
                lines.extend(batch[max(first - number, 0) :])
        return lines

    def _reread(self, start: int, end: int) -> None:
        """Have the lines after ``start`` read again, from the one after ``start``."""
        if end > start:
            self._base = start
            self._reader = csv.reader(
                chain(self._lines(start + 1), chain.from_iterable(self._batches)), strict=True
            )

    def _raw(self, start: int, end: int) -> str:
        return _raw(self._lines(start)[: end - start + 1])


def _csv_reason(message: str) -> str:
    if "unexpected end of data" in message:
        return "引号没有闭合，一直到文件末尾，这条记录无法读取"
    if "expected after" in message:
        return "引号用法不对（右引号后面应当是逗号或换行），这条记录无法读取"
    if "field larger than field limit" in message:
        return f"有一个单元格超过 {csv.field_size_limit()} 个字符，这条记录无法读取"
    return f"CSV 格式错误（{message}），这条记录无法读取"


def _raw(lines: Iterable[str]) -> str:
    out = ""
    for line in lines:
        out += line
        if len(out) >= RAW_CHARS:
            break
    return out[:RAW_CHARS]


def json_lines(text: TextIO) -> Iterator[tuple[int, dict[str, Any]] | Reject]:
    """Yield ``(line number, object)`` for each line of a JSON Lines file; a ``Reject`` for a bad line.

    Blank lines are skipped. A line that is not JSON, or is JSON but not an object, is rejected
    and reading goes on with the next line.
    """
    for number, line in numbered_lines(text):
        if line is None:
            yield Reject(number, f"这一行超过 {LINE_LIMIT} 个字符，没有读取")
            continue
        stripped = line.strip().lstrip("\ufeff")
        if not stripped:
            continue
        try:
            obj = json.loads(stripped)
        except (ValueError, RecursionError):
            # ValueError covers JSONDecodeError and over-long integers; RecursionError, nesting
            # deeper than the parser's stack.
            yield Reject(number, "这一行不是合法的 JSON", stripped[:RAW_CHARS])
            continue
        if not isinstance(obj, dict):
            yield Reject(number, "这一行是 JSON，但不是一个对象（{…}）", stripped[:RAW_CHARS])
            continue
        yield number, obj


def first_line(head: str) -> str:
    """Return the first non-blank line of a sniffing sample, without its line end."""
    for line in head.splitlines():
        if line.strip():
            return line.strip()
    return ""


def local_time(value: str) -> dt.datetime | None:
    """Parse ``YYYY-MM-DD HH:MM[:SS]`` written in China time; ``None`` if it is not such a time."""
    match = _LOCAL_TIME.fullmatch(value.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
    try:
        return dt.datetime(year, month, day, hour, minute, second, tzinfo=CHINA)
    except ValueError:
        return None


def iso_time(value: str) -> dt.datetime | None:
    """Parse an ISO 8601 date and time; without an offset it is China time. ``None`` if invalid.

    A bare date is refused: a message time without a time of day is a mistake in the file.
    """
    value = value.strip()
    if not _ISO_TIME.match(value):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=CHINA)


def epoch_time(value: object, *, millis: bool = False) -> dt.datetime | None:
    """Return the China-time moment of epoch seconds (or ``millis``); ``None`` if not a plausible one.

    Accepts an int, a float (JSON numbers) or a string of ASCII digits (CSV cells); refuses
    booleans, NaN and anything outside 1999–2099.
    """
    if isinstance(value, str):
        if not _DIGITS.fullmatch(value.strip()):
            return None
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    seconds = value / 1000 if millis else value
    if not EPOCH_MIN <= seconds < EPOCH_MAX:  # also refuses NaN
        return None
    return dt.datetime.fromtimestamp(seconds, CHINA)


def text_of(value: object) -> str:
    """Return a JSON value as text: strings as they are, numbers in decimal, anything else empty."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def json_object(value: object) -> dict[str, Any]:
    """Return ``value`` if it is a JSON object, else an empty one (exports omit or null out fields)."""
    return value if isinstance(value, dict) else {}


def json_list(value: object) -> list[Any]:
    """Return ``value`` if it is a JSON array, else an empty one."""
    return value if isinstance(value, list) else []
