"""What a chat-export reader yields: one ``ChatRecord`` per message, one ``Reject`` per bad line."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from hashlib import sha256
from typing import TYPE_CHECKING, Literal

Platform = Literal["qq", "wechat", "wecom"]
# What a message is. Only "text" carries words the audit engine reads in full; the others keep
# their placeholder or caption text ([图片], file names, the system line) for context.
Kind = Literal["text", "image", "file", "voice", "video", "sticker", "link", "system", "recall", "other"]

CHINA = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")


@dataclass(frozen=True, slots=True)
class ChatRecord:
    """One message as a chat export or a bot event log describes it.

    ``group_account`` is the platform's group id (QQ 群号, WeChat ``…@chatroom``, WeCom ``wr…``)
    when the file names one; QQ PC exports only name the group (``group_name``), so the importer
    binds such files to a registered group by ``--group`` or by name. ``sent_at`` is timezone
    aware: exports written in local time are read as China Standard Time. ``line`` is where the
    record starts in the source (1-based line, or record number for JSON arrays).
    """

    platform: Platform
    sent_at: dt.datetime
    sender_name: str
    text: str
    line: int
    kind: Kind = "text"
    sender_id: str | None = None
    message_id: str | None = None
    group_account: str | None = None
    group_name: str | None = None
    recalled: bool = False
    # For a "recall" record: the platform id of the message that was taken back.
    recalls_message_id: str | None = None

    def fingerprint(self, utc_second: str | None = None) -> str:
        """Return a stable id for de-duplication: 32 characters, the column's unique key.

        Overlapping exports of one group write the same message with the same time, sender and
        text; the platform message id wins when there is one, since two identical "收到" in the
        same second from one person are rare but possible. ``utc_second`` is ``sent_at`` in UTC
        as ``YYYY-MM-DDTHH:MM:SS`` when the caller has it already (the import formats the time
        for the database anyway); it must be exactly what ``utc_second(self.sent_at)`` returns.

        Without a message id the first 14 digits are the UTC second (``20240902010005``) and the
        other 18 a hash: an export is read in time order, so its messages take neighbouring
        places in the unique index and a batch's commit writes a few index pages, not one per
        message. With an id, time is left out on purpose (two exports that disagree on the time
        still agree on the id), so it is a hash of the id alone.

        The result is stored and compared across versions: changing it for the same record needs
        a migration that rewrites what is stored (``chats.0010`` did, for the time in front), and
        ``tests/chats/test_import_storage.py`` pins some.
        """
        if self.message_id:
            key = (
                f"{self.platform}\x00{self.group_account or self.group_name or ''}\x00id\x00{self.message_id}"
            )
            # The first 16 bytes in hex: ``hexdigest()[:32]``, without writing out the other 32 digits.
            return sha256(key.encode("utf-8", "surrogatepass")).digest()[:16].hex()
        second = utc_second or _utc_second(self.sent_at)
        key = "\x00".join(
            (
                self.platform,
                self.group_account or self.group_name or "",
                self.sender_id or self.sender_name,
                second,
                self.kind,
                self.text,
            )
        )
        digits = second.replace("-", "").replace("T", "").replace(":", "")
        return digits + sha256(key.encode("utf-8", "surrogatepass")).digest()[:9].hex()


_FIELDS = (
    "platform",
    "sent_at",
    "sender_name",
    "text",
    "line",
    "kind",
    "sender_id",
    "message_id",
    "group_account",
    "group_name",
    "recalled",
    "recalls_message_id",
)
# ``_Unfrozen`` below must have exactly ChatRecord's slots, in its order, to become one.
if [f.name for f in fields(ChatRecord)] != list(_FIELDS):
    raise TypeError(f"ChatRecord 的字段与 _FIELDS 不一致：{[f.name for f in fields(ChatRecord)]}")


class _Unfrozen:
    """``ChatRecord``'s slots without the freeze: built with plain assignments, then made a ChatRecord.

    The cheapest way to build a record: ``__init__`` assigns the twelve slots and last changes
    the object's class to ``ChatRecord`` (the same slots, so Python allows it), which freezes it.
    """

    __slots__ = _FIELDS

    def __init__(
        self,
        platform: Platform,
        sent_at: dt.datetime,
        sender_name: str,
        text: str,
        line: int,
        kind: Kind = "text",
        sender_id: str | None = None,
        message_id: str | None = None,
        group_account: str | None = None,
        group_name: str | None = None,
        recalled: bool = False,
        recalls_message_id: str | None = None,
    ) -> None:
        self.platform = platform
        self.sent_at = sent_at
        self.sender_name = sender_name
        self.text = text
        self.line = line
        self.kind = kind
        self.sender_id = sender_id
        self.message_id = message_id
        self.group_account = group_account
        self.group_name = group_name
        self.recalled = recalled
        self.recalls_message_id = recalls_message_id
        self.__class__ = ChatRecord  # type: ignore[assignment]


if TYPE_CHECKING:

    def make_record(
        platform: Platform,
        sent_at: dt.datetime,
        sender_name: str,
        text: str,
        line: int,
        kind: Kind = "text",
        sender_id: str | None = None,
        message_id: str | None = None,
        group_account: str | None = None,
        group_name: str | None = None,
        recalled: bool = False,
        recalls_message_id: str | None = None,
    ) -> ChatRecord:
        """Return ``ChatRecord(...)`` of the same arguments, at about half its cost (for readers)."""

else:
    make_record = _Unfrozen

# China time's hours (year, month, day, hour) → the same hour in UTC as "YYYY-MM-DDTHH:"; an
# export's messages come hours at a time, so one UTC conversion serves a few hundred of them.
_CHINA_HOURS: dict[tuple[int, int, int, int], str] = {}
_MINUTES_SECONDS = tuple(f"{m:02d}:{s:02d}" for m in range(60) for s in range(60))


def utc_second(sent_at: dt.datetime) -> str:
    """Return ``sent_at`` in UTC to the second as ``YYYY-MM-DDTHH:MM:SS``, as fingerprints use it.

    The first 19 characters of the ISO form of ``sent_at.astimezone(UTC)``, at a fraction of its
    cost: the UTC hour of a China-time moment is taken from a cache.
    """
    if sent_at.tzinfo is CHINA:
        key = (sent_at.year, sent_at.month, sent_at.day, sent_at.hour)
        prefix = _CHINA_HOURS.get(key)
        if prefix is None:
            # At the ends of the calendar this raises what the plain way raises.
            prefix = sent_at.replace(minute=0, second=0).astimezone(dt.UTC).isoformat()[:14]
            if len(_CHINA_HOURS) >= 100_000:
                _CHINA_HOURS.clear()
            _CHINA_HOURS[key] = prefix
        return prefix + _MINUTES_SECONDS[sent_at.minute * 60 + sent_at.second]
    return sent_at.astimezone(dt.UTC).isoformat()[:19]


_utc_second = utc_second  # (the name ``ChatRecord.fingerprint`` calls: its argument shadows the other)


# China time's hours (year, month, day, hour) → the hour's start in seconds since the epoch.
_CHINA_EPOCH_HOURS: dict[tuple[int, int, int, int], int] = {}


def timestamp(sent_at: dt.datetime) -> float:
    """Return ``sent_at.timestamp()`` (the same float), the hour of a China-time moment cached.

    An import asks for the time of every message (the conversation rules' window); messages
    come hours at a time, so one conversion serves a few hundred of them.
    """
    if sent_at.tzinfo is not CHINA or sent_at.microsecond:
        return sent_at.timestamp()
    key = (sent_at.year, sent_at.month, sent_at.day, sent_at.hour)
    start = _CHINA_EPOCH_HOURS.get(key)
    if start is None:
        start = int(sent_at.replace(minute=0, second=0).timestamp())
        if len(_CHINA_EPOCH_HOURS) >= 100_000:
            _CHINA_EPOCH_HOURS.clear()
        _CHINA_EPOCH_HOURS[key] = start
    # Whole seconds: the integer's float is what ``timestamp()`` divides out exactly.
    return float(start + sent_at.minute * 60 + sent_at.second)


@dataclass(frozen=True, slots=True)
class Reject:
    """A part of the file that could not be read: kept for the rejects file and the summary."""

    line: int
    reason: str  # one Chinese sentence
    raw: str = ""  # the offending text (truncated by the writer of the rejects file)
