"""Normalisation: evasions folded, ordinary text left alone, offsets always point back."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qunguan.audit.normalize import (
    _DROP_SEP,
    _FLAGS,
    _PUNCTUATION,
    RAW_DIGIT_CLASS,
    _drop_separators,
    _fold,
    count_digits,
    largest_digit_cluster,
    normalize,
    normalize_reference,
    raw_digit_cluster,
    segment_starts,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 3 8-0013-8000", "13800138000"),
        ("１５９ ８８７６ ５４３２", "15988765432"),
        ("一三八零零一三八零零零", "13800138000"),
        ("幺三八零零幺三八零零零", "13800138000"),
        ("壹叁捌零零壹叁捌零零零", "13800138000"),
        ("1️⃣3️⃣8️⃣", "138"),
        ("138\u200b0013\u200b8000", "13800138000"),
        ("138🙂0013🙂8000", "13800138000"),
        ("5101 0519 4912 3100 2X", "51010519491231002x"),
        ("這是機密文件", "这是机密文件"),
        ("机 密 文 件", "机密文件"),
        ("ＡＢＣ Def", "abc def"),
        ("机密★1年", "机密★1年"),
        ("绝密★长期", "绝密★长期"),
        ("二〇二二年", "2022年"),
    ],
)
def test_evasions_are_folded(text: str, expected: str) -> None:
    assert normalize(text)[0] == expected


@pytest.mark.parametrize(
    "text",
    [
        "一起去统一战线",  # single Chinese digits inside words stay words
        "两个人",
        "学号 2021010203 电话",  # a digit next to a word keeps its space
        "13:00 至 14:30",  # colons are not number separators
        "你好,我是张老师。",  # sentence punctuation between CJK is kept (after NFKC)
    ],
)
def test_ordinary_text_is_kept(text: str) -> None:
    assert normalize(text)[0] == text


@pytest.mark.parametrize(
    "text", ["", "a", "１５９ ８８７６", "1️⃣3️⃣8️⃣ 機密", "\ud800x", "⑩⑪ ﬁ ㈱", "e\u0301", "\x00\x1f"]
)
def test_offsets_map_every_normalised_char_to_its_source(text: str) -> None:
    norm, offsets = normalize(text)
    assert len(offsets) == len(norm)
    assert all(0 <= o < len(text) for o in offsets)
    assert list(offsets) == sorted(offsets)


def test_segment_starts_mark_where_separators_were_removed() -> None:
    norm, offsets = normalize("2021010203 13800138000")
    assert norm == "202101020313800138000"
    assert segment_starts(offsets, 0, len(norm)) == {0, 10, 21}


def test_expansion_keeps_offsets_of_the_source_char() -> None:
    norm, offsets = normalize("⑩号")
    assert norm == "10号"
    assert offsets == [0, 0, 1]


@pytest.mark.parametrize(
    "text",
    ["薴苧", "苧薴苎", "ＡＢＣ机 密", "一三八 零零", "⑩號 1 2", "收到🙏", "@全体成员 请注意查收", "1️⃣3️⃣8️⃣"],
)
def test_fast_path_examples_match_the_reference(text: str) -> None:
    # 薴 folds to 苧, which folds to 苎: a one-by-one replacement would depend on the order.
    norm, offsets = normalize(text)
    assert (norm, list(offsets)) == normalize_reference(text)


def test_untouched_text_gets_identity_offsets_without_a_list() -> None:
    norm, offsets = normalize("好的，谢谢老师")
    assert norm == "好的,谢谢老师"
    assert offsets == range(7)


# Characters each step of normalisation cares about, so that random texts exercise every path:
# full-width and traditional forms, expansions (⑩, ﬁ, ㈱), deletions (zero-width, keycap,
# variation selectors, tags), separators of every kind, ★, Chinese digits, the x of an ID.
_TRICKY = (
    "0123456789xX一二三四五六七八九十零〇两幺壹贰叁貳參兩陸"
    "机密這機薴苧苎ａＡＢ１２３，：！．－～＿｜＊"
    " \t\n\u3000.-_·•*~|—#+=^'\"`★☆■●♥\u2500"
    "⑩①⒈‥…ﬁ㈱Ⅷİß\u200b\u200d\ufe0f\u20e3\u00ad"
    "🙂😂👌\U0001d7cf\U000e0041\ud800é\u0301"
)
RANDOM_TEXTS = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.sampled_from(_TRICKY), max_size=40),
    st.lists(st.sampled_from([*_TRICKY, "电话", "机 密", "1 3 8", "机密★1年"]), max_size=25).map("".join),
)
MANY = settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@MANY
@given(RANDOM_TEXTS)
def test_fast_path_gives_exactly_the_reference_result(text: str) -> None:
    norm, offsets = normalize(text)
    assert (norm, list(offsets)) == normalize_reference(text)


@MANY
@given(RANDOM_TEXTS)
def test_separator_runs_are_dropped_exactly_where_the_reference_regex_drops_them(text: str) -> None:
    folded = text.lower()  # any text: the separators are what matters here
    expected = _DROP_SEP.sub("", folded)
    kept = [
        i for i in range(len(folded)) if not any(m.start() <= i < m.end() for m in _DROP_SEP.finditer(folded))
    ]
    norm, offsets = _drop_separators(folded)
    assert (norm, list(offsets)) == (expected, kept)


_CLUSTER_PIECES = st.sampled_from(
    [*"0123456789一二两幺１２①⑴❶❷❸ -.·*()（）x年号a", "\u200b", "\ufe0f\u20e3", "🙂", "  ", "   ", "    "]
)


@MANY
@given(st.lists(_CLUSTER_PIECES, max_size=45).map("".join))
def test_largest_digit_cluster_is_the_largest_n_the_cluster_regex_finds(text: str) -> None:
    # The engine checks min_digit_cluster with it instead of running raw_digit_cluster(n, 3).
    largest = largest_digit_cluster(text)
    for n in (1, 2, 3, 5, 10, 14, 16):
        assert (largest >= n) == bool(re.search(raw_digit_cluster(n, 3), text)), (n, text)


@MANY
@given(st.lists(_CLUSTER_PIECES, max_size=45).map("".join) | st.text(max_size=30))
def test_count_digits_counts_what_the_digit_class_matches(text: str) -> None:
    assert count_digits(text) == len(re.findall(RAW_DIGIT_CLASS, text))


def test_punctuation_replaced_up_front_folds_to_inert_ascii() -> None:
    # normalize() replaces these before its regex pass; that is only exact if each folds to one
    # character that folds to itself and is no separator or digit (flags 0).
    for wide, narrow in _PUNCTUATION:
        assert _fold(wide) == narrow
        assert narrow.isascii()
        assert _FLAGS[narrow] == 0
