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


class _Feed:
    """The line iterator ``csv.reader`` pulls from: it counts lines and can put lines back.

    A class rather than a generator because a generator that has once reached the end cannot
    yield the lines put back after it.
    """

    def __init__(self, text: TextIO) -> None:
        self._source = bounded_lines(text)
        self._pending: deque[str] = deque()
        self.consumed = 0  # physical lines handed to the reader, minus those put back
        self.record: list[str] = []  # the physical lines of the record being read
        self.overlong = False  # whether the record being read had a line over LINE_LIMIT

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> str:
        if self._pending:
            line = self._pending.popleft()
        else:
            got = next(self._source)  # its StopIteration is this iterator's end too
            if got is None:
                # Stand-in for the skipped line: it keeps the count right and ends any record.
                self.overlong = True
                got = "\n"
            line = got
        self.consumed += 1
        self.record.append(line)
        return line

    def put_back(self, lines: list[str]) -> None:
        self._pending.extendleft(reversed(lines))
        self.consumed -= len(lines)


class CsvReader:
    """CSV records with the line each one starts on, read in constant memory.

    ``csv.reader`` alone counts the lines it has consumed, not where a quoted multi-line record
    began, and one unbalanced quote makes it swallow every line up to the next quote (or the end
    of the file) into a single field. This reader reports the starting line, turns ``csv.Error``
    into a ``Reject`` and then re-reads the lines the broken record had swallowed, so one bad
    quote costs one message, not the rest of the file.
    """

    def __init__(self, text: TextIO) -> None:
        self._feed = _Feed(text)
        self._reader = csv.reader(self._feed, strict=True)

    def __iter__(self) -> Iterator[CsvRecord | Reject]:
        feed = self._feed
        while True:
            feed.record = []
            feed.overlong = False
            start = feed.consumed + 1
            try:
                fields = next(self._reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield Reject(start, _csv_reason(str(exc)), _raw(feed.record))
                self.reread_swallowed()
                continue
            if feed.overlong:
                yield Reject(
                    start, f"这一行超过 {LINE_LIMIT} 个字符，不像聊天记录，没有读取", _raw(feed.record)
                )
                self.reread_swallowed()
                continue
            if not fields:
                continue  # a blank line between records
            yield CsvRecord(start, fields, len(feed.record))

    def reread_swallowed(self) -> None:
        """Read again, as new records, the lines after the first one of the record just returned.

        Call it after rejecting a multi-line record that is probably a runaway quote (its field
        count is wrong): the lines it swallowed are most likely good records of their own.
        """
        self._feed.put_back(self._feed.record[1:])


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
