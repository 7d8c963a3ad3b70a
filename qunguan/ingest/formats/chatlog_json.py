"""sjzar/chatlog JSON (``GET /api/v1/chatlog?…&format=json``).

A single top-level array of messages: ``seq``, ``time`` (RFC 3339 with the local offset),
``talker`` (the ``…@chatroom`` id for a group), ``talkerName``, ``isChatRoom``, ``sender`` (a
wxid, or ``系统消息`` for system lines), ``senderName``, ``isSelf``, ``type``/``subType`` (WeChat's
codes), ``content`` and, for media, a flat ``contents`` map (``md5``, ``title``, ``url`` …).

One JSON document cannot be streamed with the standard library, so the file is read whole and
capped at ``MAX_BYTES``. ``line`` is the message's position in the array (1-based). Private
chats in the array are skipped: qunguan governs groups. ``seq`` is a local sort key, not a
server id, so records de-duplicate by fingerprint — the same one a chatlog CSV of the same
messages gives.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from typing import Any, BinaryIO, ClassVar

from qunguan.ingest.formats import register
from qunguan.ingest.formats._reading import RAW_CHARS, iso_time, text_of
from qunguan.ingest.formats._wechat import (
    LOCATION,
    SYSTEM_SENDER,
    describe,
    recall_actor,
    split_type,
)
from qunguan.ingest.formats.base import ChatFormat
from qunguan.ingest.records import ChatRecord, Reject
from qunguan.ingest.text import SNIFF_BYTES, guess_encoding, head_text

MAX_BYTES = 512 * 1024 * 1024
_KEY = re.compile(r'"(time|talker|sender|type)"\s*:')
_ARRAY_OF_OBJECTS = re.compile(r"\[\s*\{")


@register
class ChatlogJson(ChatFormat):
    """sjzar/chatlog 的 JSON 输出。"""

    name: ClassVar[str] = "chatlog_json"
    label: ClassVar[str] = "chatlog 微信聊天记录（JSON）"

    @classmethod
    def sniff(cls, head: bytes, filename: str) -> bool:
        text = head_text(head).lstrip()
        if not _ARRAY_OF_OBJECTS.match(text):
            return False
        # The first message's own keys: chatlog writes them within its first few hundred bytes.
        return {"time", "talker", "sender", "type"} <= set(_KEY.findall(text[:4096]))

    def read(self, stream: BinaryIO) -> Iterator[ChatRecord | Reject]:
        # Refuse a file known to be too big before reading it; count bytes for a pipe.
        too_big = _remaining(stream) > MAX_BYTES
        data = b"" if too_big else stream.read(MAX_BYTES + 1)
        if too_big or len(data) > MAX_BYTES:
            yield Reject(
                1,
                f"文件大于 {MAX_BYTES // (1024 * 1024)} MB：chatlog JSON 要整个读入内存，"
                "请按日期分段导出，或改用 format=csv",
            )
            return
        text = data.decode(guess_encoding(data[:SNIFF_BYTES]), errors="replace").lstrip("\ufeff")
        del data
        try:
            messages = json.loads(text)
        except json.JSONDecodeError as exc:
            yield Reject(
                exc.lineno, f"不是合法的 JSON（第 {exc.lineno} 行第 {exc.colno} 列），整个文件没有读取"
            )
            return
        except (ValueError, RecursionError):
            yield Reject(1, "不是合法的 JSON（数字过长或嵌套过深），整个文件没有读取")
            return
        del text
        if not isinstance(messages, list):
            yield Reject(1, "chatlog JSON 应当是一个消息数组（[…]），这个文件不是")
            return
        for number, message in enumerate(messages, start=1):
            if not isinstance(message, dict):
                yield Reject(number, f"第 {number} 条不是一个对象（{{…}}）", _raw(message))
                continue
            record = _record(number, message)
            if record is not None:
                yield record


def _remaining(stream: BinaryIO) -> int:
    """Return how many bytes are left in ``stream``, or 0 where it cannot seek."""
    try:
        here = stream.tell()
        end = stream.seek(0, io.SEEK_END)
        stream.seek(here)
    except (OSError, ValueError, AttributeError):
        return 0
    return end - here


def _raw(value: object) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)[:RAW_CHARS]
    except (TypeError, ValueError, RecursionError):
        return ""


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _record(number: int, message: dict[str, Any]) -> ChatRecord | Reject | None:
    talker = text_of(message.get("talker"))
    if not (message.get("isChatRoom") is True or talker.endswith("@chatroom")):
        return None  # a private chat: not a group qunguan governs
    sent_at = iso_time(text_of(message.get("time")))
    if sent_at is None:
        return Reject(number, f"第 {number} 条的时间“{text_of(message.get('time'))}”无法识别", _raw(message))
    type_, sub_type = _int(message.get("type")), _int(message.get("subType"))
    if type_ is None:
        return Reject(number, f"第 {number} 条没有数字的消息类型（type）", _raw(message))
    type_, sub_type = split_type(type_, sub_type or 0)
    contents = message.get("contents")
    contents = contents if isinstance(contents, dict) else {}
    content = text_of(message.get("content"))
    kind, text = describe(
        type_,
        sub_type,
        content,
        title=text_of(contents.get("title")) or text_of(contents.get("poiname")),
        url=text_of(contents.get("url")),
        detail=text_of(contents.get("label")) if type_ == LOCATION else "",
    )
    sender = text_of(message.get("sender")).strip()
    name = text_of(message.get("senderName")).strip()
    if kind in ("system", "recall") or sender == SYSTEM_SENDER:
        sender_id = None if sender == SYSTEM_SENDER else sender or None
        name = name or (recall_actor(text) if kind == "recall" else None) or SYSTEM_SENDER
    else:
        sender_id = sender or None
        name = name or sender
    return ChatRecord(
        platform="wechat",
        sent_at=sent_at,
        sender_name=name,
        text=text,
        line=number,
        kind=kind,
        sender_id=sender_id,
        group_account=talker or None,
        group_name=text_of(message.get("talkerName")).strip() or None,
    )
