"""Robustness: any string is safe to scan, spans stay inside it, redaction hides digit runs."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qunguan.audit import Auditor, redact
from qunguan.audit.normalize import normalize

AUDITOR = Auditor()
DIGIT_CATEGORIES = ("privacy.id_card", "privacy.phone", "privacy.bank_card")

# Pieces that make detectors work hard: digits of every script, separators, CJK, marks.
PIECES = st.sampled_from(
    [
        "13800138000",
        "1 3 8",
        "-",
        " ",
        "１５９",
        "一三八",
        "零",
        "幺",
        "1️⃣",
        "\u200b",
        "🙂",
        "11010519491231002X",
        "x",
        "身份证",
        "电话",
        "〔2022〕",
        "院党宣",
        "6号",
        "机密★",
        "内部资料",
        "小区",
        "3栋2单元501",
        "出生",
        "1999年5月3日",
        "\ud800",
        "\x00",
        "\n",
        "機",
        "6222025908301661319",
    ]
)
TEXTS = st.one_of(
    st.text(max_size=200),
    st.lists(PIECES, max_size=30).map("".join),
    st.lists(st.one_of(PIECES, st.text(max_size=5)), max_size=30).map("".join),
)

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(TEXTS)
def test_scan_never_raises_and_spans_lie_inside_text(text: str) -> None:
    for f in AUDITOR.scan(text):
        assert 0 <= f.start < f.end <= len(text), f
        assert 0.0 <= f.score <= 1.0


@FAST
@given(TEXTS)
def test_normalize_offsets_are_valid(text: str) -> None:
    norm, offsets = normalize(text)
    assert len(norm) == len(offsets)
    assert all(0 <= o < len(text) for o in offsets)


@FAST
@given(TEXTS)
def test_redaction_leaves_no_detected_digit_run_intact(text: str) -> None:
    found = [f for f in AUDITOR.scan(text) if f.category in DIGIT_CATEGORIES]
    masked = redact(text, found)
    assert len(masked) == len(text)
    for f in found:
        before = normalize(text[f.start : f.end])[0]
        after = masked[f.start : f.end]
        # At least four of the run's digits are hidden, so the number cannot be read back.
        hidden = sum(1 for a, b in zip(text[f.start : f.end], after, strict=True) if a != b)
        assert hidden >= 4, (text, f)
        assert re.sub(r"\D", "", normalize(after)[0]) != re.sub(r"\D", "", before)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "1" * 1_000_000,
        "电话13800138000 " * 40_000,
        "\ud800\udfff\ud83d" * 1000,
        "".join(chr(c) for c in range(0, 0x3000, 3)),
        "一" * 100_000,
    ],
)
def test_pathological_inputs(text: str) -> None:
    found = AUDITOR.scan(text)
    assert all(0 <= f.start < f.end <= len(text) for f in found)
