"""Conversation-level detectors: they look at a window of messages per group, not one message.

* ``HarassmentDetector`` (骚扰、刷屏): one sender flooding a group (many messages in a minute),
  repeating the same text, or @-mentioning the same person again and again.
* ``OfftopicBurstDetector`` (第二条（七）不扎堆闲聊): several chit-chat messages from at least two
  senders within a few minutes in one group → one ``offtopic.burst`` finding per run of chatter,
  however long the run lasts. The shipped policy reports chatter only this way (a reviewer gets
  one item per run, not one per line; ``docs/quality.md`` has the figures).

Both are stateful: they must see EVERY message of a group, in order, with a ``MessageContext``
carrying ``group``, ``sender`` and ``timestamp`` (seconds). Without group or timestamp they report
nothing. Memory is bounded: windows older than the rule's horizon are evicted on each message,
each group keeps at most ``MAX_PER_GROUP`` entries and at most ``MAX_GROUPS`` groups are tracked
(least recently active evicted first). Safe to share between threads (one lock per detector).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import ClassVar

from qunguan.audit.detectors.base import Detector, Document
from qunguan.audit.finding import Finding, Severity

MAX_GROUPS = 5000
MAX_PER_GROUP = 400
_MENTION = re.compile(r"@([^\s@，。,:：]{1,24})")


@dataclass(slots=True)
class _Entry:
    t: float
    sender: str
    text: str
    mentions: tuple[str, ...]
    chat: bool = False


@dataclass(slots=True)
class _Window:
    entries: deque[_Entry] = field(default_factory=lambda: deque(maxlen=MAX_PER_GROUP))
    # While a reported run of chatter goes on, no new burst finding: every chatty message of
    # the run moves this on to its own time plus the window.
    burst_until: float = float("-inf")


class _Windows:
    """Per-group message windows with LRU eviction of whole groups."""

    def __init__(self, horizon: float) -> None:
        self.horizon = horizon
        self.groups: OrderedDict[str, _Window] = OrderedDict()

    def push(self, group: str, entry: _Entry) -> _Window:
        """Append ``entry`` to the group's window, drop entries older than the horizon; return it."""
        window = self.groups.get(group)
        if window is None:
            window = self.groups[group] = _Window()
            if len(self.groups) > MAX_GROUPS:
                self.groups.popitem(last=False)
        else:
            self.groups.move_to_end(group)
        entries = window.entries
        entries.append(entry)
        cutoff = entry.t - self.horizon
        while entries and entries[0].t < cutoff:
            entries.popleft()
        return window


def _context(doc: Document) -> tuple[str, str, float] | None:
    ctx = doc.context
    if ctx is None or ctx.group is None or ctx.timestamp is None:
        return None
    return ctx.group, ctx.sender or "", float(ctx.timestamp)


class HarassmentDetector(Detector):
    """Reports flooding, repeated identical messages and repeated @-mentions of one person."""

    name: ClassVar[str] = "harassment"
    categories: ClassVar[tuple[str, ...]] = ("harassment",)
    needs_context: ClassVar[bool] = True

    FLOOD_COUNT: ClassVar[int] = 8  # messages by one sender …
    FLOOD_SECONDS: ClassVar[float] = 60.0  # … within this many seconds
    REPEAT_COUNT: ClassVar[int] = 3  # the same text by one sender …
    MENTION_COUNT: ClassVar[int] = 3  # @ of the same person by one sender …
    REPEAT_SECONDS: ClassVar[float] = 600.0  # … within this many seconds

    def __init__(self) -> None:
        self._windows = _Windows(max(self.FLOOD_SECONDS, self.REPEAT_SECONDS))
        self._lock = threading.Lock()

    def scan(self, doc: Document) -> Iterator[Finding]:
        """Yield harassment findings for this message given the group's recent messages."""
        where = _context(doc)
        if where is None:
            return
        group, sender, now = where
        text = doc.normalized
        mentions = tuple(_MENTION.findall(doc.text)) if "@" in doc.text else ()
        if extra := (doc.context.extra.get("mentions") if doc.context else None):
            mentions += tuple(str(m) for m in extra)
        with self._lock:
            window = self._windows.push(group, _Entry(now, sender, text, mentions))
            mine = [e for e in window.entries if e.sender == sender]
        if not sender:
            return
        recent = sum(1 for e in mine if e.t >= now - self.FLOOD_SECONDS)
        if recent >= self.FLOOD_COUNT:
            yield self._finding(
                doc,
                "harassment.flood",
                min(0.95, 0.6 + 0.05 * (recent - self.FLOOD_COUNT)),
                f"同一成员{int(self.FLOOD_SECONDS)}秒内连续发送{recent}条消息，疑似刷屏。",
            )
        if len(text) >= 2:
            same = sum(1 for e in mine if e.text == text and e.t >= now - self.REPEAT_SECONDS)
            if same >= self.REPEAT_COUNT:
                yield self._finding(
                    doc,
                    "harassment.repeat",
                    min(0.95, 0.6 + 0.1 * (same - self.REPEAT_COUNT)),
                    f"同一成员短时间内重复发送相同内容{same}次，疑似骚扰刷屏。",
                )
        for target in set(mentions):
            count = sum(1 for e in mine if target in e.mentions and e.t >= now - self.REPEAT_SECONDS)
            if count >= self.MENTION_COUNT:
                yield self._finding(
                    doc,
                    "harassment.mention",
                    min(0.95, 0.6 + 0.1 * (count - self.MENTION_COUNT)),
                    f"同一成员短时间内反复@同一人{count}次，疑似骚扰。",
                )

    @staticmethod
    def _finding(doc: Document, rule: str, score: float, explanation: str) -> Finding:
        evidence = doc.text if len(doc.text) <= 12 else doc.text[:12] + "…"
        return Finding(
            "harassment", rule, Severity.MEDIUM, 0, len(doc.text), evidence, round(score, 3), explanation
        )


class OfftopicBurstDetector(Detector):
    """Reports a run of chit-chat in one group (``offtopic.burst``), once per run.

    The finding sits on the message that makes the window a burst; its explanation gives the
    run's size (members, messages, minutes so far). The run then lasts as long as chatty
    messages keep coming less than ``WINDOW_SECONDS`` apart, and reports nothing more; after a
    quiet spell of ``WINDOW_SECONDS`` a new run can be reported.
    """

    name: ClassVar[str] = "offtopic_burst"
    categories: ClassVar[tuple[str, ...]] = ("offtopic",)
    uses_model: ClassVar[bool] = True
    needs_context: ClassVar[bool] = True

    CHAT_PROBABILITY: ClassVar[float] = 0.6  # a message counts as chit-chat from here
    MIN_MESSAGES: ClassVar[int] = 6  # chit-chat messages in the window …
    MIN_SENDERS: ClassVar[int] = 2  # … from at least this many senders …
    WINDOW_SECONDS: ClassVar[float] = 600.0  # … within ten minutes
    MIN_SHARE: ClassVar[float] = 0.6  # and most of the window is chit-chat

    def __init__(self) -> None:
        from qunguan.audit.detectors.classifier import OfftopicModelDetector

        self._model = OfftopicModelDetector()
        self._windows = _Windows(self.WINDOW_SECONDS)
        self._lock = threading.Lock()

    def scan(self, doc: Document) -> Iterator[Finding]:
        """Yield ``offtopic.burst`` on the message that makes a run a burst; nothing else."""
        where = _context(doc)
        if where is None:
            return
        group, sender, now = where
        chat = self._model.doc_probability(doc) >= self.CHAT_PROBABILITY
        with self._lock:
            window = self._windows.push(group, _Entry(now, sender, "", (), chat))
            if not chat:
                return
            if now < window.burst_until:
                window.burst_until = now + self.WINDOW_SECONDS  # the reported run goes on
                return
            chats = [e for e in window.entries if e.chat]
            senders = {e.sender for e in chats}
            share = len(chats) / len(window.entries)
            if len(chats) < self.MIN_MESSAGES or len(senders) < self.MIN_SENDERS or share < self.MIN_SHARE:
                return
            window.burst_until = now + self.WINDOW_SECONDS
        minutes = max(1, round((now - chats[0].t) / 60))
        score = min(0.95, 0.8 + 0.02 * (len(chats) - self.MIN_MESSAGES))
        evidence = doc.text if len(doc.text) <= 12 else doc.text[:12] + "…"
        yield Finding(
            "offtopic",
            "offtopic.burst",
            Severity.LOW,
            0,
            len(doc.text),
            evidence,
            round(score, 3),
            f"{len(senders)}名成员约{minutes}分钟内发送{len(chats)}条闲聊消息（截至本条），存在扎堆闲聊；"
            "同一轮闲聊只提示这一次。",
        )
