"""Telling the two timestamped text exports apart: QQ PC 消息管理器 (.txt) and 留痕 MemoTrace (.txt).

Both write a message as a ``DATE TIME SENDER`` line with the body below it, so neither the first
line nor the file name tells them apart, and a file cut out of the middle of an export has no
title or banner to go by. The evidence, strongest first:

* QQ's title line (``消息记录（此消息记录为文本格式…``) or a ``消息分组``/``消息对象`` banner: QQ.
* The clock. QQ writes the hour unpadded (``9:00:05``) and may add ``AM``/``PM``/``上午``/``下午``;
  MemoTrace writes strftime's ``%H`` (``09:00:05``) and never a marker. Hours 10–23 say nothing.
  QQ's system accounts (``系统消息(10000)``) count as QQ here too.
* The sender. QQ ends a group export's header with ``(QQ号)`` or ``<邮箱>``; MemoTrace writes the
  display name alone. A name can end in brackets of its own, so this is weaker than the clock.

A time line counts for MemoTrace only where a MemoTrace header can stand: at the start or after a
blank line, and not directly followed by another time line (which a log file does). Strong
evidence decides when there is any; otherwise the weak evidence does. Either way one side must
outnumber the other ``DOMINANCE`` times over, or the sample is ambiguous: a stray line of one
kind (a pasted snippet) does not overturn a file of the other, but a real mix is not guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Final, Literal

from qunguan.ingest.formats._qq import SYSTEM_IDS, split_sender

QQ_TXT: Final = "qq_pc_txt"
MEMOTRACE_TXT: Final = "memotrace_txt"
AMBIGUOUS: Final = "ambiguous"
Verdict = Literal["qq_pc_txt", "memotrace_txt", "ambiguous"]

# How many times over one side's evidence must outnumber the other's to decide.
DOMINANCE = 4
# How far ``detect`` reads into a file whose first 64 KiB decide nothing (a cut-out file may
# begin with a long notice before its first header).
TEXT_SNIFF_BYTES = 1 << 20

# Any "DATE TIME SENDER" line either exporter could have written (QQ's header is the wider one).
_TIME_LINE = re.compile(
    r"(?P<date>\d{4}-\d{1,2}-\d{1,2}) +(?:(?P<pre>AM|PM|上午|下午) *)?(?P<hour>\d{1,2}):\d{2}:\d{2}"
    r"(?: ?(?P<post_zh>上午|下午)(?= )| +(?P<post_en>AM|PM)(?= ))? +(?P<who>\S.*?)\s*"
)
_QQ_MARKER = re.compile(
    r"^(?:消息记录[（(]此消息记录为文本格式|={64}\r?\n消息(?:分组|对象)[:：])", re.MULTILINE
)


@dataclass
class TextEvidence:
    """What the time lines of a sample say: strong and weak counts for each exporter."""

    qq_marker: bool = False
    qq_strong: int = 0
    memotrace_strong: int = 0
    qq_weak: int = 0
    memotrace_weak: int = 0

    @property
    def verdict(self) -> Verdict | None:
        """Return the format the evidence points to, ``AMBIGUOUS``, or ``None`` if there is none."""
        if self.qq_marker:
            return QQ_TXT
        if self.qq_strong or self.memotrace_strong:
            return _weigh(self.qq_strong, self.memotrace_strong)
        if self.qq_weak or self.memotrace_weak:
            return _weigh(self.qq_weak, self.memotrace_weak)
        return None


def _weigh(qq: int, memotrace: int) -> Verdict:
    if qq >= DOMINANCE * memotrace:
        return QQ_TXT
    if memotrace >= DOMINANCE * qq:
        return MEMOTRACE_TXT
    return AMBIGUOUS


def text_evidence(text: str) -> TextEvidence:
    """Return the evidence in a decoded sample ``text`` (the start of a file) for each exporter."""
    evidence = TextEvidence()
    if _QQ_MARKER.search(text):
        evidence.qq_marker = True
        return evidence
    lines = text.splitlines()
    times = [_TIME_LINE.fullmatch(line) if line[:1].isdigit() else None for line in lines]
    for index, match in enumerate(times):
        if match is None:
            continue
        after_blank = index == 0 or not lines[index - 1].strip()
        before_time = index + 1 < len(times) and times[index + 1] is not None
        header_place = after_blank and not before_time
        ident = split_sender(match["who"])[1]
        marker = match["pre"] or match["post_zh"] or match["post_en"]
        if marker or len(match["hour"]) == 1 or ident in SYSTEM_IDS:
            evidence.qq_strong += 1
        elif ident is not None:
            # A padded hour with an ID: a MemoTrace name that ends in brackets, or QQ at 10–23 h.
            if match["hour"][0] == "0" and header_place:
                evidence.memotrace_strong += 1
            else:
                evidence.qq_weak += 1
        elif header_place:
            if match["hour"][0] == "0":
                evidence.memotrace_strong += 1
            else:
                evidence.memotrace_weak += 1
    return evidence


# Both text sniffers and then ``detect`` ask about the same sample: weigh it once.
@lru_cache(maxsize=2)
def text_verdict(text: str) -> Verdict | None:
    """Return which text export the sample ``text`` is, ``AMBIGUOUS``, or ``None`` if neither."""
    return text_evidence(text).verdict
