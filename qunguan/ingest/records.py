"""What a chat-export reader yields: one ``ChatRecord`` per message, one ``Reject`` per bad line."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from hashlib import sha256
from typing import Literal

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
        """Return a stable id for de-duplication when the format has no message id.

        Overlapping exports of one group write the same message with the same time, sender and
        text; the platform message id wins when there is one, since two identical "收到" in the
        same second from one person are rare but possible. ``utc_second`` is ``sent_at`` in UTC
        as ``YYYY-MM-DDTHH:MM:SS`` when the caller has it already (the import formats the time
        for the database anyway); it must be exactly what ``utc_second(self.sent_at)`` returns.

        The result is stored and compared across versions: it must never change for the same
        record (``tests/chats/test_import_storage.py`` pins some).
        """
        if self.message_id:
            key = (
                f"{self.platform}\x00{self.group_account or self.group_name or ''}\x00id\x00{self.message_id}"
            )
        else:
            key = "\x00".join(
                (
                    self.platform,
                    self.group_account or self.group_name or "",
                    self.sender_id or self.sender_name,
                    utc_second or self.sent_at.astimezone(dt.UTC).isoformat()[:19],
                    self.kind,
                    self.text,
                )
            )
        return sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def utc_second(sent_at: dt.datetime) -> str:
    """Return ``sent_at`` in UTC to the second as ``YYYY-MM-DDTHH:MM:SS``, as fingerprints use it.

    The first 19 characters of the ISO form, at a fraction of strftime's cost.
    """
    return sent_at.astimezone(dt.UTC).isoformat()[:19]


@dataclass(frozen=True, slots=True)
class Reject:
    """A part of the file that could not be read: kept for the rejects file and the summary."""

    line: int
    reason: str  # one Chinese sentence
    raw: str = ""  # the offending text (truncated by the writer of the rejects file)
