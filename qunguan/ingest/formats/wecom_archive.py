"""企业微信会话内容存档 (chat archive), decrypted: one message JSON per line.

What ``DecryptData`` returns for each ``GetChatData`` item, written one per line: ``msgid``,
``action`` (``send``/``recall``/``switch``), ``from``, ``tolist``, ``roomid`` (empty for a 1:1
chat), ``msgtime`` in **milliseconds**, ``msgtype`` and a body keyed by the msgtype
(``text{content}``, ``image{…}``, ``revoke{pre_msgid}``, ``file{filename}``, ``link{title,…}`` …).

Skipped without a word: ``switch`` records (someone switched enterprise; they have no msgtype)
and 1:1 chats (qunguan governs groups; the archive holds the whole company's traffic). A recall
is ``action: recall`` with ``revoke.pre_msgid``: it becomes a ``recall`` record that names the
message taken back, which the importer then marks. The archive knows user ids, not names, so
the sender's id is also their name.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, BinaryIO, ClassVar

from qunguan.ingest.formats import register
from qunguan.ingest.formats._reading import RAW_CHARS, epoch_time, first_line, json_lines, text_of
from qunguan.ingest.formats.base import ChatFormat
from qunguan.ingest.records import ChatRecord, Kind, Reject
from qunguan.ingest.text import head_text, open_text

ACTIONS = frozenset({"send", "recall", "switch"})

# msgtype → (kind, placeholder, body fields whose text follows the placeholder).
MSGTYPES: dict[str, tuple[Kind, str, tuple[str, ...]]] = {
    "image": ("image", "[图片]", ()),
    "voice": ("voice", "[语音]", ()),
    "video": ("video", "[视频]", ()),
    "emotion": ("sticker", "[表情包]", ()),
    "file": ("file", "[文件]", ("filename",)),
    "link": ("link", "[链接]", ("title", "description", "link_url")),
    "weapp": ("link", "[小程序]", ("title", "displayname")),
    "docmsg": ("link", "[在线文档]", ("title", "link_url")),
    "sphfeed": ("link", "[视频号]", ("feed_desc", "sph_name")),
    "news": ("link", "[图文]", ()),
    "card": ("other", "[名片]", ("corpname", "userid")),
    "location": ("other", "[位置]", ("title", "address")),
    "chatrecord": ("other", "[聊天记录]", ("title",)),
    "todo": ("other", "[待办]", ("title", "content")),
    "vote": ("other", "[投票]", ("votetitle",)),
    "collect": ("other", "[填表]", ("room_name", "title")),
    "redpacket": ("other", "[红包]", ("wish",)),
    "external_redpacket": ("other", "[红包]", ("wish",)),
    "meeting": ("other", "[会议]", ("topic",)),
    "calendar": ("other", "[日程]", ("title", "place")),
    "meeting_voice_call": ("other", "[音频存档]", ()),
    "voip_doc_share": ("other", "[共享文档]", ("filename",)),
    "agree": ("system", "同意会话存档", ()),
    "disagree": ("system", "不同意会话存档", ()),
}


@register
class WeComArchive(ChatFormat):
    """企业微信会话内容存档，解密后每行一条消息 JSON。"""

    name: ClassVar[str] = "wecom_archive"
    label: ClassVar[str] = "企业微信会话存档（解密后 JSONL）"

    @classmethod
    def sniff(cls, head: bytes, filename: str) -> bool:
        try:
            obj = json.loads(first_line(head_text(head)))
        except (ValueError, RecursionError):
            return False
        return isinstance(obj, dict) and "msgid" in obj and text_of(obj.get("action")) in ACTIONS

    def read(self, stream: BinaryIO) -> Iterator[ChatRecord | Reject]:
        for item in json_lines(open_text(stream)):
            if isinstance(item, Reject):
                yield item
                continue
            record = _record(*item)
            if record is not None:
                yield record


def _raw(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False)[:RAW_CHARS]


def _record(line: int, message: dict[str, Any]) -> ChatRecord | Reject | None:
    action = text_of(message.get("action"))
    if action == "switch":
        return None  # someone switched enterprise: no message
    room = text_of(message.get("roomid")).strip()
    if not room:
        return None  # a 1:1 chat: qunguan governs groups
    msgid = text_of(message.get("msgid")).strip()
    sender = text_of(message.get("from")).strip()
    if action not in ACTIONS or not msgid or not sender:
        return Reject(line, "缺少 msgid、from 或 action，不是一条会话存档消息", _raw(message))
    sent_at = epoch_time(message.get("msgtime"), millis=True)
    if sent_at is None:
        return Reject(line, f"消息时间 msgtime“{message.get('msgtime')}”不是毫秒时间戳", _raw(message))
    msgtype = text_of(message.get("msgtype"))
    body = message.get(msgtype)
    body = body if isinstance(body, dict) else {}
    recalled_id = None
    if action == "recall":
        kind: Kind = "recall"
        recalled_id = text_of(body.get("pre_msgid")).strip() or None
        text = "撤回了一条消息"
    else:
        kind, text = _content(msgtype, body)
    return ChatRecord(
        platform="wecom",
        sent_at=sent_at,
        sender_name=sender,
        text=text,
        line=line,
        kind=kind,
        sender_id=sender,
        message_id=msgid,
        group_account=room,
        recalls_message_id=recalled_id,
    )


def _content(msgtype: str, body: dict[str, Any]) -> tuple[Kind, str]:
    """Return the kind and readable text of a sent message's body."""
    if msgtype in ("text", "markdown"):
        return "text", text_of(body.get("content"))
    if msgtype == "mixed":
        # Text and pictures in one message: each item's content is itself a JSON string.
        parts: list[str] = []
        items = body.get("item")
        for item in items if isinstance(items, list) else []:
            # A mixed message inside a mixed message is not something WeCom sends; refusing it
            # keeps a crafted file from recursing without end.
            if not isinstance(item, dict) or item.get("type") == "mixed":
                continue
            try:
                inner = json.loads(text_of(item.get("content")) or "{}")
            except (ValueError, RecursionError):
                inner = {}
            inner = inner if isinstance(inner, dict) else {}
            parts.append(_content(text_of(item.get("type")), inner)[1])
        return "text", "\n".join(p for p in parts if p)
    if msgtype == "news":
        items = (body.get("info") or {}).get("item") if isinstance(body.get("info"), dict) else None
        first = items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else {}
        return "link", _join("[图文]", text_of(first.get("title")), text_of(first.get("url")))
    kind, label, fields = MSGTYPES.get(msgtype, ("other", f"[{msgtype[:20] or '未知类型'}]", ()))
    return kind, _join(label, *(text_of(body.get(f)) for f in fields))


def _join(*parts: str) -> str:
    return " ".join(" ".join(p.split()) for p in parts if p and p.strip())
