"""OneBot v11 event logs (NapCatQQ, Lagrange.OneBot, LLOneBot, go-cqhttp): one JSON event per line.

A bot that records what it receives writes a log like this; importing it fills in what the
live gateway missed. Group messages become records (``message`` is a segment array or a
CQ-code string, depending on the implementation's config), recalls become ``recall`` records
pointing at the recalled message, and member changes become readable ``system`` lines.
Heartbeats, lifecycle events and requests carry no chat content and are skipped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, BinaryIO

from qunguan.ingest.formats import register
from qunguan.ingest.formats._reading import LINE_LIMIT, epoch_time, json_object, numbered_lines
from qunguan.ingest.formats.base import ChatFormat
from qunguan.ingest.records import ChatRecord, Kind, Reject
from qunguan.ingest.text import head_text, open_text

POST_TYPES = frozenset({"message", "message_sent", "notice", "request", "meta_event"})
# Notices that say nothing about a group's conversation (friends, pokes, reactions, the bot's
# own client): known shapes, skipped like heartbeats rather than reported as unreadable.
_QUIET_NOTICES = frozenset(
    {
        "friend_add",
        "friend_recall",
        "notify",
        "essence",
        "group_msg_emoji_like",
        "offline_file",
        "client_status",
        "bot_offline",
        "input_status",
        "profile_like",
        "group_name",
        "group_title",
        "flash_file",
        "group_dismiss",
    }
)

# CQ code: the function name runs to the first ',' or ']'; values hold no raw ',' or ']'.
_CQ = re.compile(r"\[CQ:([^,\]]+)((?:,[^,\]]*)*)\]")
_MEDIA_TEXT = {
    "face": "[表情]",
    "mface": "[表情]",
    "marketface": "[表情]",
    "image": "[图片]",
    "record": "[语音]",
    "video": "[视频]",
    "file": "[文件]",
    "forward": "[聊天记录]",
    "node": "[聊天记录]",
    "json": "[卡片]",
    "xml": "[卡片]",
    "share": "[链接]",
    "location": "[位置]",
    "contact": "[名片]",
    "music": "[音乐]",
    "poke": "[戳一戳]",
    "dice": "[骰子]",
    "rps": "[猜拳]",
}
_SEGMENT_KIND: dict[str, Kind] = {
    "face": "sticker",
    "mface": "sticker",
    "marketface": "sticker",
    "image": "image",
    "record": "voice",
    "video": "video",
    "file": "file",
    "json": "link",
    "xml": "link",
    "share": "link",
}


def unescape(text: str, *, in_value: bool = False) -> str:
    """Undo CQ-code escaping (``&amp;`` ``&#91;`` ``&#93;``, and ``&#44;`` inside parameter values).

    ``&amp;`` goes last, so an escaped literal ``&#91;`` (written ``&amp;#91;``) stays as typed.
    """
    if in_value:
        text = text.replace("&#44;", ",")
    return text.replace("&#91;", "[").replace("&#93;", "]").replace("&amp;", "&")


def parse_cq(message: str) -> list[dict[str, Any]]:
    """Return the segment array a CQ-code string stands for (the array form the spec defines)."""
    segments: list[dict[str, Any]] = []
    pos = 0
    for match in _CQ.finditer(message):
        if match.start() > pos:
            segments.append({"type": "text", "data": {"text": unescape(message[pos : match.start()])}})
        data: dict[str, str] = {}
        for param in match[2].split(",")[1:]:
            key, _, value = param.partition("=")  # values may contain '=' (URLs): split on the first
            if key:
                data[key] = unescape(value, in_value=True)
        segments.append({"type": match[1].strip(), "data": data})
        pos = match.end()
    if pos < len(message):
        segments.append({"type": "text", "data": {"text": unescape(message[pos:])}})
    return segments


def _account(value: Any) -> str | None:
    """Return a QQ number (group or user) as a string, or None; implementations send int or str."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value > 0:
        return str(value)
    if isinstance(value, str) and value.strip().isdigit() and int(value) > 0:
        return value.strip()
    return None


def _duration(seconds: int) -> str:
    for unit, size in (("天", 86400), ("小时", 3600), ("分钟", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} 秒"


class _EventLog:
    """One pass over a log. Remembers display names and group names seen so far, because
    ``at`` segments and notices carry only numbers."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.groups: dict[str, str] = {}

    def who(self, user: str) -> str:
        name = self.names.get(user)
        return f"{name}（{user}）" if name else user

    def event(self, lineno: int, line: str) -> ChatRecord | Reject | None:
        """Return the record of one log line, a reject, or None for events with no chat content."""
        try:
            event = json.loads(line)
        except (ValueError, RecursionError):  # RecursionError: nesting deeper than the stack
            return Reject(lineno, "这一行不是有效的 JSON（可能不完整）", line)
        if not isinstance(event, dict):
            return Reject(lineno, "这一行不是 OneBot 事件（应为 JSON 对象）", line)
        post_type = event.get("post_type")
        if post_type in ("meta_event", "request"):
            return None
        if post_type in ("message", "message_sent"):
            if event.get("message_type") == "private":
                return None  # private chats with the bot are not a group's conversation
            return self.message(lineno, line, event)
        if post_type == "notice":
            return self.notice(lineno, line, event)
        if post_type is None:
            return Reject(lineno, "这一行不是 OneBot 事件（缺少 post_type）", line)
        return Reject(lineno, f"无法识别的事件类型“{post_type}”", line)

    def message(self, lineno: int, line: str, event: dict[str, Any]) -> ChatRecord | Reject:
        group, user = _account(event.get("group_id")), _account(event.get("user_id"))
        sent_at = epoch_time(event.get("time"))
        message_id = _message_id(event.get("message_id"))
        if event.get("message_type") != "group" or group is None:
            return Reject(lineno, "消息事件不是群消息或缺少 group_id", line)
        if user is None or sent_at is None or message_id is None:
            return Reject(lineno, "群消息缺少 user_id、time 或 message_id", line)
        raw = event.get("message")
        if isinstance(raw, str):
            segments: list[Any] = parse_cq(raw)
        elif isinstance(raw, list):
            segments = raw
        elif isinstance(event.get("raw_message"), str):
            segments = parse_cq(event["raw_message"])
        else:
            return Reject(lineno, "群消息缺少 message 内容", line)
        sender = json_object(event.get("sender"))
        name = _text(sender.get("card")) or _text(sender.get("nickname"))
        anonymous = event.get("anonymous")
        if isinstance(anonymous, dict) and _text(anonymous.get("name")):
            name = _text(anonymous.get("name"))
        elif name:
            self.names[user] = name
        group_name = _text(event.get("group_name"))
        if group_name:
            self.groups[group] = group_name
        text, kind = self.render(segments)
        return ChatRecord(
            platform="qq",
            sent_at=sent_at,
            sender_name=name or user,
            text=text,
            line=lineno,
            kind=kind,
            sender_id=user,
            message_id=message_id,
            group_account=group,
            group_name=self.groups.get(group),
        )

    def render(self, segments: list[Any]) -> tuple[str, Kind]:
        """Return the text of a message's segments and what kind of message they make.

        Words (text, @mentions) make it ``text``; otherwise the first media segment decides.
        """
        parts: list[str] = []
        words = False
        media: Kind | None = None
        for segment in segments:
            if not isinstance(segment, dict) or not isinstance(segment.get("type"), str):
                continue
            stype = segment["type"]
            data = json_object(segment.get("data"))
            if stype == "text":
                chunk = _text(data.get("text"), strip=False)
                parts.append(chunk)
                words = words or bool(chunk.strip())
            elif stype == "at":
                qq = data.get("qq")
                target = str(qq) if isinstance(qq, int) and not isinstance(qq, bool) else _text(qq)
                if target == "all":
                    parts.append("@全体成员")
                else:
                    parts.append("@" + (_text(data.get("name")) or self.names.get(target) or target))
                words = True
            elif stype == "reply":
                continue  # only an id: the quoted message is a record of its own
            elif stype == "markdown":
                chunk = _text(data.get("content"))
                parts.append(chunk)
                words = words or bool(chunk)
            else:
                parts.append(_MEDIA_TEXT.get(stype, f"[{stype}]"))
                if media is None:
                    media = _SEGMENT_KIND.get(stype, "other")
                    # NapCat marks custom stickers (表情包) as images with sub_type 1.
                    sub = data.get("subType", data.get("sub_type"))
                    if stype == "image" and sub in (1, "1"):
                        media = "sticker"
        text = "".join(parts)
        if words:
            return text, "text"
        return text, media or "other"

    def notice(self, lineno: int, line: str, event: dict[str, Any]) -> ChatRecord | Reject | None:
        notice_type = event.get("notice_type")
        if not isinstance(notice_type, str):
            return Reject(lineno, "通知事件缺少 notice_type", line)
        if notice_type in _QUIET_NOTICES:
            return None
        if not notice_type.startswith("group_"):
            return Reject(lineno, f"无法识别的通知类型“{notice_type}”", line)
        group, sent_at = _account(event.get("group_id")), epoch_time(event.get("time"))
        if group is None or sent_at is None:
            return Reject(lineno, "群通知缺少 group_id 或 time", line)
        user, operator = _account(event.get("user_id")), _account(event.get("operator_id"))
        recalls: str | None = None
        if notice_type == "group_recall":
            actor = operator or user
            message_id = _message_id(event.get("message_id"))
            if actor is None or message_id is None:
                return Reject(lineno, "撤回通知缺少 operator_id 或 message_id", line)
            if user is None or user == actor:
                text = f"{self.who(actor)} 撤回了一条消息"
            else:
                text = f"{self.who(actor)} 撤回了 {self.who(user)} 的一条消息"
            kind: Kind = "recall"
            recalls = message_id
        elif notice_type == "group_ban":
            actor, kind = operator or user, "system"
            text = self.ban(event, user, operator)
        elif user is None:
            return Reject(lineno, "群通知缺少 user_id", line)
        else:
            described = self.member_change(notice_type, event, user, operator)
            if described is None:
                return Reject(lineno, f"无法识别的群通知类型“{notice_type}”", line)
            text, kind, actor = described
        return ChatRecord(
            platform="qq",
            sent_at=sent_at,
            sender_name=self.names.get(actor or "", actor or "系统消息"),
            text=text,
            line=lineno,
            kind=kind,
            sender_id=actor,
            group_account=group,
            group_name=self.groups.get(group),
            recalls_message_id=recalls,
        )

    def ban(self, event: dict[str, Any], user: str | None, operator: str | None) -> str:
        """Return the line for a 禁言 notice; user_id 0 means the whole group (全员禁言)."""
        duration = event.get("duration")
        seconds = duration if isinstance(duration, int) and not isinstance(duration, bool) else 0
        by = f"{self.who(operator)} " if operator else ""
        banned = event.get("sub_type") == "ban"
        if user is None:
            return f"{by}开启了全员禁言" if banned else f"{by}解除了全员禁言"
        if banned:
            return f"{by}将 {self.who(user)} 禁言 {_duration(seconds)}"
        return f"{by}解除了 {self.who(user)} 的禁言"

    def member_change(
        self, notice_type: str, event: dict[str, Any], user: str, operator: str | None
    ) -> tuple[str, Kind, str] | None:
        """Return ``(text, kind, actor)`` for a notice about one member, or None for an unknown type."""
        sub = event.get("sub_type")
        if notice_type == "group_increase":
            if sub == "invite" and operator and operator != user:
                return f"{self.who(operator)} 邀请 {self.who(user)} 加入本群", "system", operator
            return f"{self.who(user)} 加入本群", "system", user
        if notice_type == "group_decrease":
            if sub == "kick" and operator:
                return f"{self.who(operator)} 将 {self.who(user)} 移出本群", "system", operator
            if sub == "kick_me":
                return f"机器人账号 {self.who(user)} 被移出本群", "system", operator or user
            return f"{self.who(user)} 退出本群", "system", user
        if notice_type == "group_admin":
            action = "设为管理员" if sub == "set" else "取消管理员"
            return f"{self.who(user)} 被{action}", "system", user
        if notice_type == "group_card":
            old, new = _text(event.get("card_old")), _text(event.get("card_new"))
            return f"{self.who(user)} 的群名片由“{old}”改为“{new}”", "system", user
        if notice_type == "group_upload":
            file = json_object(event.get("file"))
            return f"上传了群文件：{_text(file.get('name'))}", "file", user
        return None


def _message_id(value: Any) -> str | None:
    """Return a message id as a string; implementations send a 32-bit int or a string."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _text(value: Any, *, strip: bool = True) -> str:
    """Return a JSON string value (stripped unless told otherwise), or "" for anything else."""
    if not isinstance(value, str):
        return ""
    return value.strip() if strip else value


@register
class OneBotV11(ChatFormat):
    """OneBot v11 事件日志（每行一个 JSON 事件）。"""

    name = "onebot_v11"
    label = "OneBot v11 事件日志（.jsonl）"

    @classmethod
    def sniff(cls, head: bytes, filename: str) -> bool:
        lines = [line.strip() for line in head_text(head).splitlines() if line.strip()][:5]
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                # A first event longer than the sniffing sample: judge it by its opening.
                if re.search(r'"post_type"\s*:\s*"(?:message|message_sent|notice|request|meta_event)"', line):
                    return True
                continue
            return isinstance(event, dict) and str(event.get("post_type")) in POST_TYPES
        return False

    def read(self, stream: BinaryIO) -> Iterator[ChatRecord | Reject]:
        log = _EventLog()
        for lineno, raw in numbered_lines(open_text(stream)):
            if raw is None:
                yield Reject(lineno, f"这一行超过 {LINE_LIMIT} 个字符，没有读取")
                continue
            line = raw.strip().lstrip("\ufeff")
            if not line:
                continue
            item = log.event(lineno, line)
            if item is not None:
                yield item
