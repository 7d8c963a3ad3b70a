"""The auditor: registry, prefilter, ordering, streaming, redaction."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from qunguan.audit import Auditor, Finding, MessageContext, Severity, load_policy, redact
from qunguan.audit.detectors import DETECTORS
from qunguan.audit.detectors.base import Detector, Document


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
    for plan_det in [d for d, _ in auditor._base.always] + [d for d, _, _ in auditor._base.triggered]:
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

    def spy(text: str) -> tuple[str, list[int]]:
        seen.append(text)
        return real(text)

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


def test_redact_merges_overlapping_spans() -> None:
    f1 = Finding("privacy.phone", "r", Severity.HIGH, 0, 11, "", 1.0, "")
    f2 = Finding("secret.classified", "r", Severity.HIGH, 5, 13, "", 1.0, "")
    assert redact("13812345678机密", [f1, f2]) == "138*********"[:11] + "**"


def test_redact_ignores_spans_outside_the_text() -> None:
    bad = Finding("privacy.phone", "r", Severity.HIGH, 5, 50, "", 1.0, "")
    assert redact("short", [bad]) == "short"
