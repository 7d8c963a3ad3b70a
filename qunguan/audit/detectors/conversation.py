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
from collections.abc import Callable, Iterator
from typing import Any, ClassVar, Generic, TypeVar

from qunguan.audit.detectors.base import Detector, Document
from qunguan.audit.detectors.classifier import OFFTOPIC_MEMO
from qunguan.audit.finding import Finding, Severity

MAX_GROUPS = 5000
MAX_PER_GROUP = 400
_MENTION = re.compile(r"@([^\s@，。,:：]{1,24})")


# One message in a window: (time, sender, normalised text, @-mentions) for the harassment rule,
# (time, sender, chatty) for the burst rule. Plain tuples: a message costs one small allocation.
_Entry = tuple[float, str, str, tuple[str, ...]]
_ChatEntry = tuple[float, str, bool]


class _Window:
    """The recent messages of one group, oldest first (at most ``MAX_PER_GROUP``).

    Subclasses keep running summaries of the window up to date in ``push`` so that a rule
    reads counts instead of walking the whole window on every message.
    """

    __slots__ = ("entries",)

    def __init__(self) -> None:
        self.entries: deque[Any] = deque()


class _SenderWindow(_Window):
    """A window that also keeps each sender's messages in it (the harassment rule counts those)."""

    __slots__ = ("by_sender",)

    def __init__(self) -> None:
        super().__init__()
        self.by_sender: dict[str, deque[_Entry]] = {}

    def push(self, entry: _Entry, cutoff: float) -> deque[_Entry]:
        """Append ``entry``; drop the oldest when full, then every entry older than ``cutoff``.

        Returns the sender's messages in the window, oldest first.
        """
        entries, by_sender = self.entries, self.by_sender
        if len(entries) >= MAX_PER_GROUP:
            self._drop(entries.popleft())
        entries.append(entry)
        sender = entry[1]
        mine = by_sender.get(sender)
        if mine is None:
            mine = by_sender[sender] = deque()
        mine.append(entry)
        # (``_drop`` inline: about one message leaves the window for each that comes in.)
        while entries and entries[0][0] < cutoff:
            old = entries.popleft()
            theirs = by_sender[old[1]]
            theirs.popleft()
            if not theirs:
                del by_sender[old[1]]
        return mine

    def _drop(self, entry: _Entry) -> None:
        # The window drops its oldest message: the oldest of its sender's too.
        mine = self.by_sender[entry[1]]
        mine.popleft()
        if not mine:
            del self.by_sender[entry[1]]


class _ChatWindow(_Window):
    """A window that also keeps its chatty messages and how many each sender wrote."""

    __slots__ = ("burst_until", "chat_senders", "chats")

    def __init__(self) -> None:
        super().__init__()
        self.chats: deque[_ChatEntry] = deque()
        self.chat_senders: dict[str, int] = {}
        # While a reported run of chatter goes on, no new burst finding: every chatty message
        # of the run moves this on to its own time plus the window.
        self.burst_until = float("-inf")

    def push(self, entry: _ChatEntry, cutoff: float) -> None:
        """Append ``entry``; drop the oldest when full, then every entry older than ``cutoff``."""
        entries = self.entries
        if len(entries) >= MAX_PER_GROUP:
            self._drop(entries.popleft())
        entries.append(entry)
        if entry[2]:
            self.chats.append(entry)
            self.chat_senders[entry[1]] = self.chat_senders.get(entry[1], 0) + 1
        while entries and entries[0][0] < cutoff:
            old = entries.popleft()
            if old[2]:
                self._drop(old)

    def _drop(self, entry: _ChatEntry) -> None:
        if entry[2]:
            self.chats.popleft()
            left = self.chat_senders[entry[1]] - 1
            if left:
                self.chat_senders[entry[1]] = left
            else:
                del self.chat_senders[entry[1]]


_W = TypeVar("_W", bound=_Window)


class _Windows(Generic[_W]):
    """Per-group message windows with LRU eviction of whole groups."""

    def __init__(self, horizon: float, factory: Callable[[], _W]) -> None:
        self.horizon = horizon
        self.factory = factory
        self.groups: OrderedDict[str, _W] = OrderedDict()
        # The most recently active group and its window: an import or a busy group asks for the
        # same window message after message, and it is already the last in LRU order.
        self._last: tuple[str, _W] | None = None

    def window(self, group: str) -> _W:
        """Return the group's window (made now if new), as the most recently active group."""
        last = self._last
        if last is not None and last[0] == group:
            return last[1]
        window = self.groups.get(group)
        if window is None:
            window = self.groups[group] = self.factory()
            if len(self.groups) > MAX_GROUPS:
                self.groups.popitem(last=False)
        else:
            self.groups.move_to_end(group)
        self._last = (group, window)
        return window


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
        self._horizon = max(self.FLOOD_SECONDS, self.REPEAT_SECONDS)
        self._windows = _Windows(self._horizon, _SenderWindow)
        self._min_count = min(self.FLOOD_COUNT, self.REPEAT_COUNT)
        self._lock = threading.Lock()

    def scan(self, doc: Document) -> Iterator[Finding]:
        """Yield harassment findings for this message given the group's recent messages."""
        yield from self.check(doc)

    def check(self, doc: Document) -> list[Finding]:
        """Return ``scan``'s findings as a list: the engine calls this for every message."""
        ctx = doc.context
        if ctx is None:
            return []
        group, sender, timestamp, extra = ctx  # (unpacked at once: the engine calls this per message)
        if group is None or timestamp is None:
            return []
        sender = sender or ""
        now = float(timestamp)
        text = doc.normalized
        raw = doc.text
        mentions = tuple(_MENTION.findall(raw)) if "@" in raw else ()
        if extra and (listed := extra.get("mentions")):
            mentions += tuple(str(m) for m in listed)
        windows = self._windows
        with self._lock:
            last = windows._last
            window = last[1] if last is not None and last[0] == group else windows.window(group)
            mine_now = window.push((now, sender, text, mentions), now - self._horizon)
            if not sender or (len(mine_now) < self._min_count and not mentions):
                return []  # too few messages for any rule (the counts below include this one)
            # This sender's messages in the window, oldest first (a copy: the lock ends here).
            mine = list(mine_now)
        found: list[Finding] = []
        flood_from = now - self.FLOOD_SECONDS
        recent = sum(1 for e in mine if e[0] >= flood_from)
        if recent >= self.FLOOD_COUNT:
            found.append(
                self._finding(
                    doc,
                    "harassment.flood",
                    min(0.95, 0.6 + 0.05 * (recent - self.FLOOD_COUNT)),
                    f"同一成员{int(self.FLOOD_SECONDS)}秒内连续发送{recent}条消息，疑似刷屏。",
                )
            )
        if len(text) >= 2:
            repeat_from = now - self.REPEAT_SECONDS
            same = sum(1 for e in mine if e[2] == text and e[0] >= repeat_from)
            if same >= self.REPEAT_COUNT:
                found.append(
                    self._finding(
                        doc,
                        "harassment.repeat",
                        min(0.95, 0.6 + 0.1 * (same - self.REPEAT_COUNT)),
                        f"同一成员短时间内重复发送相同内容{same}次，疑似骚扰刷屏。",
                    )
                )
        for target in set(mentions):
            count = sum(1 for e in mine if target in e[3] and e[0] >= now - self.REPEAT_SECONDS)
            if count >= self.MENTION_COUNT:
                found.append(
                    self._finding(
                        doc,
                        "harassment.mention",
                        min(0.95, 0.6 + 0.1 * (count - self.MENTION_COUNT)),
                        f"同一成员短时间内反复@同一人{count}次，疑似骚扰。",
                    )
                )
        return found

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
    # The per-text value ``scan`` reads (the chatter probability, in ``doc.__dict__``): the
    # engine remembers it with a cached text and hands it to the next document of that text.
    text_memo: ClassVar[tuple[str, ...]] = (OFFTOPIC_MEMO,)

    def __init__(self) -> None:
        from qunguan.audit.detectors.classifier import OfftopicModelDetector

        self._model = OfftopicModelDetector()
        self._windows = _Windows(self.WINDOW_SECONDS, _ChatWindow)
        self._lock = threading.Lock()

    def prepare_documents(self, docs: list[Document]) -> None:
        """Score the documents about to be scanned at once (the engine's ``Auditor.prepare``)."""
        self._model.prepare_documents(docs)

    def scan(self, doc: Document) -> Iterator[Finding]:
        """Yield ``offtopic.burst`` on the message that makes a run a burst; nothing else."""
        yield from self.check(doc)

    def check(self, doc: Document) -> list[Finding]:
        """Return ``scan``'s findings as a list: the engine calls this for every message."""
        ctx = doc.context
        if ctx is None:
            return []
        group, sender, timestamp, _ = ctx  # (unpacked at once: the engine calls this per message)
        if group is None or timestamp is None:
            return []
        sender = sender or ""
        now = float(timestamp)
        p = doc.__dict__.get(OFFTOPIC_MEMO)  # (``doc_probability``'s memo, read without a call)
        if p is None:
            p = self._model.doc_probability(doc)
        chat = p >= self.CHAT_PROBABILITY
        windows = self._windows
        with self._lock:
            last = windows._last
            window = last[1] if last is not None and last[0] == group else windows.window(group)
            window.push((now, sender, chat), now - self.WINDOW_SECONDS)
            if not chat:
                return []
            if now < window.burst_until:
                window.burst_until = now + self.WINDOW_SECONDS  # the reported run goes on
                return []
            chats = len(window.chats)
            senders = len(window.chat_senders)
            share = chats / len(window.entries)
            if chats < self.MIN_MESSAGES or senders < self.MIN_SENDERS or share < self.MIN_SHARE:
                return []
            window.burst_until = now + self.WINDOW_SECONDS
            first = window.chats[0][0]
        minutes = max(1, round((now - first) / 60))
        score = min(0.95, 0.8 + 0.02 * (chats - self.MIN_MESSAGES))
        evidence = doc.text if len(doc.text) <= 12 else doc.text[:12] + "…"
        return [
            Finding(
                "offtopic",
                "offtopic.burst",
                Severity.LOW,
                0,
                len(doc.text),
                evidence,
                round(score, 3),
                f"{senders}名成员约{minutes}分钟内发送{chats}条闲聊消息（截至本条），存在扎堆闲聊；"
                "同一轮闲聊只提示这一次。",
            )
        ]
