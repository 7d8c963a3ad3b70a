"""The readers of QQ PC .txt and MemoTrace CSV exports as they were before they read in chunks.

Kept, plain and slow, as the reference the fast readers must agree with record for record
(``test_reader_speed_equivalence``): one line at a time through ``readline``, one state machine
call a line, a frozen dataclass for each message being read.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TextIO

from qunguan.ingest.formats._qq import SYSTEM_IDS, body_kind
from qunguan.ingest.formats._reading import (
    EPOCH_MAX,
    EPOCH_MIN,
    LINE_LIMIT,
    CsvRecord,
    _csv_reason,
    _raw,
    bounded_lines,
    epoch_time,
    local_time,
    numbered_lines,
)
from qunguan.ingest.formats._wechat import APP, SYSTEM_SENDER, TEXT, from_xml, recall_actor, split_type
from qunguan.ingest.formats.memotrace_csv import (
    _CHATROOM,
    _SENDER_PREFIX,
    CHINESE_HEADER,
    ENGLISH_REQUIRED,
    _chinese_row,
    _header,
    _is_chinese,
    _is_english,
)
from qunguan.ingest.formats.qq_pc_txt import _BANNER_FIELD, _HEADER, _SEPARATOR, _TITLE_LINE, _moment, _sender
from qunguan.ingest.records import CHINA, ChatRecord, Kind, Reject


@dataclass
class _Message:
    line: int
    sent_at: dt.datetime
    name: str
    ident: str | None
    body: list[str] = field(default_factory=list)


class _TextParser:
    """The state of one pass over a text export; ``feed`` takes one line at a time.

    What each line completes is appended to ``out`` (the caller drains it): plain appends, not
    nested generators, because this runs for every line of exports with millions of them.

    A 64-'=' line is held back for one line: it opens a banner only if ``消息分组``/``消息对象``
    follows, otherwise it was part of a message body (a notice may use '=' as a rule).
    """

    def __init__(self) -> None:
        self.out: list[ChatRecord | Reject] = []
        self.group: str | None = None
        # Whether this conversation's headers carry IDs: decided by its first header. Group
        # exports always have them, so there an ID-less timestamp line is body text; private
        # exports may have none, and then every timestamp line is a header.
        self.with_ids: bool | None = None
        self.message: _Message | None = None
        self.skipping = False  # inside the body of a header that was rejected
        self.in_banner = False
        self.held: tuple[int, str] | None = None

    def feed(self, lineno: int, line: str) -> None:
        if self.held is not None:
            held_no, held_line = self.held
            self.held = None
            if _BANNER_FIELD.match(line):
                self.flush()
                self.in_banner = True
            else:
                self._ordinary(held_no, held_line)
        if self.in_banner:
            if line == _SEPARATOR or not line.strip():
                return
            banner = _BANNER_FIELD.match(line)
            if banner is not None:
                if banner["field"] == "对象":
                    self.group = banner["value"].strip() or None
                    self.with_ids = None
                return
            self.in_banner = False
        if line == _SEPARATOR:
            self.held = (lineno, line)
            return
        self._ordinary(lineno, line)

    def _ordinary(self, lineno: int, line: str) -> None:
        # Only a line that starts with a digit can be a header: a cheap test before the regex,
        # since most lines are message bodies.
        header = _HEADER.match(line) if line[:1].isdigit() else None
        if header is not None:
            date, clock, who = header.groups()
            name, ident = _sender(who)
            if ident is not None or self.with_ids is not True:
                self.flush()
                if self.with_ids is None:
                    self.with_ids = ident is not None
                sent_at = _moment(date, clock)
                if sent_at is None:
                    self.skipping = True
                    self.out.append(Reject(lineno, f"消息头中的日期或时间无效：“{date} {clock}”", line))
                    return
                self.skipping = False
                self.message = _Message(lineno, sent_at, name, ident)
                return
        if self.message is not None:
            self.message.body.append(line)
        elif self.skipping or not line.strip() or _TITLE_LINE.match(line):
            return
        else:
            self.out.append(
                Reject(lineno, "这一行不属于任何消息（前面没有“日期 时间 发送者(QQ号)”格式的消息头）", line)
            )

    def flush(self) -> None:
        """Complete the message being read, if any (called at the next header, banner and end of file)."""
        message, self.message = self.message, None
        if message is None:
            return
        body = message.body
        # The blank line before the next header is layout, not content; blank lines inside stay.
        while body and not body[-1].strip():
            body.pop()
        start = 0
        while start < len(body) and not body[start].strip():
            start += 1
        text = "\n".join(body[start:]) if start else "\n".join(body)
        ident = message.ident
        # Most messages are plain words: then ``body_kind`` would only say "text", after two
        # regular expressions; only a body that could be anything else goes through it.
        if ident not in SYSTEM_IDS and text and not any(mark in text for mark in _NOT_PLAIN) and text.strip():
            kind: Kind = "text"
        else:
            kind = body_kind(ident, text)
        self.out.append(
            ChatRecord(
                platform="qq",
                sent_at=message.sent_at,
                sender_name=message.name,
                text=text,
                line=message.line,
                kind=kind,
                sender_id=ident,
                group_name=self.group,
            )
        )

    def finish(self) -> None:
        if self.held is not None:
            held_no, held_line = self.held
            self.held = None
            self._ordinary(held_no, held_line)
        self.flush()


def read_qq_text(text: TextIO) -> Iterator[ChatRecord | Reject]:
    """Yield the records of a text export, reading ``text`` one line at a time."""
    parser = _TextParser()
    out = parser.out
    feed = parser.feed
    for lineno, raw in numbered_lines(text):
        if raw is None:
            yield Reject(lineno, f"这一行超过 {LINE_LIMIT} 个字符，没有读取")
            continue
        line = raw.rstrip("\r\n")
        if lineno == 1:
            line = line.lstrip("\ufeff")
        # Two lines of three are a message's body (or the blank line after it): while a message
        # is open and nothing is held back, a line that cannot be a header or a separator just
        # joins the body — what ``feed`` would do, without its calls.
        message = parser.message
        if message is not None and not line[:1].isdigit() and parser.held is None and line != _SEPARATOR:
            message.body.append(line)
            continue
        feed(lineno, line)
        if out:
            yield from out
            out.clear()
    parser.finish()
    yield from out


# What a body must contain to be anything but plain words (see ``_qq.body_kind``): a placeholder,
# a recall notice or an offline-file notice.
_NOT_PLAIN = ("[", "撤回", "离线文件", "你已下载文件")


# ---- MemoTrace CSV ---------------------------------------------------------------------------


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


class PlainCsvReader:
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


def read_memotrace_csv(text: TextIO) -> Iterator[ChatRecord | Reject]:
    rows = PlainCsvReader(text)
    columns: dict[str, int] | None = None
    chinese = False
    needed = width = 0  # the fewest and the most cells a row may have
    english: _EnglishRows | None = None
    for item in rows:
        if isinstance(item, Reject):
            yield item
            continue
        if columns is None:
            fields = _header(item.fields)
            chinese = _is_chinese(fields)
            if not (chinese or _is_english(fields)):
                yield Reject(item.line, "第一行不是留痕 CSV 的表头，整个文件没有读取", item.raw)
                return
            columns = {name: i for i, name in enumerate(fields) if name}
            # Rows may stop short of the optional columns (private chats under the 12-column
            # header get 9 cells), never short of the ones that carry the message.
            needed = 1 + max(columns[c] for c in (CHINESE_HEADER if chinese else ENGLISH_REQUIRED))
            width = len(fields)
            continue
        if not needed <= len(item.fields) <= width:
            yield Reject(
                item.line,
                f"这一行有 {len(item.fields)} 列，与表头的 {width} 列对不上",
                item.raw,
            )
            if item.lines > 1:
                rows.reread_swallowed()  # most likely a runaway quote: its lines are rows
            continue
        if chinese:
            yield _chinese_row(item, columns)
        else:
            if english is None:
                english = _EnglishRows(columns, width)
            yield english.row(item)


class _EnglishRows:
    """Reads the rows of a file with the English (``MSG`` table) header.

    The column of each cell is looked up once per file, not nine times per row; a row that
    stops short of the optional columns is padded, so a missing column reads as an empty cell.
    The usual text message is read without regular expressions; anything else takes the
    general path through ``_wechat.from_xml``.
    """

    def __init__(self, columns: dict[str, int], width: int) -> None:
        missing = width  # the index of the empty cell the padding ends with

        def at(name: str) -> int:
            return columns.get(name, missing)

        self.width = width
        self.type, self.sub_type, self.is_sender = at("Type"), at("SubType"), at("IsSender")
        self.created, self.str_time, self.content = at("CreateTime"), at("StrTime"), at("StrContent")
        self.sender, self.remark, self.nickname = at("Sender"), at("Remark"), at("NickName")
        self.talkers = tuple(i for i in (at("StrTalker"), at("talker")) if i != missing)

    def row(self, item: CsvRecord) -> ChatRecord | Reject:
        cells = item.fields + [""] * (self.width + 1 - len(item.fields))
        raw_type, raw_sub = cells[self.type].strip(), cells[self.sub_type].strip() or "0"
        if not (_is_number(raw_type) and _is_number(raw_sub)):
            return Reject(item.line, f"消息类型“{raw_type}/{raw_sub}”不是数字", item.raw)
        created = cells[self.created].strip()
        sent_at = None
        if created.isascii() and created.isdigit() and len(created) <= 16:
            seconds = int(created)
            if EPOCH_MIN <= seconds < EPOCH_MAX:
                sent_at = dt.datetime.fromtimestamp(seconds, CHINA)
        if sent_at is None:
            sent_at = epoch_time(cells[self.created]) or local_time(cells[self.str_time])
        if sent_at is None:
            return Reject(
                item.line,
                f"时间无法识别（CreateTime“{cells[self.created]}”，StrTime“{cells[self.str_time]}”）",
                item.raw,
            )
        type_, sub_type = split_type(int(raw_type), int(raw_sub))
        content = cells[self.content]
        sender_id = cells[self.sender].strip() or None
        if type_ in (TEXT, APP) and content.startswith("wxid_"):
            prefix = _SENDER_PREFIX.match(content)
            if prefix and (sender_id is None or prefix.group(1) == sender_id):
                sender_id, content = prefix.group(1), content[prefix.end() :]
        kind: Kind
        if type_ == TEXT:
            kind, text = "text", content  # what ``from_xml`` makes of a text message
        else:
            kind, text = from_xml(type_, sub_type, content)
        name = cells[self.remark].strip() or cells[self.nickname].strip()
        if not name and kind in ("system", "recall"):
            name = (recall_actor(text) if kind == "recall" else None) or SYSTEM_SENDER
        if not name:
            name = sender_id or ("我" if cells[self.is_sender].strip() == "1" else "")
        talker = ""
        for index in self.talkers:
            talker = cells[index].strip()
            if talker:
                break
        return ChatRecord(
            platform="wechat",
            sent_at=sent_at,
            sender_name=name,
            text=text,
            line=item.line,
            kind=kind,
            sender_id=sender_id,
            # localId is a row number that differs between backups (and between MSG0/MSG1 files),
            # so it is no message id: overlapping exports de-duplicate by fingerprint instead.
            message_id=None,
            group_account=talker if talker and _CHATROOM.fullmatch(talker) else None,
        )


def _is_number(text: str) -> bool:
    """Whether ``text`` is 1–20 ASCII digits (a message type), told without a regular expression."""
    return text.isascii() and text.isdigit() and len(text) <= 20
