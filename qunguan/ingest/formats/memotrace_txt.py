"""留痕 MemoTrace TXT exports (``<备注名>.txt``).

Each message is ``"{StrTime} {display_name}\\n{content}\\n\\n"``; a system line is
``"{StrTime} {text}\\n\\n"`` with no name and no content; media are placeholders (``[图片]``,
``[表情包]`` …); a reply is ``"{reply}\\n引用:{name}:{quoted}"``; a link card is an indented
``[链接]:title:…`` block. UTF-8 without a BOM, written on Windows or not.

A header is a time line that starts the file or follows a blank line, so a body line that only
looks like a time is still body. The file names no group and no wxid: records carry display
names only and the importer binds them with ``--group``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO, ClassVar

from qunguan.ingest.formats import register
from qunguan.ingest.formats._reading import RAW_CHARS, local_time, numbered_lines
from qunguan.ingest.formats._txt_sniff import text_verdict
from qunguan.ingest.formats._wechat import SYSTEM_SENDER, is_recall, recall_actor
from qunguan.ingest.formats.base import ChatFormat
from qunguan.ingest.records import ChatRecord, Kind, Reject
from qunguan.ingest.text import head_text, open_text

# Two-digit hours: MemoTrace writes strftime's %H. (QQ's export does not pad the hour.)
HEADER = re.compile(r"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) (\S.*)", re.ASCII)
# A body longer than this is no chat message; it is rejected instead of being held in memory.
BODY_LIMIT = 200_000
PLACEHOLDERS: dict[str, Kind] = {
    "[图片]": "image",
    "[语音]": "voice",
    "[视频]": "video",
    "[表情包]": "sticker",
    "[文件]": "file",
    "[音乐分享]": "link",
}
_QUOTE = re.compile(r"\n引用[:：]")


@register
class MemoTraceTxt(ChatFormat):
    """留痕 MemoTrace 的 TXT 导出。"""

    name: ClassVar[str] = "memotrace_txt"
    label: ClassVar[str] = "留痕 MemoTrace 导出（.txt）"

    @classmethod
    def sniff(cls, head: bytes, filename: str) -> bool:
        # QQ's .txt has headers of the same shape: ``_txt_sniff`` weighs the two.
        return text_verdict(head_text(head)) == cls.name

    def read(self, stream: BinaryIO) -> Iterator[ChatRecord | Reject]:
        current: _Block | None = None
        stray: _Block | None = None  # text before the first header
        after_blank = True  # the start of the file counts as following a blank line
        for number, raw in numbered_lines(open_text(stream)):
            if raw is None:
                if current is not None:
                    current.overflow = True
                else:
                    yield Reject(number, "这一行太长，不像聊天记录，没有读取")
                after_blank = False
                continue
            line = raw.rstrip("\r\n").lstrip("\ufeff") if number == 1 else raw.rstrip("\r\n")
            header = HEADER.fullmatch(line) if after_blank else None
            if header is not None:
                if current is not None:
                    yield current.finish()
                if stray is not None:
                    yield stray.stray()
                    stray = None
                current = _Block(number, header.group(1), header.group(2))
            elif current is not None:
                current.add(line)
            elif line.strip():
                if stray is None:
                    stray = _Block(number, "", "")
                stray.add(line)
            after_blank = not line.strip()
        if current is not None:
            yield current.finish()
        if stray is not None:
            yield stray.stray()


@dataclass
class _Block:
    """The lines of one message while it is being read."""

    line: int
    time: str
    rest: str  # the display name, or a system line's whole text
    body: list[str] = field(default_factory=list)
    size: int = 0
    overflow: bool = False

    def add(self, line: str) -> None:
        if self.overflow:
            return
        self.size += len(line) + 1
        if self.size > BODY_LIMIT:
            self.overflow = True
            self.body = []
            return
        self.body.append(line)

    def finish(self) -> ChatRecord | Reject:
        sent_at = local_time(self.time)
        if sent_at is None:
            return Reject(self.line, f"时间“{self.time}”不存在", f"{self.time} {self.rest}")
        if self.overflow:
            return Reject(
                self.line, f"这条消息超过 {BODY_LIMIT} 个字符，没有读取", f"{self.time} {self.rest}"
            )
        while self.body and not self.body[-1].strip():
            self.body.pop()
        if not self.body:
            # No body: a system line ("张三"邀请"李四"加入了群聊, "张三" 撤回了一条消息).
            recall = is_recall(self.rest)
            return ChatRecord(
                platform="wechat",
                sent_at=sent_at,
                sender_name=(recall_actor(self.rest) if recall else None) or SYSTEM_SENDER,
                text=self.rest,
                line=self.line,
                kind="recall" if recall else "system",
            )
        kind, text = _content(self.body)
        return ChatRecord(
            platform="wechat", sent_at=sent_at, sender_name=self.rest, text=text, line=self.line, kind=kind
        )

    def stray(self) -> Reject:
        raw = "\n".join(self.body)[:RAW_CHARS]
        return Reject(self.line, "第一条消息之前的内容不是留痕 TXT 的格式，没有读取", raw)


def _content(body: list[str]) -> tuple[Kind, str]:
    first = body[0].strip()
    if len(body) == 1 and first in PLACEHOLDERS:
        return PLACEHOLDERS[first], first
    if first.startswith("[链接]"):
        # The exporter indents the card's lines (an f-string inside a method): drop that.
        return "link", "\n".join(line.strip() for line in body if line.strip())
    text = "\n".join(body)
    quote = list(_QUOTE.finditer(text))
    if quote:
        # A reply: "{reply}\n引用:{name}:{quoted}". The quoted message is a record of its own
        # and its words are not this sender's; keep only the reply.
        return "text", text[: quote[-1].start()]
    return "text", text
