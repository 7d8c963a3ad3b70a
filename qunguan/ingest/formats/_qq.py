"""Helpers the QQ readers share: sender names and IDs, local times and the kind of a message.

The PC client's .txt and .mht exports carry the same fields in different wrappers, and
QQNT exporters use the same gray-tip wording, so one set of rules tells them apart alike.
"""

from __future__ import annotations

import datetime as dt
import re

from qunguan.ingest.records import CHINA, Kind

# QQ's own accounts for gray-tip lines (joins, recalls) in file exports.
SYSTEM_IDS = frozenset({"10000", "1000000"})

# The ID is the LAST bracket group at the end of the line: nicknames contain brackets of their
# own (``名字(带(嵌套)括号) (0012345)``), and IDs keep leading zeros, so they stay strings.
_ID_TAIL = re.compile(r"\s*(?:\((\d{1,13})\)|<([^<>\s@]+@[^<>\s]+)>)\s*$")
# A group title the client puts before the name (【管理员】, 【潜水】, custom 专属头衔).
_TITLE = re.compile(r"^【[^】]{1,16}】\s*")
_MERIDIEM = {"AM": False, "PM": True, "上午": False, "下午": True}
_TIME = re.compile(
    r"^(?:(?P<pre>AM|PM|上午|下午) *)?(?P<h>\d{1,2}):(?P<m>\d{2}):(?P<s>\d{2})"
    r"(?: ?(?P<post_zh>上午|下午)| +(?P<post_en>AM|PM))?$"
)
_PLACEHOLDER = re.compile(r"\[(图片|闪照|表情|文件|语音|视频)\]")
_PLACEHOLDER_KIND: dict[str, Kind] = {
    "图片": "image",
    "闪照": "image",
    "表情": "sticker",
    "文件": "file",
    "语音": "voice",
    "视频": "video",
}
# Offline-file transfers are logged as an "[图片]" line with a notice; they carry no words.
_FILE_NOTICE = re.compile(r"^(?:对方已成功接收了你发送的离线文件|你已下载文件|.{0,40}离线文件.{0,20})$")
# A recall line, as a gray tip ("赵四-2班撤回了一条消息", "你撤回了一条消息").
_RECALL = re.compile(r"撤回了(?:一条|\d+条)(?:成员)?消息")
_RECALL_ONLY = re.compile(r"^.{0,40}撤回了(?:一条|\d+条)(?:成员)?消息[。.!！]?$")


def split_sender(who: str) -> tuple[str, str | None]:
    """Return ``(display name, id)`` from a header's sender part; the id is ``None`` if there is none.

    The title prefix (【管理员】) is dropped from the name; an empty name falls back to the id.
    """
    match = _ID_TAIL.search(who)
    if match is None:
        name, ident = who.strip(), None
    else:
        name, ident = who[: match.start()].strip(), match.group(1) or match.group(2)
    name = _TITLE.sub("", name, count=1) or name
    return (name or ident or who.strip()), ident


def parse_clock(text: str) -> tuple[int, int, int] | None:
    """Return ``(hour, minute, second)`` in 24-hour form from ``9:00:05``/``8:43:38 PM``/``上午 08:00:00``.

    Returns ``None`` when the text is not a time or the numbers are out of range.
    """
    match = _TIME.match(text.strip())
    if match is None:
        return None
    hour, minute, second = int(match["h"]), int(match["m"]), int(match["s"])
    marker = match["pre"] or match["post_zh"] or match["post_en"]
    if marker is not None and 1 <= hour <= 12:
        # 12 AM is midnight and 12 PM is noon; an hour past 12 already is 24-hour time.
        hour = hour % 12 + (12 if _MERIDIEM[marker] else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return hour, minute, second


def local_time(date: str, clock: str) -> dt.datetime | None:
    """Return the China-time moment of ``date`` (``YYYY-MM-DD``) at ``clock``, or ``None`` if invalid."""
    hms = parse_clock(clock)
    try:
        year, month, day = (int(part) for part in date.split("-"))
        if hms is None:
            return None
        return dt.datetime(year, month, day, *hms, tzinfo=CHINA)
    except ValueError:
        return None


def gray_tip_kind(text: str) -> Kind:
    """Return ``recall`` for a gray tip (系统提示) that reports a recall, ``system`` for any other."""
    return "recall" if _RECALL.search(text) else "system"


def body_kind(sender_id: str | None, text: str) -> Kind:
    """Return what a QQ PC export message is, from its sender and body text.

    Lines from QQ's system accounts are ``system`` (``recall`` when they report a recall); a body
    made only of placeholders (``[图片]``, ``[表情]`` …) is that kind of media; anything with words
    is ``text``, so the audit engine reads it; an empty body (a card or file) is ``other``.
    """
    stripped = text.strip()
    if sender_id in SYSTEM_IDS:
        return gray_tip_kind(stripped)
    if _RECALL_ONLY.match(stripped):
        return "recall"
    words = _PLACEHOLDER.sub("", stripped).strip()
    if words:
        return "system" if _FILE_NOTICE.match(words) else "text"
    found = _PLACEHOLDER.findall(stripped)
    if not found:
        return "other"
    return "image" if "图片" in found else _PLACEHOLDER_KIND[found[0]]
