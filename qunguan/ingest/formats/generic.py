"""The generic format (通用格式): for any chat source without a reader of its own.

A CSV file with the header ``time,group,sender_id,sender_name,text`` (then optionally
``message_id`` and ``platform``, in that order), or a JSON Lines file whose objects have those
keys. ``docs/import-formats.md`` is its specification; the two must agree.

* ``time``: ISO 8601 with a time of day (``2024-09-02 09:00:05``, ``2024-09-02T09:00:05+08:00``);
  without an offset it is China time.
* ``group``: the platform's group id (QQ 群号, ``…@chatroom``, ``wr…``); may be empty, and the
  importer then binds the file with ``--group``.
* ``sender_id`` / ``sender_name``: at least one of them.
* ``platform``: ``qq``, ``wechat`` or ``wecom``; when absent it is told from the group id or the
  sender id, and a record where neither tells is rejected.

Detection is deliberately strict: only exactly this header (or exactly these keys) is claimed,
so a file from an exporter that has its own reader is never read as generic by accident.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import BinaryIO, ClassVar, get_args

from qunguan.ingest.formats import register
from qunguan.ingest.formats._reading import (
    RAW_CHARS,
    CsvReader,
    first_line,
    iso_time,
    json_lines,
    text_of,
)
from qunguan.ingest.formats.base import ChatFormat
from qunguan.ingest.records import ChatRecord, Platform, Reject
from qunguan.ingest.text import SNIFF_BYTES, head_text, open_text

REQUIRED = ("time", "group", "sender_id", "sender_name", "text")
OPTIONAL = ("message_id", "platform")
HEADERS = frozenset(
    {
        REQUIRED,
        (*REQUIRED, "message_id"),
        (*REQUIRED, "platform"),
        (*REQUIRED, "message_id", "platform"),
    }
)
PLATFORMS: dict[str, Platform] = {name: name for name in get_args(Platform)}

_QQ_NUMBER = re.compile(r"[1-9]\d{4,11}", re.ASCII)


def _keys_fit(keys: set[str]) -> bool:
    return set(REQUIRED) <= keys <= {*REQUIRED, *OPTIONAL}


@register
class Generic(ChatFormat):
    """通用格式：固定表头的 CSV，或同样键名的 JSON Lines。"""

    name: ClassVar[str] = "generic"
    label: ClassVar[str] = "通用格式（CSV / JSONL）"

    @classmethod
    def sniff(cls, head: bytes, filename: str) -> bool:
        line = first_line(head_text(head))
        if line.startswith("{"):
            try:
                obj = json.loads(line)
            except (ValueError, RecursionError):
                return False
            return isinstance(obj, dict) and _keys_fit(set(obj))
        return tuple(line.split(",")) in HEADERS

    def read(self, stream: BinaryIO) -> Iterator[ChatRecord | Reject]:
        head = stream.read(SNIFF_BYTES)
        stream.seek(0)
        if first_line(head_text(head)).startswith("{"):
            yield from _read_jsonl(stream)
        else:
            yield from _read_csv(stream)


def _read_csv(stream: BinaryIO) -> Iterator[ChatRecord | Reject]:
    rows = CsvReader(open_text(stream))
    header: tuple[str, ...] | None = None
    for item in rows:
        if isinstance(item, Reject):
            yield item
            continue
        if header is None:
            header = tuple(f.strip().lstrip("\ufeff") for f in item.fields)
            if header not in HEADERS:
                yield Reject(
                    item.line,
                    "表头应为 time,group,sender_id,sender_name,text[,message_id][,platform]，整个文件没有读取",
                    item.raw,
                )
                return
            continue
        if len(item.fields) != len(header):
            yield Reject(
                item.line,
                f"这一行有 {len(item.fields)} 列，表头有 {len(header)} 列",
                item.raw,
            )
            if item.lines > 1:
                rows.reread_swallowed()  # most likely a runaway quote: its lines are rows
            continue
        yield _record(item.line, dict(zip(header, item.fields, strict=True)), item.raw)


def _read_jsonl(stream: BinaryIO) -> Iterator[ChatRecord | Reject]:
    for item in json_lines(open_text(stream)):
        if isinstance(item, Reject):
            yield item
            continue
        line, obj = item
        raw = json.dumps(obj, ensure_ascii=False)[:RAW_CHARS]
        missing = [k for k in REQUIRED if k not in obj]
        unknown = sorted(set(obj) - {*REQUIRED, *OPTIONAL})
        if missing or unknown:
            problems = []
            if missing:
                problems.append(f"缺少键 {'、'.join(missing)}")
            if unknown:
                problems.append(f"有未知的键 {'、'.join(unknown)}")
            yield Reject(line, "，".join(problems), raw)
            continue
        if not isinstance(obj["time"], str) or not isinstance(obj["text"], str):
            yield Reject(line, "time 和 text 必须是字符串", raw)
            continue
        yield _record(line, {k: text_of(v) for k, v in obj.items()}, raw)


def _record(line: int, row: dict[str, str], raw: str) -> ChatRecord | Reject:
    """Return the record of one row (cells or JSON values as text by field name); ``raw`` is for a Reject."""
    sent_at = iso_time(row["time"])
    if sent_at is None:
        return Reject(line, f"时间“{row['time']}”不是 ISO 8601 格式的日期和时间", raw)
    group = row["group"].strip() or None
    sender_id = row["sender_id"].strip() or None
    sender_name = row["sender_name"].strip() or sender_id
    if sender_name is None:
        return Reject(line, "sender_id 和 sender_name 至少要填一个", raw)
    given = row.get("platform", "").strip().lower()
    if given and given not in PLATFORMS:
        return Reject(line, f"平台“{given}”不认识，应为 qq、wechat 或 wecom", raw)
    platform = PLATFORMS[given] if given else _platform_of(group, sender_id)
    if platform is None:
        return Reject(line, "看不出是哪个平台的记录，请加 platform 列（qq、wechat 或 wecom）", raw)
    return ChatRecord(
        platform=platform,
        sent_at=sent_at,
        sender_name=sender_name,
        text=row["text"],
        line=line,
        sender_id=sender_id,
        message_id=row.get("message_id", "").strip() or None,
        group_account=group,
    )


def _platform_of(group: str | None, sender_id: str | None) -> Platform | None:
    """Tell the platform from the ids' shapes: QQ numbers, ``…@chatroom`` / ``wxid_…``, ``wr…``."""
    if group:
        if group.endswith("@chatroom"):
            return "wechat"
        if group.startswith("wr"):
            return "wecom"
        if _QQ_NUMBER.fullmatch(group):
            return "qq"
    if sender_id:
        if sender_id.startswith("wxid_"):
            return "wechat"
        if _QQ_NUMBER.fullmatch(sender_id):
            return "qq"
    return None
