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
from dataclasses import dataclass, field
from typing import BinaryIO, TextIO

from qunguan.ingest.formats import register
from qunguan.ingest.formats._qq import SYSTEM_IDS, body_kind, local_time, split_sender
from qunguan.ingest.formats._reading import LINE_LIMIT, numbered_lines
from qunguan.ingest.formats._txt_sniff import text_verdict
from qunguan.ingest.formats.base import ChatFormat
from qunguan.ingest.records import CHINA, ChatRecord, Kind, Reject
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


def read_text(text: TextIO) -> Iterator[ChatRecord | Reject]:
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
