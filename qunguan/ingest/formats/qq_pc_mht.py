"""QQ PC 消息管理器 web-archive export (导出消息记录 → .mht), the only old-client export with pictures.

The file is MIME ``multipart/related``: one ``text/html`` part holding a table with one row per
line item, then one part per picture. Rows are the title, ``消息分组:``/``消息对象:``, ``日期: YYYY-MM-DD``
rows and message rows, which carry only a time::

    <tr><td><div style=color:#006EFE;…><div style=float:left;…>昵称(QQ号)</div>12:34:43</div>
    <div style=padding-left:20px;><font …>text<br>more</font></div></td></tr>

The file is read line by line and the HTML fed to the parser as it comes, so picture parts of
hundreds of megabytes are skipped without being held in memory.
"""

from __future__ import annotations

import binascii
import codecs
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesHeaderParser
from html.parser import HTMLParser
from typing import BinaryIO

from qunguan.ingest.formats import register
from qunguan.ingest.formats._qq import body_kind, local_time, split_sender
from qunguan.ingest.formats._reading import LINE_LIMIT
from qunguan.ingest.formats.base import ChatFormat
from qunguan.ingest.records import ChatRecord, Reject
from qunguan.ingest.text import head_text

_DATE_ROW = re.compile(r"^日期[:：]\s*(\d{4}-\d{1,2}-\d{1,2})$")
_BANNER_ROW = re.compile(r"^消息(分组|对象)[:：](.*)$")
# Mail headers are short; a "header" longer than this is not a MIME file and is not buffered.
_MAX_HEADER_LINES = 200


@dataclass
class _Row:
    """One ``<tr>``: its text pieces as ``(top-level div index, div depth, text)``; index -1 is outside divs."""

    line: int
    parts: list[tuple[int, int, str]] = field(default_factory=list)

    def text(self, div: int | None = None, depth: int | None = None) -> str:
        return "".join(
            text
            for index, level, text in self.parts
            if (div is None or index == div) and (depth is None or level == depth)
        )


class _RowParser(HTMLParser):
    """Collects table rows; completed rows wait in ``rows`` for the reader to take them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[_Row] = []
        self.line_offset = 0  # file line of the HTML part's first line, minus one
        self.row: _Row | None = None
        self._depth = 0
        self._div = -1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.close_row()
            self.row = _Row(self.line_offset + self.getpos()[0])
            self._depth, self._div = 0, -1
        elif self.row is None:
            return
        elif tag == "div":
            if self._depth == 0:
                self._div += 1
            self._depth += 1
        else:
            self.handle_startendtag(tag, attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._add("\n")
        elif tag == "img":
            src = (dict(attrs).get("src") or "").lower()
            # Pictures are "{GUID}.dat" parts; built-in faces and GIF stickers are written as ".gif".
            self._add("[表情]" if src.endswith(".gif") else "[图片]")

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr":
            self.close_row()
        elif tag == "div" and self._depth > 0:
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        # Line breaks in the body are <br>; a raw newline is only how the file was wrapped.
        self._add(data.replace("\r", "").replace("\n", ""))

    def _add(self, text: str) -> None:
        if self.row is not None and text:
            self.row.parts.append((self._div if self._depth else -1, self._depth, text))

    def close_row(self) -> None:
        if self.row is not None:
            self.rows.append(self.row)
            self.row = None


class _Conversation:
    """What the rows so far have said: which group and which day the next message rows belong to."""

    def __init__(self) -> None:
        self.group: str | None = None
        self.date: str | None = None

    def row(self, row: _Row) -> ChatRecord | Reject | None:
        """Return the record of a message row, a reject for a row that makes no sense, or None."""
        divs = sorted({index for index, _, _ in row.parts if index >= 0})
        if len(divs) >= 2 and any(index == divs[0] and level >= 2 for index, level, _ in row.parts):
            return self._message(row, divs)
        text = row.text().replace("\xa0", " ").strip()
        date = _DATE_ROW.match(text)
        if date is not None:
            self.date = date[1]
            return None
        banner = _BANNER_ROW.match(text)
        if banner is not None:
            if banner[1] == "对象":
                self.group, self.date = banner[2].strip() or None, None
            return None
        if not text or text.startswith("消息记录"):
            return None
        return Reject(row.line, "无法识别的表格行（既不是日期行也不是消息行）", text)

    def _message(self, row: _Row, divs: list[int]) -> ChatRecord | Reject:
        head = divs[0]
        who = "".join(text for index, level, text in row.parts if index == head and level >= 2).strip()
        clock = row.text(head, 1).strip()
        body = "".join(text for index, _, text in row.parts if index in divs[1:])
        body = body.replace("\xa0", " ").strip(" \n")
        if self.date is None:
            return Reject(row.line, "这条消息之前没有“日期”行，无法确定日期", f"{who} {clock}")
        sent_at: dt.datetime | None = local_time(self.date, clock)
        if sent_at is None:
            return Reject(row.line, f"消息时间无效：“{self.date} {clock}”", f"{who} {clock}")
        name, ident = split_sender(who)
        return ChatRecord(
            platform="qq",
            sent_at=sent_at,
            sender_name=name,
            text=body,
            line=row.line,
            kind=body_kind(ident, body),
            sender_id=ident,
            group_name=self.group,
        )


def _pieces(stream: BinaryIO, limit: int = LINE_LIMIT) -> Iterator[tuple[int, bytes, bool]]:
    """Yield ``(line number, bytes, starts a line)`` for the file, at most ``limit`` bytes at a time.

    Some exports write the whole HTML table on one line; reading it in pieces keeps memory flat,
    and the HTML parser does not care where a piece ends.
    """
    number, line_start = 0, True
    while True:
        piece = stream.readline(limit)
        if not piece:
            return
        if line_start:
            number += 1
        yield number, piece, line_start
        line_start = piece.endswith(b"\n")


def _headers(lines: list[bytes]) -> Message:
    return BytesHeaderParser().parsebytes(b"".join(lines) + b"\r\n")


def _codec(name: str | None) -> str:
    try:
        return codecs.lookup(name or "utf-8").name
    except (LookupError, ValueError):  # unknown name, or one with a NUL byte in it
        return "utf-8"


class _HtmlPart:
    """Decodes one HTML part line by line (7bit/8bit, quoted-printable or base64) into the row parser."""

    def __init__(self, headers: Message, charset: str | None, first_line: int) -> None:
        self.encoding = str(headers.get("Content-Transfer-Encoding", "7bit")).strip().lower()
        codec = _codec(headers.get_content_charset() or charset)
        self.decoder = codecs.getincrementaldecoder(codec)(errors="replace")
        self.parser = _RowParser()
        self.parser.line_offset = first_line - 1
        self._base64 = b""

    def feed(self, lineno: int, raw: bytes) -> Iterator[ChatRecord | Reject]:
        if self.encoding == "quoted-printable":
            data = binascii.a2b_qp(raw)
        elif self.encoding == "base64":
            # base64 lines need not be a multiple of 4 characters; decode whole quanta only.
            self._base64 += b"".join(raw.split())
            cut = len(self._base64) - len(self._base64) % 4
            chunk, self._base64 = self._base64[:cut], self._base64[cut:]
            try:
                data = binascii.a2b_base64(chunk)
            except binascii.Error:
                yield Reject(
                    lineno, "HTML 部分的 base64 编码有误，这一行已跳过", raw.decode("ascii", "replace")
                )
                return
        else:
            data = raw
        yield from self._parse(lineno, self.decoder.decode(data))

    def _parse(self, lineno: int, text: str) -> Iterator[ChatRecord | Reject]:
        try:
            self.parser.feed(text)
        except AssertionError:
            # html.parser gives up on some malformed <!…> declarations; drop the parser's buffer
            # and go on with the next line rather than lose the rest of the file.
            self.parser.reset()
            yield Reject(lineno, "这一行的 HTML 无法解析，已跳过", text)

    def close(self, lineno: int) -> Iterator[ChatRecord | Reject]:
        """Flush the decoder and parser; a row still open at the end means the file was cut short."""
        yield from self._parse(lineno, self.decoder.decode(b"", final=True))
        if self.parser.row is not None:
            row, self.parser.row = self.parser.row, None
            yield Reject(row.line, "文件在这一行中断，最后一行消息不完整", row.text())
        try:
            self.parser.close()
        except AssertionError:
            self.parser.reset()


@register
class QQPCMht(ChatFormat):
    """QQ 电脑版消息管理器导出的 .mht（MIME 网页存档，含图片）。"""

    name = "qq_pc_mht"
    label = "QQ 电脑版消息管理器导出（.mht）"

    @classmethod
    def sniff(cls, head: bytes, filename: str) -> bool:
        text = head_text(head)[:8192]
        if "<Save by Tencent MsgMgr>" in text:
            return True
        lowered = text.lower()
        return "multipart/related" in lowered and (
            "tencent im message" in lowered or "<title>qq message</title>" in lowered
        )

    def read(self, stream: BinaryIO) -> Iterator[ChatRecord | Reject]:
        lines = _pieces(stream)
        top: list[bytes] = []
        for _, raw, _ in lines:
            if not raw.strip() or len(top) >= _MAX_HEADER_LINES:
                break
            top.append(raw)
        headers = _headers(top)
        boundary = headers.get_param("boundary")
        if not isinstance(boundary, str) or not boundary:
            yield Reject(1, "不是 QQ 消息管理器导出的 MHT 文件：找不到 MIME 分隔符（boundary）")
            return
        charset = headers.get_param("charset")
        delimiter = b"--" + boundary.encode("ascii", "replace")
        conversation = _Conversation()
        html: _HtmlPart | None = None
        part_headers: list[bytes] | None = None  # collecting a part's headers
        lineno = len(top) + 1
        for lineno, raw, line_start in lines:
            if line_start and raw.startswith(delimiter):
                if html is not None:
                    yield from self._drain(html.close(lineno), html, conversation)
                    html = None
                if raw[len(delimiter) :].startswith(b"--"):
                    return  # the closing delimiter: picture parts and epilogue are not needed
                part_headers = []
                continue
            if part_headers is not None:
                if raw.strip() and len(part_headers) < _MAX_HEADER_LINES:
                    part_headers.append(raw)
                    continue
                part = _headers(part_headers)
                part_headers = None
                if part.get_content_type() == "text/html":
                    html = _HtmlPart(part, charset if isinstance(charset, str) else None, lineno + 1)
                continue
            if html is not None:
                yield from self._drain(html.feed(lineno, raw), html, conversation)
        if html is not None:
            yield from self._drain(html.close(lineno), html, conversation)

    @staticmethod
    def _drain(
        events: Iterator[ChatRecord | Reject], html: _HtmlPart, conversation: _Conversation
    ) -> Iterator[ChatRecord | Reject]:
        """Turn every row completed by ``events`` into its record, then pass on the part's own rejects.

        Rows come first: a line the parser gave up on, or a row cut off at the end of the file,
        lies after the rows that were completed before it.
        """
        rejects = list(events)
        rows, html.parser.rows = html.parser.rows, []
        for row in rows:
            item = conversation.row(row)
            if item is not None:
                yield item
        yield from rejects
