"""QQ PC 消息管理器 text export (导出消息记录 → .txt), old PC QQ ≤ 9.7 and TIM.

One file may hold many conversations, each opened by a banner::

    ================================================================
    消息分组:我的QQ群
    ================================================================
    消息对象:计算机学院2024级辅导员工作群
    ================================================================

followed by messages, each a header line ``2024-09-02 9:00:05 王建国-辅导员(10001001)`` (or
``NAME<EMAIL>``) and body lines up to the next header. Sender names, times and message kinds
follow the rules in ``_qq``, shared with the ``.mht`` reader.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import BinaryIO, TextIO

from qunguan.ingest.formats import register
from qunguan.ingest.formats._qq import SYSTEM_IDS, body_kind, local_time, split_sender
from qunguan.ingest.formats._reading import LINE_LIMIT, line_batches
from qunguan.ingest.formats._txt_sniff import text_verdict
from qunguan.ingest.formats.base import ChatFormat
from qunguan.ingest.records import CHINA, ChatRecord, Kind, Reject, make_record
from qunguan.ingest.text import head_text, open_text

# A header: date, an optional AM/PM token before or after the unpadded time, then the sender.
# The English token after the time needs a space behind it, so a nickname like "PMing" stays a name.
_HEADER = re.compile(
    r"^(?P<date>\d{4}-\d{1,2}-\d{1,2}) +"
    r"(?P<time>(?:(?:AM|PM|上午|下午) *)?\d{1,2}:\d{2}:\d{2}(?: ?(?:上午|下午)(?= )| +(?:AM|PM)(?= ))?)"
    r" +(?P<who>\S.*?)\s*$"
)
_SEPARATOR = "=" * 64
_BANNER_FIELD = re.compile(r"^消息(?P<field>分组|对象)[:：](?P<value>.*)$")
_TITLE_LINE = re.compile(r"^消息记录[（(]此消息记录为文本格式")


class _TextParser:
    """The state of one pass over a text export; ``feed`` takes one line at a time.

    What each line completes is appended to ``out`` (the caller drains it): plain appends, not
    nested generators, because this runs for every line of exports with millions of them.
    ``read_text`` reads the common lines (a message's body, the usual header) itself and hands
    the others to ``feed``.

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
        # The message being read: its header's line, time, sender name and ID, and its body
        # lines (``body`` is None while no message is open).
        self.line = 0
        self.sent_at: dt.datetime | None = None
        self.name = ""
        self.ident: str | None = None
        self.body: list[str] | None = None
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
                self.open(lineno, sent_at, name, ident)
                return
        if self.body is not None:
            self.body.append(line)
        elif self.skipping or not line.strip() or _TITLE_LINE.match(line):
            return
        else:
            self.out.append(
                Reject(lineno, "这一行不属于任何消息（前面没有“日期 时间 发送者(QQ号)”格式的消息头）", line)
            )

    def open(self, lineno: int, sent_at: dt.datetime, name: str, ident: str | None) -> None:
        """Start the message whose header is on line ``lineno`` (the one being read must be flushed)."""
        self.line, self.sent_at, self.name, self.ident, self.body = lineno, sent_at, name, ident, []

    def flush(self) -> None:
        """Complete the message being read, if any (called at the next header, banner and end of file)."""
        if self.body is not None:
            self.out.append(self.record())

    def record(self) -> ChatRecord:
        """Complete the message being read (there must be one) and return its record."""
        body = self.body
        assert body is not None
        assert self.sent_at is not None
        self.body = None
        # The blank line before the next header is layout, not content; blank lines inside stay.
        while body and not body[-1].strip():
            body.pop()
        if len(body) == 1:
            text = body[0]  # not blank: trailing blank lines are gone
        else:
            start = 0
            while start < len(body) and not body[start].strip():
                start += 1
            text = "\n".join(body[start:]) if start else "\n".join(body)
        ident = self.ident
        # Most messages are plain words: then ``body_kind`` would only say "text", after two
        # regular expressions; only a body that could be anything else goes through it.
        kind: Kind
        if (
            text
            and "[" not in text
            and "撤回" not in text
            and "离线文件" not in text
            and "你已下载文件" not in text
            and ident not in SYSTEM_IDS
            and text.strip()
        ):
            kind = "text"
        else:
            kind = body_kind(ident, text)
        # Positional: the reader builds one for every message.
        return make_record(
            "qq", self.sent_at, self.name, text, self.line, kind, ident, None, None, self.group
        )

    def finish(self) -> None:
        if self.held is not None:
            held_no, held_line = self.held
            self.held = None
            self._ordinary(held_no, held_line)
        self.flush()


# The usual header: a 24-hour clock, a space and a sender. Anything else (AM/PM, odd spacing, a
# time out of range) takes ``_TextParser.feed`` and ``_HEADER``.
_PLAIN_HEADER = re.compile(r"(\d{4}-\d{1,2}-\d{1,2}) (\d{1,2}):(\d{2}):(\d{2}) (\S.*)")
_MERIDIEM_FIRST = ("AM ", "PM ", "上午 ", "下午 ")


def read_text(text: TextIO) -> Iterator[ChatRecord | Reject]:
    """Yield the records of a text export, reading ``text`` a chunk of lines at a time."""
    parser = _TextParser()
    out = parser.out
    feed = parser.feed
    plain = _PLAIN_HEADER.match
    china = CHINA
    new = dt.datetime
    record = make_record
    system_ids = SYSTEM_IDS
    meridiem = _MERIDIEM_FIRST
    separator = _SEPARATOR
    dates: dict[str, tuple[int, int, int]] = {}
    # Sender parts (``_sender``) by their text: a group has a few hundred members at most.
    senders: dict[str, tuple[str, str | None]] = {}
    lineno = 0
    # The body of the message being read while nothing is held back (else None): the lines
    # ``feed`` need not see are read here, and ``body`` is taken again after each ``feed``.
    body: list[str] | None = None
    for lines in line_batches(text):
        if lineno == 0 and lines and lines[0] is not None:
            lines[0] = lines[0].lstrip("\ufeff")
        for line in lines:
            lineno += 1
            if line is None:
                yield Reject(lineno, f"这一行超过 {LINE_LIMIT} 个字符，没有读取")
                continue
            if body is not None:
                # Two lines of three are a message's body (or the blank line after it): a line
                # that cannot be a header or a separator just joins the body.
                if not line[:1].isdigit():
                    if line != separator:
                        body.append(line)
                        continue
                elif (header := plain(line)) is not None:
                    date, hour, minute, second, who = header.groups()
                    # ``_HEADER`` takes an AM/PM after the clock for its own: those lines go to ``feed``.
                    if not who.startswith(meridiem) and minute < "60" and second < "60":
                        who = who.rstrip()  # what ``_HEADER``'s ``\s*$`` leaves out
                        sender = senders.get(who)
                        if sender is None:
                            if len(senders) >= 10_000:
                                senders.clear()
                            sender = senders[who] = _sender(who)
                        name, ident = sender
                        if ident is None and parser.with_ids:
                            body.append(line)  # a timestamp line in a group export's body
                            continue
                        ymd = dates.get(date)
                        if ymd is None:
                            year, month, day = date.split("-")
                            ymd = dates[date] = (int(year), int(month), int(day))
                        try:
                            sent_at = new(
                                ymd[0], ymd[1], ymd[2], int(hour), int(minute), int(second), 0, china
                            )
                        except ValueError:
                            pass  # an impossible date or hour: ``feed`` rejects it
                        else:
                            # The message before ends here. Most are one line of plain words and
                            # the blank line after it (``_TextParser.record`` says "text" for them).
                            text_ = body[0] if len(body) == 2 and not body[1] else ""
                            if (
                                text_.strip()
                                and "[" not in text_
                                and "撤回" not in text_
                                and "离线文件" not in text_
                                and "你已下载文件" not in text_
                                and parser.ident not in system_ids
                            ):
                                parser.body = None
                                yield record(
                                    "qq",
                                    parser.sent_at,  # type: ignore[arg-type]
                                    parser.name,
                                    text_,
                                    parser.line,
                                    "text",
                                    parser.ident,
                                    None,
                                    None,
                                    parser.group,
                                )
                            else:
                                yield parser.record()
                            parser.skipping = False
                            parser.line, parser.sent_at = lineno, sent_at
                            parser.name, parser.ident = name, ident
                            parser.body = body = []
                            continue
            feed(lineno, line)
            body = parser.body if parser.held is None else None
            if out:
                yield from out
                out.clear()
    parser.finish()
    yield from out


def _sender(who: str) -> tuple[str, str | None]:
    """``_qq.split_sender``, with the common ``NAME(DIGITS)`` read without regular expressions."""
    if who[-1:] == ")" and not who.startswith("【"):
        at = who.rfind("(")
        ident = who[at + 1 : -1]
        if at >= 0 and 0 < len(ident) <= 13 and ident.isdecimal():
            return who[:at].strip() or ident, ident
    return split_sender(who)


def _moment(date: str, clock: str) -> dt.datetime | None:
    """``_qq.local_time``, with a 24-hour ``H:MM:SS`` (no AM/PM marker) read without a regular expression."""
    if clock[:1].isdigit() and clock[-1:].isdigit():
        hour, minute, second = clock.split(":")
        try:
            year, month, day = date.split("-")
            if int(minute) > 59 or int(second) > 59:
                return None
            return dt.datetime(
                int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=CHINA
            )
        except ValueError:
            return None
    return local_time(date, clock)


@register
class QQPCText(ChatFormat):
    """QQ 电脑版消息管理器导出的 .txt：many conversations, CRLF, encoding varies by client version."""

    name = "qq_pc_txt"
    label = "QQ 电脑版消息管理器导出（.txt）"

    @classmethod
    def sniff(cls, head: bytes, filename: str) -> bool:
        # The title, a banner, or the clocks and IDs of the headers (``_txt_sniff`` weighs them
        # against MemoTrace's TXT, whose headers look alike).
        return text_verdict(head_text(head)) == cls.name

    def read(self, stream: BinaryIO) -> Iterator[ChatRecord | Reject]:
        # One line at a time, so memory stays flat on multi-gigabyte "export all" files.
        yield from read_text(open_text(stream))
