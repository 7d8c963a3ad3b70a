"""The result cache with a conversation window (an import, the bot gateway).

A short text's message-level findings are remembered; the conversation rules (flooding,
repeats, 扎堆闲聊) still see every message of every group. The cache must never change a result.
"""

from __future__ import annotations

import random
from collections import Counter

from qunguan.audit import Auditor, Finding, MessageContext
from qunguan.audit.corpus import generate
from qunguan.audit.detectors.base import Document
from qunguan.audit.detectors.conversation import HarassmentDetector, OfftopicBurstDetector

CHAT = ["哈哈哈笑死我了", "今晚吃什么好呢", "周末去看电影吗", "我也想去玩", "这个视频太搞笑了", "好想放假啊"]


def scan(auditor: Auditor, group: str, sender: str, t: float, text: str) -> list[Finding]:
    return auditor.scan(text, MessageContext(group=group, sender=sender, timestamp=t))


def rules(found: list[Finding]) -> set[str]:
    return {f.rule for f in found}


def test_a_cached_text_in_two_conversations_gets_each_conversations_own_chatter_findings() -> None:
    auditor = Auditor()
    # Group A: three members chatting, one line every 30 s — a run of chatter.
    a = [rules(scan(auditor, "A", f"u{i % 3}", 100 + i * 30, CHAT[i % 6])) for i in range(8)]
    # Group B: the same lines (now cached), one member, ten minutes apart — no run.
    b = [rules(scan(auditor, "B", "u1", 100 + i * 900, CHAT[i % 6])) for i in range(8)]
    assert [i for i, r in enumerate(a) if "offtopic.burst" in r] == [5]
    assert not any("offtopic.burst" in r for r in b)
    hits, scans = auditor.cache_stats()
    assert (hits, scans) == (8 + 2, 16)  # B's eight and A's repeats of its first two lines


def test_a_cached_text_in_two_conversations_gets_each_conversations_own_flood_findings() -> None:
    auditor = Auditor()
    # Group A: one member sends 收到 eight times in half a minute; group B: eight members once each.
    a = [rules(scan(auditor, "A", "u1", 100 + i * 3, "收到")) for i in range(8)]
    b = [rules(scan(auditor, "B", f"u{i}", 100 + i * 3, "收到")) for i in range(8)]
    assert a[-1] == {"harassment.flood", "harassment.repeat"}
    assert a[1] == set()
    assert a[2] == {"harassment.repeat"}
    assert all(r == set() for r in b)
    # The text alone, without a window, is still clean: the conversation findings are not cached.
    assert auditor.scan("收到") == []


def test_a_flooded_message_keeps_its_own_findings_too() -> None:
    auditor = Auditor()
    text = "电话13800138000"
    found = [scan(auditor, "A", "u1", 100 + i, text) for i in range(8)]
    assert [f.rule for f in found[0]] == [f.rule for f in Auditor(cache_size=0).scan(text)]
    assert {f.category for f in found[-1]} == {"privacy.phone", "harassment"}
    # The quote of a whole-message finding never shows the number it holds.
    assert all("13800138000" not in f.evidence for f in found[-1])


def mixed_stream(n: int, seed: int) -> list[tuple[str, MessageContext]]:
    """Corpus messages with runs of chatter and floods, over four groups and a dozen senders."""
    rng = random.Random(seed)
    texts = list(generate(n, seed=seed))
    stream: list[tuple[str, MessageContext]] = []
    t = 1_700_000_000.0
    for i, text in enumerate(texts):
        t += rng.choice((1, 2, 5, 20, 40))
        group = f"g{rng.randrange(4)}"
        sender = f"u{rng.randrange(12)}"
        if i % 97 < 9:  # a flood of one line by one member
            text, sender, group = texts[i - i % 97], "u0", "g0"
        elif i % 53 < 8:  # chatter among three members
            text, sender, group = CHAT[i % len(CHAT)], f"u{i % 3}", "g1"
        stream.append((text, MessageContext(group=group, sender=sender, timestamp=t)))
    return stream


def test_the_cache_never_changes_a_result() -> None:
    stream = mixed_stream(800, seed=7)
    plain, cached, small = Auditor(cache_size=0), Auditor(), Auditor(cache_size=8)
    seen: Counter[str] = Counter()
    for text, context in stream:
        expected = plain.scan(text, context)
        assert cached.scan(text, context) == expected, text
        assert small.scan(text, context) == expected, text
        seen.update(f.category for f in expected)
        if len(text) <= 12:  # the same short texts without a window, between the others
            assert cached.scan(text) == plain.scan(text)
    # The stream exercises what it is meant to: conversation findings among cached texts.
    assert seen["harassment"]
    assert seen["offtopic"]
    assert seen["privacy.phone"]
    hits, scans = cached.cache_stats()
    assert scans == len(stream)
    assert hits > len(stream) // 3


def test_the_cache_stays_bounded_with_many_groups() -> None:
    auditor = Auditor(cache_size=16)
    for i in range(400):
        scan(auditor, f"group{i % 50}", "u1", 100 + i, f"第{i}条")
    plan = auditor._plan("group1")
    assert plan is auditor._base  # groups without their own policy share one plan and one cache
    assert len(plan.recent) <= 16
    assert len(plan.older) <= 16


def test_the_window_summaries_agree_with_the_window() -> None:
    # The rules read running counts (each sender's messages, the chatty ones): after any stream
    # they must be what counting the window itself gives.
    harassment, burst = HarassmentDetector(), OfftopicBurstDetector()
    for text, context in mixed_stream(600, seed=11):
        list(harassment.scan(Document(text, context)))
        list(burst.scan(Document(text, context)))
    for window in harassment._windows.groups.values():
        entries = list(window.entries)
        expected = {s: [e for e in entries if e[1] == s] for s in {e[1] for e in entries}}
        assert {s: list(d) for s, d in window.by_sender.items()} == expected
    for chat_window in burst._windows.groups.values():
        chats = [e for e in chat_window.entries if e[2]]
        assert list(chat_window.chats) == chats
        assert chat_window.chat_senders == Counter(e[1] for e in chats)
