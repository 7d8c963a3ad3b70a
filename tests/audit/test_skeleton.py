"""The phrase prefilter: it may say "a phrase may occur" wrongly, never "none occurs" wrongly."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qunguan.audit import Auditor, load_policy
from qunguan.audit.corpus import generate
from qunguan.audit.normalize import normalize
from qunguan.audit.phrases import decode, encode
from qunguan.audit.skeleton import PhraseSkeleton, skeleton_of_normalized

AUDITOR = Auditor(load_policy().replace(use_models=False), cache_size=0)
PLAN = AUDITOR._base
assert PLAN.phrases is not None
assert PLAN.skeleton is not None
PHRASES = sorted({decode(k) for s in PLAN.phrases.sets for k in s.values})
# The same rule set with the prefilter taken out: every message gets the exact phrase pass.
WITHOUT = Auditor(load_policy().replace(use_models=False), cache_size=0)
WITHOUT._base = replace(WITHOUT._base, skeleton=None)


def exact(text: str) -> bool:
    """Whether a phrase of the auditor occurs in the normalised text (the exact pass)."""
    assert PLAN.phrases is not None
    return PLAN.phrases.search(encode(normalize(text)[0])) is not PLAN.phrases.none


def prefilter(text: str) -> bool:
    assert PLAN.skeleton is not None
    return PLAN.skeleton.may_match(text, PLAN.char_re.findall(text))


# Spellings a phrase takes in a raw text: separators inside, traditional or full-width
# characters, upper case, Chinese digits, zero-width characters, characters that fold twice.
EVASIONS = [
    "加 V 信",
    "加Ｖ信领取",
    "机 密 文件",
    "機密",
    "請私聊我",
    "私-聊-我",
    "私\u200b聊我",
    "扫 码 领 红 包",
    "ＷＷＷ．ＥＸＡＭＰＬＥ．ＣＯＭ",
    "访问 www.example.com 领取",
    "月入五万",
    "月入５万",
    "日赚一千",
    "QQ号：12345678",
    "ｑｑ12345678",
    "价格￥99",
    "只要99元",
    "薴麻",
    "⒈ 第一条",
    "ﬁle",
]


@pytest.mark.parametrize("text", EVASIONS)
def test_an_evasive_spelling_never_gets_past_the_prefilter(text: str) -> None:
    assert exact(text) <= prefilter(text)


@pytest.mark.parametrize("phrase", PHRASES[:: max(1, len(PHRASES) // 400)])
def test_every_phrase_spelt_with_separators_gets_past_the_prefilter(phrase: str) -> None:
    for text in (phrase, " ".join(phrase), f"前文{phrase}后文", phrase.upper()):
        assert exact(text) <= prefilter(text), text


def test_ordinary_notices_are_stopped_by_the_prefilter() -> None:
    notices = [
        "各位老师：今天14:30线上召开安全稳定工作推进会，腾讯会议号：429 432 424，请提前5分钟入会。",
        "@全体成员 宿舍安全检查相关文件已上传群文件，请认真学习并于2021年6月14日前完成心得体会。",
    ]
    for text in notices:
        assert not exact(text)
        assert not prefilter(text)


def test_a_separator_only_phrase_is_tested_by_its_characters() -> None:
    skeleton = PhraseSkeleton.build(["..", "机密"])
    assert skeleton.may_match("看 a.b", ["."])
    assert skeleton.may_match("看 a．b", ["．"])  # the full-width stop folds into "."
    assert not skeleton.may_match("看看", [])
    assert skeleton_of_normalized("1 2-3一") == "1231"


def fragments() -> st.SearchStrategy[str]:
    pieces = st.sampled_from(PHRASES) | st.sampled_from(EVASIONS) | st.text(max_size=6)
    seps = st.sampled_from(["", " ", "-", ".", "\u200b", "·", "，", "１", "一", "Ａ", "🙂"])
    return st.lists(st.tuples(pieces, seps), max_size=6).map(lambda parts: "".join(p + s for p, s in parts))


@settings(max_examples=400, deadline=None)
@given(fragments())
def test_the_prefilter_never_hides_a_phrase(text: str) -> None:
    assert exact(text) <= prefilter(text)


def corpus_sample() -> Iterator[str]:
    yield from generate(6000, seed=7)
    yield from EVASIONS


def test_the_auditor_finds_the_same_with_and_without_the_prefilter() -> None:
    for text in corpus_sample():
        assert AUDITOR.scan(text) == WITHOUT.scan(text), text


@settings(max_examples=300, deadline=None)
@given(fragments())
def test_the_auditor_finds_the_same_with_and_without_the_prefilter_on_any_text(text: str) -> None:
    assert AUDITOR.scan(text) == WITHOUT.scan(text)
