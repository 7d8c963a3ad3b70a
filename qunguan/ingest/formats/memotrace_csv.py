"""留痕 MemoTrace / WeChatMsg CSV exports (``<备注名>_utf8.csv``).

Three headers exist, all written by Python's ``csv`` module as UTF-8 with a BOM:

* 0.2.7 – 1.x: ``localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,
  Remark,NickName,Sender`` — the raw ``MSG`` columns plus the sender's remark, nickname and wxid.
  Private chats under this header still get only the first nine cells per row.
* ≤ 0.2.6: the first nine of those, with no sender at all.
* 2.x (wxManager): ``消息ID,类型,发送人,时间,内容,备注,昵称,更多信息`` — the server message id, a
  Chinese type name, the display name and already-readable content.

Columns are found by name, so PyWxDump-style dumps of the raw ``MSG`` table read too. No version
writes the group's ``…@chatroom`` id in a column (a ``StrTalker``/``talker`` column is used when a
dump has one), so records normally carry no group account and the importer binds them with
``--group``. ``TalkerId`` is a row number of the chat, not the sender.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator
from typing import BinaryIO, ClassVar

from qunguan.ingest.formats import register
from qunguan.ingest.formats._reading import (
    EPOCH_MAX,
    EPOCH_MIN,
    RAW_CHARS,
    CsvReader,
    CsvRecord,
    epoch_time,
    first_line,
    local_time,
)
from qunguan.ingest.formats._wechat import (
    APP,
    SYSTEM_SENDER,
    TEXT,
    from_xml,
    is_recall,
    recall_actor,
    split_type,
    system_text,
)
from qunguan.ingest.formats.base import ChatFormat
from qunguan.ingest.records import CHINA, ChatRecord, Kind, Reject, make_record
from qunguan.ingest.text import head_text, open_text

# The columns without which an English-header row means nothing.
ENGLISH_REQUIRED = ("Type", "StrContent")
ENGLISH_SIGNATURE = frozenset({"Type", "CreateTime", "StrContent", "IsSender"})
CHINESE_HEADER = ("消息ID", "类型", "发送人", "时间", "内容")

# WeChatMsg 2.x type names (wxManager ``MessageType.name``) plus the aliases other tools write.
CHINESE_KINDS: dict[str, Kind] = {
    "文本": "text",
    "引用消息": "text",
    "图片": "image",
    "视频": "video",
    "语音": "voice",
    "表情包": "sticker",
    "动画表情": "sticker",
    "文件": "file",
    "分享链接": "link",
    "链接": "link",
    "小程序": "link",
    "视频号": "link",
    "音乐分享": "link",
    "系统消息": "system",
    "拍一拍": "system",
    "撤回消息": "recall",
}
# WeChat 4.x and mobile databases put a group message's sender in front of its text.
_SENDER_PREFIX = re.compile(r"(wxid_[A-Za-z0-9_-]{1,64}):\r?\n", re.ASCII)
_CHATROOM = re.compile(r"\d{5,20}@chatroom", re.ASCII)
# 2.x writes placeholders in 【】 where every other exporter writes [].
_LEAD_LABEL = re.compile(r"^【([^】\n]{1,20})】\s*")
_FILE = re.compile(r"^【文件】(.*?) \d+\.\d{2} [KMG]?B ", re.DOTALL)
_QUOTE = re.compile(r"\n引用[:：]", re.ASCII)


def _header(fields: list[str]) -> list[str]:
    return [f.strip().lstrip("\ufeff") for f in fields]


def _is_english(fields: list[str]) -> bool:
    return set(fields) >= ENGLISH_SIGNATURE


def _is_chinese(fields: list[str]) -> bool:
    return tuple(fields[: len(CHINESE_HEADER)]) == CHINESE_HEADER


@register
class MemoTraceCsv(ChatFormat):
    """留痕 MemoTrace / WeChatMsg 的 CSV 导出（英文 12 列、旧版 9 列、2.x 中文表头）。"""

    name: ClassVar[str] = "memotrace_csv"
    label: ClassVar[str] = "留痕 MemoTrace 导出（.csv）"

    @classmethod
    def sniff(cls, head: bytes, filename: str) -> bool:
        try:
            # csv, not split(","): some tools quote every header cell.
            fields = _header(next(csv.reader([first_line(head_text(head))]), []))
        except csv.Error:
            return False
        return _is_english(fields) or _is_chinese(fields)

    def read(self, stream: BinaryIO) -> Iterator[ChatRecord | Reject]:
        rows = CsvReader(open_text(stream))
        columns: dict[str, int] | None = None
        chinese = False
        needed = width = 0  # the fewest and the most cells a row may have
        english: _EnglishRows | None = None
        for item in rows.rows():
            if isinstance(item, Reject):
                yield item
                continue
            line, fields, lines = item
            if columns is None:
                header = _header(fields)
                chinese = _is_chinese(header)
                if not (chinese or _is_english(header)):
                    yield Reject(line, "第一行不是留痕 CSV 的表头，整个文件没有读取", CsvRecord(*item).raw)
                    return
                columns = {name: i for i, name in enumerate(header) if name}
                # Rows may stop short of the optional columns (private chats under the 12-column
                # header get 9 cells), never short of the ones that carry the message.
                needed = 1 + max(columns[c] for c in (CHINESE_HEADER if chinese else ENGLISH_REQUIRED))
                width = len(header)
                if not chinese:
                    english = _EnglishRows(columns, width)
                continue
            if not needed <= len(fields) <= width:
                yield Reject(
                    line,
                    f"这一行有 {len(fields)} 列，与表头的 {width} 列对不上",
                    CsvRecord(*item).raw,
                )
                if lines > 1:
                    rows.reread_swallowed()  # most likely a runaway quote: its lines are rows
                continue
            if english is not None:
                yield english.row(line, fields)
            else:
                yield _chinese_row(CsvRecord(*item), columns)


def _cell(item: CsvRecord, columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    return item.fields[index] if index is not None and index < len(item.fields) else ""


class _EnglishRows:
    """Reads the rows of a file with the English (``MSG`` table) header.

    The column of each cell is looked up once per file, not nine times per row; a row that
    stops short of the optional columns is padded, so a missing column reads as an empty cell.
    The usual text message is read without regular expressions; anything else takes the
    general path through ``_wechat.from_xml``.
    """

    def __init__(self, columns: dict[str, int], width: int) -> None:
        missing = width  # the index of the empty cell the padding ends with

        def at(name: str) -> int:
            return columns.get(name, missing)

        self.width = width
        # What a row of n cells is padded with (``padding[n]``), up to the empty cell at ``missing``.
        self.padding = [[""] * (width + 1 - n) for n in range(width + 1)]
        self.type, self.sub_type, self.is_sender = at("Type"), at("SubType"), at("IsSender")
        self.created, self.str_time, self.content = at("CreateTime"), at("StrTime"), at("StrContent")
        self.sender, self.remark, self.nickname = at("Sender"), at("Remark"), at("NickName")
        self.talkers = tuple(i for i in (at("StrTalker"), at("talker")) if i != missing)

    def row(self, line: int, fields: list[str]) -> ChatRecord | Reject:
        """Return the record of the row on ``line`` with these cells (as many as the header, or fewer)."""
        cells = fields + self.padding[len(fields)]
        raw_type, raw_sub = cells[self.type].strip(), cells[self.sub_type].strip() or "0"
        if not (
            (raw_type == "1" or (raw_type.isascii() and raw_type.isdigit() and len(raw_type) <= 20))
            and (raw_sub == "0" or (raw_sub.isascii() and raw_sub.isdigit() and len(raw_sub) <= 20))
        ):  # ``_is_number``, inline
            return Reject(line, f"消息类型“{raw_type}/{raw_sub}”不是数字", _raw(fields))
        created = cells[self.created].strip()
        sent_at = None
        if created.isascii() and created.isdigit() and len(created) <= 16:
            seconds = int(created)
            if EPOCH_MIN <= seconds < EPOCH_MAX:
                sent_at = _from_epoch(seconds, CHINA)
        if sent_at is None:
            sent_at = epoch_time(cells[self.created]) or local_time(cells[self.str_time])
        if sent_at is None:
            return Reject(
                line,
                f"时间无法识别（CreateTime“{cells[self.created]}”，StrTime“{cells[self.str_time]}”）",
                _raw(fields),
            )
        content = cells[self.content]
        sender_id = cells[self.sender].strip() or None
        kind: Kind
        if raw_type == "1":
            # A text message (``split_type`` leaves type 1 alone): what ``from_xml`` makes of it.
            if content.startswith("wxid_"):
                prefix = _SENDER_PREFIX.match(content)
                if prefix and (sender_id is None or prefix.group(1) == sender_id):
                    sender_id, content = prefix.group(1), content[prefix.end() :]
            kind, text = "text", content
        else:
            type_, sub_type = split_type(int(raw_type), int(raw_sub))
            if type_ in (TEXT, APP) and content.startswith("wxid_"):
                prefix = _SENDER_PREFIX.match(content)
                if prefix and (sender_id is None or prefix.group(1) == sender_id):
                    sender_id, content = prefix.group(1), content[prefix.end() :]
            if type_ == TEXT:
                kind, text = "text", content  # what ``from_xml`` makes of a text message
            else:
                kind, text = from_xml(type_, sub_type, content)
        name = cells[self.remark].strip() or cells[self.nickname].strip()
        if not name and kind in ("system", "recall"):
            name = (recall_actor(text) if kind == "recall" else None) or SYSTEM_SENDER
        if not name:
            name = sender_id or ("我" if cells[self.is_sender].strip() == "1" else "")
        talker = ""
        for index in self.talkers:
            talker = cells[index].strip()
            if talker:
                break
        # localId is a row number that differs between backups (and between MSG0/MSG1 files),
        # so it is no message id: overlapping exports de-duplicate by fingerprint instead.
        # Positional (platform, sent_at, sender_name, text, line, kind, sender_id, message_id,
        # group_account): the reader builds one for every row.
        return make_record(
            "wechat",
            sent_at,
            name,
            text,
            line,
            kind,
            sender_id,
            None,
            talker if talker and _CHATROOM.fullmatch(talker) else None,
        )


_from_epoch = dt.datetime.fromtimestamp


def _raw(fields: list[str]) -> str:
    return ",".join(fields)[:RAW_CHARS]


def _chinese_row(item: CsvRecord, columns: dict[str, int]) -> ChatRecord | Reject:
    def cell(name: str) -> str:
        return _cell(item, columns, name)

    sent_at = local_time(cell("时间")) or epoch_time(cell("时间"))
    if sent_at is None:
        return Reject(item.line, f"时间“{cell('时间')}”无法识别", item.raw)
    kind: Kind = CHINESE_KINDS.get(cell("类型").strip(), "other")
    content = cell("内容")
    if kind in ("system", "recall"):
        text = system_text(content)
        kind = "recall" if is_recall(text) else kind
    elif kind == "text":
        quote = list(_QUOTE.finditer(content))
        # 引用消息 is "reply\n引用：name: quoted"; the quoted message is a record of its own.
        text = content[: quote[-1].start()] if cell("类型").strip() == "引用消息" and quote else content
    elif kind == "file" and (named := _FILE.match(content)):
        text = f"[文件] {named.group(1).strip()}".strip()
    else:
        text = " ".join(_LEAD_LABEL.sub(r"[\1] ", content.strip()).split())
    name = cell("发送人").strip() or cell("备注").strip() or cell("昵称").strip()
    if kind == "recall":
        name = recall_actor(text) or name or SYSTEM_SENDER
    elif kind == "system":
        name = name or SYSTEM_SENDER
    message_id = cell("消息ID").strip()
    return ChatRecord(
        platform="wechat",
        sent_at=sent_at,
        sender_name=name,
        text=text,
        line=item.line,
        kind=kind,
        # 2.x writes WeChat's server id (MsgSvrID), the same in every backup of the account.
        message_id=message_id if message_id not in ("", "0") else None,
    )
