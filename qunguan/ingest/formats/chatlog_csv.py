"""sjzar/chatlog CSV (``GET /api/v1/chatlog?…&format=csv``).

Header ``Time,SenderName,Sender,TalkerName,Talker,Content``; ``Time`` is ``2006-01-02 15:04:05``
in the exporting machine's local time (read as China time); ``Content`` is chatlog's plain-text
rendering, with media as markdown-style placeholders that point at chatlog's own local server
(``![图片](http://127.0.0.1:5030/image/…)``, ``[链接|标题](url)``, ``[文件|名称](…)`` …).

The placeholders are turned back into a kind and the same readable text the chatlog JSON reader
gives for the same message, so a JSON and a CSV export of one group de-duplicate; the local
server's URLs are dropped (they are no one's link and would only alarm the link detector).
Private chats (a ``Talker`` that is not ``…@chatroom``) are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO, ClassVar

from qunguan.ingest.formats import register
from qunguan.ingest.formats._reading import CsvReader, CsvRecord, first_line, local_time
from qunguan.ingest.formats._wechat import (
    APP,
    SYSTEM_SENDER,
    describe,
    is_recall,
    kind_and_label,
    recall_actor,
    system_text,
)
from qunguan.ingest.formats.base import ChatFormat
from qunguan.ingest.records import ChatRecord, Kind, Reject
from qunguan.ingest.text import head_text, open_text

HEADER = ("Time", "SenderName", "Sender", "TalkerName", "Talker", "Content")

# chatlog's placeholder → the (type, subtype) it renders, so ``describe`` words it like the JSON.
_MEDIA: tuple[tuple[re.Pattern[str], int, int], ...] = tuple(
    (re.compile(pattern, re.DOTALL), type_, sub_type)
    for pattern, type_, sub_type in (
        (r"!\[图片\]\([^()\s]*\)", 3, 0),
        (r"!\[视频\]\([^()\s]*\)", 43, 0),
        (r"\[语音\](?:\([^()\s]*\))?", 34, 0),
        (r"\[名片\]", 42, 0),
        (r"!?\[动画表情\](?:\([^()\s]*\))?", 47, 0),
        (r"\[GIF表情\]", APP, 8),
        (r"\[语音通话\]", 50, 0),
        (r"\[合并转发\]", APP, 19),
        (r"\[群公告\]", APP, 87),
        (r"\[红包\]", APP, 2001),
        (r"\[红包封面\]", APP, 2003),
        (r"\[视频号\]", APP, 51),
        (r"\[小程序\]", APP, 33),
        (r"\[分享\]", APP, 0),
    )
)
# [分享|标题|描述](url), [链接|标题](url), [文件|名称](http://host/file/md5), [小程序|…], [视频号|…]
_CARD = re.compile(r"\[(分享|链接|文件|小程序|视频号)\|(.*?)(?:\|.*)?\]\(([^()\s]*)\)", re.DOTALL)
_CARD_TYPES = {"分享": 4, "链接": 5, "文件": 6, "小程序": 33, "视频号": 51}
_TRANSFER = re.compile(r"\[转账\|.*", re.DOTALL)
_QUOTE_LINE = re.compile(r"> [^\n]*\n")


@register
class ChatlogCsv(ChatFormat):
    """sjzar/chatlog 的 CSV 输出。"""

    name: ClassVar[str] = "chatlog_csv"
    label: ClassVar[str] = "chatlog 微信聊天记录（CSV）"

    @classmethod
    def sniff(cls, head: bytes, filename: str) -> bool:
        return tuple(first_line(head_text(head)).split(",")) == HEADER

    def read(self, stream: BinaryIO) -> Iterator[ChatRecord | Reject]:
        rows = CsvReader(open_text(stream))
        header_seen = False
        for item in rows:
            if isinstance(item, Reject):
                yield item
                continue
            if not header_seen:
                header_seen = True
                if tuple(f.strip().lstrip("\ufeff") for f in item.fields) != HEADER:
                    yield Reject(item.line, "第一行不是 chatlog CSV 的表头，整个文件没有读取", item.raw)
                    return
                continue
            if len(item.fields) != len(HEADER):
                yield Reject(
                    item.line,
                    f"这一行有 {len(item.fields)} 列，chatlog CSV 应有 {len(HEADER)} 列",
                    item.raw,
                )
                if item.lines > 1:
                    rows.reread_swallowed()  # most likely a runaway quote: its lines are rows
                continue
            record = _record(item)
            if record is not None:
                yield record


def _record(item: CsvRecord) -> ChatRecord | Reject | None:
    time, sender_name, sender, talker_name, talker, content = item.fields
    talker = talker.strip()
    if talker and not talker.endswith("@chatroom"):
        return None  # a private chat: not a group qunguan governs
    sent_at = local_time(time)
    if sent_at is None:
        return Reject(item.line, f"时间“{time}”无法识别", item.raw)
    sender, sender_name = sender.strip(), sender_name.strip()
    if sender == SYSTEM_SENDER:
        text = system_text(content)
        kind: Kind = "recall" if is_recall(text) else "system"
        sender_id = None
        sender_name = sender_name or (recall_actor(text) if kind == "recall" else None) or SYSTEM_SENDER
    else:
        kind, text = _content(content)
        sender_id = sender or None
        sender_name = sender_name or sender
    return ChatRecord(
        platform="wechat",
        sent_at=sent_at,
        sender_name=sender_name,
        text=text,
        line=item.line,
        kind=kind,
        sender_id=sender_id,
        group_account=talker or None,
        group_name=talker_name.strip() or None,
    )


def _content(content: str) -> tuple[Kind, str]:
    """Return the kind and readable text of a non-system ``Content`` cell."""
    stripped = content.strip()
    for pattern, type_, sub_type in _MEDIA:
        if pattern.fullmatch(stripped):
            return describe(type_, sub_type)
    card = _CARD.fullmatch(stripped)
    if card is not None:
        sub_type = _CARD_TYPES[card.group(1)]
        title, url = card.group(2), card.group(3)
        if sub_type == 6:
            url = ""  # chatlog's own file server, not a link anyone shared
        return describe(APP, sub_type, title=title, url=url)
    if _TRANSFER.fullmatch(stripped):
        return kind_and_label(APP, 2000)[0], stripped
    if stripped.startswith("> "):
        # A reply: chatlog writes the quoted message as "> " lines before the reply; the quoted
        # message is a record of its own.
        rest = content.lstrip()
        while (quoted := _QUOTE_LINE.match(rest)) is not None:
            rest = rest[quoted.end() :]
        return describe(APP, 57, rest)
    return "text", content
