"""The auditor: registry, prefilter, ordering, streaming, redaction."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qunguan.audit import Auditor, Finding, MessageContext, Severity, load_policy, redact
from qunguan.audit.detectors import DETECTORS
from qunguan.audit.detectors.base import Detector, Document
from qunguan.audit.normalize import RAW_DIGIT_CLASS


@pytest.fixture(scope="module")
def auditor() -> Auditor:
    return Auditor()


def mine(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.category.startswith(("privacy.", "secret."))]


def test_registry_names_every_privacy_and_secret_detector() -> None:
    for name in ("id_card", "phone", "bank_card", "birth_date", "address", "doc_number", "classified"):
        assert issubclass(DETECTORS[name], Detector)
        assert DETECTORS[name].name == name


def test_findings_sorted_by_start_and_spans_in_original_text(auditor: Auditor) -> None:
    text = "院党宣〔2022〕6号 电话 1 3 8-0013-8000 身份证11010519491231002X"
    found = mine(auditor.scan(text))
    assert [f.category for f in found] == ["secret.doc_number", "privacy.phone", "privacy.id_card"]
    assert [text[f.start : f.end] for f in found] == [
        "院党宣〔2022〕6号",
        "1 3 8-0013-8000",
        "11010519491231002X",
    ]
    assert found == sorted(found, key=lambda f: f.start)


def test_clean_and_empty_texts_have_no_findings(auditor: Auditor) -> None:
    assert auditor.scan("") == []
    assert mine(auditor.scan("收到，谢谢老师")) == []


def test_scan_rejects_non_strings(auditor: Auditor) -> None:
    with pytest.raises(TypeError, match="expects str"):
        auditor.scan(b"13800138000")  # type: ignore[arg-type]


def test_scan_many_streams_strings_and_pairs_in_order(auditor: Auditor) -> None:
    items = iter(["13800138000", ("收到", MessageContext(group="1")), ("机密★1年", None)])
    results = auditor.scan_many(items)
    assert not isinstance(results, list)  # a generator: results come as items are consumed
    got = [[f.category for f in mine(r)] for r in results]
    assert got == [["privacy.phone"], [], ["secret.classified"]]


def test_id_number_is_not_also_reported_as_card_or_date(auditor: Auditor) -> None:
    text = "出生日期见身份证 11010519491231002X"
    assert [f.category for f in mine(auditor.scan(text))] == ["privacy.id_card"]


def test_prefilter_skips_detectors_on_text_without_triggers(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    auditor = Auditor()
    for plan_det in auditor.detectors:
        if plan_det.categories[0].startswith(("privacy.", "secret.")):
            original = plan_det.scan

            def spy(doc: Document, _orig=original, _name=plan_det.name) -> Iterator[Finding]:  # type: ignore[no-untyped-def]
                calls.append(_name)
                return _orig(doc)

            monkeypatch.setattr(plan_det, "scan", spy)
    auditor.scan("好的，收到，明天见")
    assert calls == []
    auditor.scan("电话13800138000")
    assert "phone" in calls
    assert "doc_number" not in calls


MINE = ("id_card", "phone", "bank_card", "birth_date", "address", "doc_number", "classified")


def test_normalisation_is_lazy(monkeypatch: pytest.MonkeyPatch) -> None:
    import qunguan.audit.normalize as norm

    seen: list[str] = []
    real = norm.normalize

    def spy(text: str, special: list[str] | None = None) -> tuple[str, Sequence[int]]:
        seen.append(text)
        return real(text, special)

    monkeypatch.setattr(norm, "normalize", spy)
    rules_only = Auditor(load_policy().replace(enabled_detectors=MINE))
    rules_only.scan("收到")
    assert "收到" not in seen
    rules_only.scan("电话13800138000")
    assert "电话13800138000" in seen


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("身份证5101051949123100 2X", None),  # not a valid ID: unchanged
        ("身份证510104198706233314", "身份证5101**********3314"),
        ("电话13812345678", "电话138****5678"),
        ("电话138 1234 5678", "电话138 **** 5678"),
        ("院党宣〔2022〕6号已印发", "***********已印发"),
        ("工资卡号 6222 0259 0830 1661 319", "工资卡号 **** **** **** ***1 319"),
    ],
)
def test_redact_masks_each_span(auditor: Auditor, text: str, expected: str | None) -> None:
    found = mine(auditor.scan(text))
    assert redact(text, found) == (text if expected is None else expected)


@pytest.mark.parametrize(
    "text",
    [
        "13812345678 你这种人真是恶心，滚吧，没人想理你",  # the abuse model quotes the head
        "我的身份证11010519491231002X，你这种人真是恶心，滚吧",
    ],
)
def test_a_whole_message_verdict_quotes_the_message_with_its_numbers_masked(text: str) -> None:
    findings = Auditor().scan(text)
    verdict = next(f for f in findings if f.rule == "abuse.model")
    assert (verdict.start, verdict.end) == (0, len(text))
    assert not re.search(r"\d{5}", verdict.evidence), verdict.evidence
    assert verdict.evidence.endswith("…")


def test_redact_merges_overlapping_spans() -> None:
    f1 = Finding("privacy.phone", "r", Severity.HIGH, 0, 11, "", 1.0, "")
    f2 = Finding("secret.classified", "r", Severity.HIGH, 5, 13, "", 1.0, "")
    assert redact("13812345678机密", [f1, f2]) == "138*********"[:11] + "**"


def test_redact_ignores_spans_outside_the_text() -> None:
    bad = Finding("privacy.phone", "r", Severity.HIGH, 5, 50, "", 1.0, "")
    assert redact("short", [bad]) == "short"


# The prefilter regexes were rewritten so that each starts with a class or plain characters
# the regex engine can skip to; these are the originals they must agree with on every text.
_ORIGINAL_TRIGGERS = {
    "address": RAW_DIGIT_CLASS
    + r"[a-zA-Z]?\s?(?:栋|幢|座|单元|室|号楼|-)|村|住|址|寄到|寄往|户籍|户口|收货|收件",
    "birth_date": r"出生|生日|生于|诞辰|(?i:dob|birth)",
    "classified": r"[绝機机秘涉保]\W{0,2}密|密\W{0,2}[级級件]|内\W{0,2}部",
}
_TRIGGER_PIECES = [
    *"1２一〇三①栋幢座单元室号楼-村住址寄到往户籍口收货件出生日于诞辰绝機机秘涉保密级級件内部 ,.a",
    *("dob", "DoB", "birth", "BIRTH", "bİrth", "BıRTH", "bİrTh", "3栋", "3a 单元", "4室", "5号楼"),
    *("寄到", "寄往", "户籍", "户口", "收货", "收件", "机密", "机 密", "秘*密", "密级", "密 件", "内 部"),
]


@pytest.mark.parametrize("name", sorted(_ORIGINAL_TRIGGERS))
@settings(max_examples=1500, deadline=None)
@given(text=st.lists(st.sampled_from(_TRIGGER_PIECES), max_size=6).map("".join) | st.text(max_size=12))
def test_rewritten_trigger_regexes_match_where_the_originals_do(name: str, text: str) -> None:
    original = re.compile(_ORIGINAL_TRIGGERS[name])
    rewritten = re.compile(DETECTORS[name].trigger_regex or "")
    assert bool(rewritten.search(text)) == bool(original.search(text)), text


# The result cache: a short text scanned again without a conversation window is answered from
# memory; what it answers must be what a scan would give, every time.
def test_a_repeated_short_text_gets_the_same_findings_as_a_fresh_scan() -> None:
    cached, uncached = Auditor(), Auditor(cache_size=0)
    for text in ["电话13800138000", "收到", "你就是个傻逼", "电话13800138000", "收到", "你就是个傻逼"]:
        assert cached.scan(text) == uncached.scan(text)
        assert cached.scan(text, MessageContext(group="10001")) == uncached.scan(text)


def test_changing_a_returned_list_does_not_change_the_next_answer() -> None:
    auditor = Auditor()
    first = auditor.scan("电话13800138000")
    first.clear()
    assert [f.category for f in auditor.scan("电话13800138000")] == ["privacy.phone"]


def test_the_cache_holds_at_most_two_generations_of_short_texts() -> None:
    auditor = Auditor(cache_size=4)
    for i in range(50):
        auditor.scan(f"第{i}条消息")
    auditor.scan("请各位老师于本周五下午三点前将本学期的教学工作总结材料发送到学院办公室邮箱，逾期不候。")
    plan = auditor._base
    assert len(plan.recent) <= 4
    assert len(plan.older) <= 4
    assert all(len(text) <= 48 for text in [*plan.recent, *plan.older])


def test_a_repeated_text_in_a_conversation_is_still_seen_by_the_conversation_rules() -> None:
    # Harassment counts copies of one text in a group: a cache must not hide the third copy.
    auditor = Auditor()
    got = [
        {
            f.category
            for f in auditor.scan("在吗在吗", MessageContext(group="10001", sender="u1", timestamp=t))
        }
        for t in (1.0, 2.0, 3.0, 4.0)
    ]
    assert "harassment" in got[-1]
    assert [f.category for f in auditor.scan("在吗在吗")] == []


def test_the_cache_is_kept_per_group_policy(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "policy.toml"
    path.write_text('[groups."20002".categories]\n"privacy.phone" = { enabled = false }\n', encoding="utf-8")
    auditor = Auditor(load_policy(path))
    assert [f.category for f in auditor.scan("电话13800138000", MessageContext(group="10001"))] == [
        "privacy.phone"
    ]
    assert auditor.scan("电话13800138000", MessageContext(group="20002")) == []
    assert [f.category for f in auditor.scan("电话13800138000")] == ["privacy.phone"]
