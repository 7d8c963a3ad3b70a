"""QQ Chat Exporter (shuakami/qq-chat-exporter, "QCE") JSON exports of QQNT chats.

The default export is one JSON document ``{metadata, chatInfo, statistics, messages: [...]}``;
the optional chunked mode writes a ``manifest.json`` plus ``chunks/c000001.jsonl`` files with
one message per line. Both carry the same message objects ("CleanMessage"): ``timestamp`` in
milliseconds, ``sender.uin`` the QQ number (``sender.uid`` is QQNT's internal ``u_…`` id),
``content.text`` with placeholders such as ``[图片:x.jpg]``, and ``recalled``/``system`` flags.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any, BinaryIO

from qunguan.ingest.formats import register
from qunguan.ingest.formats._qq import gray_tip_kind
from qunguan.ingest.formats._reading import LINE_LIMIT, epoch_time, json_list, json_object, numbered_lines
from qunguan.ingest.formats.base import ChatFormat
from qunguan.ingest.records import CHINA, ChatRecord, Kind, Reject
from qunguan.ingest.text import SNIFF_BYTES, head_text, open_text

# Found by pattern rather than by a full parse, so that a file cut off in the middle still
# gives every message before the cut. A quote inside a JSON string is always escaped, so
# these can only match real keys; QCE writes chatInfo and messages before any nested object
# that has a "messages" key of its own (forwarded-message elements).
_MESSAGES_KEY = re.compile(r'"messages"\s*:\s*\[')
_CHATINFO_KEY = re.compile(r'"chatInfo"\s*:\s*(?=\{)')
# QCE has no group-number field; the group avatar URL (p.qlogo.cn/gh/<群号>/<群号>/) names it.
RAW_CHARS = 500  # how much of a bad message a reject keeps
_GROUP_AVATAR = re.compile(r"/gh/(\d{5,12})/")

# Element types that make a message media of that kind when it has no words of its own.
_ELEMENT_KIND: dict[str, Kind] = {
    "image": "image",
    "face": "sticker",
    "market_face": "sticker",
    "file": "file",
    "video": "video",
    "audio": "voice",
    "ptt": "voice",
    "json": "link",
    "ark": "link",
    "xml": "link",
    "share": "link",
    "markdown": "text",
    "forward": "other",
    "location": "other",
    "system": "system",
}
_TYPE_KIND: dict[str, Kind] = {
    "file": "file",
    "type_8": "file",
    "video": "video",
    "type_9": "video",
    "audio": "voice",
    "type_6": "voice",
    "json": "link",
    "type_7": "link",
    "forward": "other",
    "type_11": "other",
    "system": "system",
}


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _string(value: Any) -> str:
    """Return ``value`` as a stripped string; numbers are QCE ids written without quotes."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""


def _sent_at(message: dict[str, Any]) -> dt.datetime | None:
    stamp = message.get("timestamp")
    if isinstance(stamp, int | float) and not isinstance(stamp, bool):
        return epoch_time(stamp / 1000)
    # Older versions wrote only "time": RFC 3339 in UTC, or a zh-CN local "2024-09-02 09:00:05".
    text = message.get("time")
    if not isinstance(text, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(text.strip().replace("/", "-"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA)
    return epoch_time(moment.timestamp())


def _kind(message: dict[str, Any], elements: list[Any], text: str) -> Kind:
    """Return the kind of a non-system message from its elements; QCE types images as "text"."""
    has_words = False
    media: Kind | None = None
    for element in elements:
        if not isinstance(element, dict):
            continue
        etype = element.get("type")
        data = json_object(element.get("data"))
        if etype in ("text", "at"):
            has_words = has_words or bool(_string(data.get("text")) or etype == "at")
        elif media is None and isinstance(etype, str) and etype in _ELEMENT_KIND:
            media = _ELEMENT_KIND[etype]
            if etype == "image" and data.get("subType") in ("sticker", 1, "1"):
                media = "sticker"
    if has_words:
        return "text"
    if media is not None:
        return media
    mtype = message.get("type")
    if isinstance(mtype, str) and mtype in _TYPE_KIND:
        return _TYPE_KIND[mtype]
    return "text" if text.strip() else "other"


def _record(
    message: Any, number: int, line: int, raw: str, chat: tuple[str | None, str | None]
) -> ChatRecord | Reject:
    """Return the record of the ``number``-th message object, or a reject saying what is wrong.

    ``raw`` is the message's source text (for the reject), ``chat`` the group's account and name.
    """
    if not isinstance(message, dict):
        return Reject(line, f"第 {number} 条消息不是 JSON 对象", raw[:RAW_CHARS])
    sent_at = _sent_at(message)
    if sent_at is None:
        return Reject(line, f"第 {number} 条消息缺少有效的时间（timestamp）", raw[:RAW_CHARS])
    sender = json_object(message.get("sender"))
    uin, uid = _string(sender.get("uin")), _string(sender.get("uid"))
    sender_id = uin if uin and uin != "0" else uid or None
    name = next(
        (
            _string(sender.get(key))
            for key in ("name", "groupCard", "remark", "nickname")
            if _string(sender.get(key))
        ),
        sender_id or "（未知）",
    )
    content = json_object(message.get("content"))
    elements = json_list(content.get("elements"))
    text = content.get("text") if isinstance(content.get("text"), str) else ""
    if not text:
        text = "".join(
            _string(el["data"].get("text"))
            for el in elements
            if isinstance(el, dict) and el.get("type") == "text" and isinstance(el.get("data"), dict)
        )
    kind = gray_tip_kind(text) if message.get("system") is True else _kind(message, elements, text)
    return ChatRecord(
        platform="qq",
        sent_at=sent_at,
        sender_name=name,
        text=text,
        line=line,
        kind=kind,
        sender_id=sender_id,
        message_id=_string(message.get("id")) or None,
        group_account=chat[0],
        group_name=chat[1],
        recalled=message.get("recalled") is True,
    )


def _chat(info: Any) -> tuple[str | None, str | None]:
    """Return ``(group_account, group_name)`` from ``chatInfo``; private chats have no account."""
    if not isinstance(info, dict):
        return None, None
    name = _string(info.get("name")) or None
    if info.get("type") not in ("group", None):
        return None, name
    for key in ("groupCode", "groupId", "peerUin", "uin"):
        if _string(info.get(key)).isdigit():
            return _string(info.get(key)), name
    avatar = _GROUP_AVATAR.search(_string(info.get("avatar")))
    return (avatar[1] if avatar else None), name


def _is_message(value: Any) -> bool:
    return isinstance(value, dict) and "post_type" not in value and {"sender", "content"} <= value.keys()


class _Lines:
    """Line numbers of positions in a text, counted forward only (positions never go back)."""

    def __init__(self, text: str) -> None:
        self.text, self.pos, self.line = text, 0, 1

    def at(self, pos: int) -> int:
        self.line += self.text.count("\n", self.pos, pos)
        self.pos = pos
        return self.line


@register
class QCEJson(ChatFormat):
    """QQ Chat Exporter（QCE）导出的 JSON / 分块 JSONL。"""

    name = "qce_json"
    label = "QQ Chat Exporter 导出（.json）"

    @classmethod
    def sniff(cls, head: bytes, filename: str) -> bool:
        text = head_text(head).lstrip()
        if not text.startswith("{"):
            return False
        opening = text[:4096].lower()
        if '"chatinfo"' in opening and ("qq-chat-exporter" in opening or "qqchatexporter" in opening):
            return True
        if '"chatinfo"' in text and '"statistics"' in text and _MESSAGES_KEY.search(text):
            return True
        first = text.split("\n", 1)[0]
        try:
            return _is_message(json.loads(first))
        except ValueError:
            return False

    def read(self, stream: BinaryIO) -> Iterator[ChatRecord | Reject]:
        head = head_text(stream.read(SNIFF_BYTES))
        stream.seek(0)
        first = head.lstrip().split("\n", 1)[0]
        try:
            chunked = _is_message(json.loads(first))
        except ValueError:
            chunked = False
        if chunked:
            yield from self._read_jsonl(stream)
        else:
            yield from self._read_document(stream)

    @staticmethod
    def _read_jsonl(stream: BinaryIO) -> Iterator[ChatRecord | Reject]:
        """A chunk file (``chunks/c000001.jsonl``): one message per line, read one line at a time."""
        for lineno, raw in numbered_lines(open_text(stream)):
            if raw is None:
                yield Reject(lineno, f"这一行超过 {LINE_LIMIT} 个字符，没有读取")
                continue
            line = raw.strip().lstrip("\ufeff")
            if not line:
                continue
            try:
                message = json.loads(line)
            except (ValueError, RecursionError):  # RecursionError: nesting deeper than the stack
                yield Reject(lineno, "这一行不是有效的 JSON（可能不完整）", line)
                continue
            yield _record(message, lineno, lineno, line, (None, None))

    @staticmethod
    def _read_document(stream: BinaryIO) -> Iterator[ChatRecord | Reject]:
        """The single-file export. It is one JSON document, so it is read whole (the contract allows)."""
        text = open_text(stream).read().lstrip("\ufeff")
        found = _MESSAGES_KEY.search(text)
        if found is None:
            if '"chunked"' in text and '"chatInfo"' in text:
                yield Reject(1, "这是分块导出的清单文件（manifest.json），请导入 chunks 目录下的 .jsonl 文件")
            else:
                yield Reject(1, "不是 QQ Chat Exporter 导出的 JSON：找不到 messages 数组", text[:200])
            return
        decoder = json.JSONDecoder()
        chat: tuple[str | None, str | None] = (None, None)
        info = _CHATINFO_KEY.search(text, 0, found.start())
        if info is not None:
            # A damaged chatInfo only costs the group's name; the messages still count.
            with contextlib.suppress(ValueError, RecursionError):
                chat = _chat(decoder.raw_decode(text, info.end())[0])
        lines = _Lines(text)
        pos, number = found.end(), 0
        while True:
            pos = _skip_space(text, pos)
            if pos < len(text) and text[pos] == "]":
                return
            if number and pos < len(text):
                if text[pos] != ",":
                    yield Reject(lines.at(pos), f"第 {number} 条消息之后的 JSON 格式有误，其后的内容无法读取")
                    return
                pos = _skip_space(text, pos + 1)
            if pos >= len(text):
                yield Reject(
                    lines.at(pos), f"文件在第 {number + 1} 条消息处中断（JSON 不完整），之前的消息已读取"
                )
                return
            try:
                message, end = decoder.raw_decode(text, pos)
            except (ValueError, RecursionError):
                yield Reject(
                    lines.at(pos),
                    f"第 {number + 1} 条消息不完整或不是有效的 JSON（文件可能被截断），之前的消息已读取，其后的内容无法读取",
                    text[pos : pos + RAW_CHARS],
                )
                return
            number += 1
            yield _record(message, number, lines.at(pos), text[pos : min(end, pos + RAW_CHARS)], chat)
            pos = end
