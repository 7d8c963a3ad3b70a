"""Conversation detectors: flooding, repeats, repeated @, off-topic bursts; bounded state."""

from __future__ import annotations

import pytest

from qunguan.audit.detectors import conversation
from qunguan.audit.detectors.base import Document, MessageContext
from qunguan.audit.detectors.conversation import HarassmentDetector, OfftopicBurstDetector


def feed(
    det: HarassmentDetector | OfftopicBurstDetector, msgs: list[tuple[str, float, str]], group: str = "g1"
) -> list[set[str]]:
    out = []
    for sender, t, text in msgs:
        ctx = MessageContext(group=group, sender=sender, timestamp=t)
        out.append({f.rule for f in det.scan(Document(text, ctx)) if f.score >= 0.5})
    return out


def test_flooding_is_reported_from_the_eighth_message() -> None:
    rules = feed(HarassmentDetector(), [("u1", 100 + i * 3, f"在吗{i}") for i in range(9)])
    assert rules[6] == set()
    assert rules[7] == {"harassment.flood"}


def test_repeated_text_is_reported_on_the_third_copy() -> None:
    rules = feed(HarassmentDetector(), [("u1", 100 + i * 60, "你给我出来解释清楚") for i in range(3)])
    assert rules == [set(), set(), {"harassment.repeat"}]


def test_repeated_mentions_of_one_person() -> None:
    msgs = [("u1", 100 + i * 30, f"@张三 {t}") for i, t in enumerate(["出来", "回话", "别躲了"])]
    assert feed(HarassmentDetector(), msgs)[-1] == {"harassment.mention"}


@pytest.mark.parametrize(
    "msgs",
    [
        [(f"u{i}", 100 + i, "收到") for i in range(12)],  # many people reply 收到
        [("t1", 100, "请提交考核表"), ("t1", 100 + 3 * 3600, "请提交考核表")],  # a reminder hours later
        [("u1", 100 + i * 400, f"第{i}项已完成") for i in range(9)],  # spread over an hour
    ],
)
def test_ordinary_group_traffic_is_not_harassment(msgs: list[tuple[str, float, str]]) -> None:
    assert all(r == set() for r in feed(HarassmentDetector(), msgs))


def test_no_context_no_finding() -> None:
    det = HarassmentDetector()
    for _ in range(20):
        assert list(det.scan(Document("在吗"))) == []


CHAT = [
    "哈哈哈笑死我了",
    "今晚吃什么好呢",
    "周末去看电影吗",
    "我也想去玩",
    "这个视频太搞笑了",
    "你们看球赛了吗",
    "好想放假啊",
    "奶茶店新品好喝吗",
]


def test_offtopic_burst_reported_once_per_burst() -> None:
    rules = feed(OfftopicBurstDetector(), [(f"u{i % 3}", 100 + i * 30, CHAT[i]) for i in range(8)])
    flagged = [i for i, r in enumerate(rules) if "offtopic.burst" in r]
    assert flagged == [5]


def test_chitchat_of_one_sender_or_spread_out_is_no_burst() -> None:
    det = OfftopicBurstDetector()
    assert not any(feed(det, [("u1", 100 + i * 30, CHAT[i]) for i in range(8)], group="a"))
    assert not any(feed(det, [(f"u{i}", 100 + i * 900, CHAT[i]) for i in range(8)], group="b"))


def test_work_conversation_is_no_burst() -> None:
    msgs = [("t", 100, "请各位老师周五前提交课程大纲")] + [
        (f"u{i}", 100 + i * 20, "收到") for i in range(1, 12)
    ]
    assert not any(feed(OfftopicBurstDetector(), msgs))


def test_state_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conversation, "MAX_GROUPS", 10)
    det = HarassmentDetector()
    for g in range(50):
        feed(det, [("u", 1000.0 + i * 200, "x") for i in range(10)], group=f"g{g}")
    groups = det._windows.groups
    assert len(groups) == 10
    assert all(len(w.entries) <= 4 for w in groups.values())  # older than the 600 s horizon evicted


def test_a_long_run_of_chatter_is_reported_once() -> None:
    # Forty chatty lines, a minute apart: forty minutes of 扎堆闲聊, far beyond one window.
    msgs = [(f"u{i % 3}", 100 + i * 60, CHAT[i % len(CHAT)]) for i in range(40)]
    rules = feed(OfftopicBurstDetector(), msgs)
    assert [i for i, r in enumerate(rules) if "offtopic.burst" in r] == [5]


def test_chatter_after_a_quiet_spell_is_a_new_run() -> None:
    first = [(f"u{i % 3}", 100 + i * 30, CHAT[i]) for i in range(8)]
    later = [(f"u{i % 3}", 100 + 7 * 30 + 601 + i * 30, CHAT[i]) for i in range(8)]
    rules = feed(OfftopicBurstDetector(), first + later)
    assert [i for i, r in enumerate(rules) if "offtopic.burst" in r] == [5, 13]


def test_a_work_reply_in_the_middle_does_not_end_the_run() -> None:
    msgs = [(f"u{i % 3}", 100 + i * 30, CHAT[i % len(CHAT)]) for i in range(20)]
    msgs.insert(10, ("t", 100 + 9 * 30 + 10, "请各位老师周五前提交课程大纲"))
    rules = feed(OfftopicBurstDetector(), msgs)
    assert [i for i, r in enumerate(rules) if "offtopic.burst" in r] == [5]


def test_the_burst_finding_names_the_run() -> None:
    det = OfftopicBurstDetector()
    found = []
    for i in range(6):
        ctx = MessageContext(group="g1", sender=f"u{i % 3}", timestamp=100 + i * 60)
        found += list(det.scan(Document(CHAT[i], ctx)))
    (f,) = found
    assert (f.category, f.rule, f.severity.label) == ("offtopic", "offtopic.burst", "low")
    assert (
        f.explanation == "3名成员约5分钟内发送6条闲聊消息（截至本条），存在扎堆闲聊；同一轮闲聊只提示这一次。"
    )


def test_the_burst_finding_spans_only_the_message_it_is_attached_to() -> None:
    # The run's extent (members, messages, minutes) is told in the explanation; the span and the
    # evidence stay inside the one message that made the window a burst, and its phone is masked.
    from qunguan.audit import Auditor

    auditor = Auditor()
    texts = [*CHAT[:5], "电话13812345678哈哈哈周末一起去唱K吧，太开心了"]
    found = []
    for i, text in enumerate(texts):
        ctx = MessageContext(group="g-span", sender=f"u{i % 3}", timestamp=100 + i * 60)
        found.append([f for f in auditor.scan(text, ctx) if f.rule == "offtopic.burst"])
    assert [len(f) for f in found] == [0, 0, 0, 0, 0, 1]
    (burst,) = found[-1]
    last = texts[-1]
    assert (burst.start, burst.end) == (0, len(last))
    assert burst.evidence.startswith("电话138")
    assert burst.evidence.endswith("…")
    assert "12345678" not in burst.evidence
    assert "6条闲聊消息（截至本条）" in burst.explanation
