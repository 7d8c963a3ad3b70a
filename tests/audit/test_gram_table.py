"""The merged n-gram table: both shipped models scored from one pass give each model's own score."""

from __future__ import annotations

import math
import random

import pytest

from qunguan.audit import Auditor
from qunguan.audit.corpus import generate
from qunguan.audit.detectors.base import Document, MessageContext
from qunguan.audit.detectors.classifier import (
    AbuseModelDetector,
    OfftopicModelDetector,
    load_model,
    shipped_table,
)
from qunguan.audit.models.ngram import MAX_CHARS, GramTable, NgramModel, gram_key, gram_keys, ngrams
from qunguan.audit.normalize import normalize

# Texts where the keys could go wrong: NUL (a bigram ending in it), lone surrogates, astral
# characters, one and two characters, a text longer than the models read.
EDGE_TEXTS = [
    "",
    "a",
    "好",
    "好的",
    "a\x00b",
    "\x00\x00\x00",
    "收到\x00",
    "\ud800x\udfff",
    "𝟏𝟐𝟑你好",
    "🙂🙂🙂哈哈哈",
    "傻逼" * 300,
    "你" + "好" * (MAX_CHARS + 50),
]


def _texts() -> list[str]:
    rng = random.Random(7)
    corpus = list(dict.fromkeys(generate(3000, seed=20240902)))
    alphabet = "的一是了我不人在他有这个上们来到时大地为子中你说生国年着就那和要她出也得里后自以会家可下而过天去能对小多然于心学么之都好看起发当没成只如事把还用第样道想作种开美总从无情己面最女但现前些所同日手又行意动方期它头经长儿回位分爱老因很给名法间斯知世什两次使身者被高已亲其进此话常与活正感ab1 #@"
    made = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 90))) for _ in range(300)]
    return [normalize(t)[0] for t in corpus + made] + EDGE_TEXTS


def _close(a: float, b: float) -> bool:
    # The sums are taken in another order (a set's order already differs between processes).
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


def test_gram_keys_are_one_key_per_ngram() -> None:
    for text in _texts():
        grams = ngrams(text)
        assert gram_keys(text) == set(map(gram_key, grams)), text
        assert len(gram_keys(text)) == len(grams)


def test_the_shipped_table_gives_each_models_own_score() -> None:
    table = shipped_table()
    abuse, offtopic = load_model("abuse"), load_model("offtopic")
    assert table.column(abuse) == 0
    assert table.column(offtopic) == 1
    for text in _texts():
        sums = table.sums(text)
        assert _close(table.raw_score(text, sums, 0), abuse.raw_score(text)), text
        assert _close(table.raw_score(text, sums, 1), offtopic.raw_score(text)), text


@pytest.mark.parametrize(
    "extra",
    [{"\x01abuse"}, {"\x01abuse", "\x01strong"}, {"\x01porn", "\x01vulgar", "\x01violence"}, {"\x01unknown"}],
)
def test_lexicon_features_count_as_in_the_model(extra: set[str]) -> None:
    table = shipped_table()
    abuse = load_model("abuse")
    for text in ["你这个傻逼", "收到", "", "关于召开2024年度学院工作会议的通知"]:
        sums = table.sums(text)
        assert _close(table.raw_score(text, sums, 0, extra), abuse.raw_score(text, extra))


def test_a_short_feature_that_may_be_an_ngram_is_scored_the_models_way() -> None:
    model = NgramModel("m", {"a": 1.0, "ab": 2.0, "\x01x": 0.5}, bias=0.1, threshold=0.0)
    table = GramTable([model])
    sums = table.sums("abc")
    # "ab" is both an n-gram of the text and a feature: it counts once, as in the model.
    assert table.raw_score("abc", sums, 0, {"ab"}) == model.raw_score("abc", {"ab"})
    assert _close(table.raw_score("abc", sums, 0, {"\x01x"}), model.raw_score("abc", {"\x01x"}))


def test_a_model_with_a_zero_weight_is_scored_on_its_own() -> None:
    model = NgramModel("zero", {"好": 0.0, "的": 1.0}, bias=0.0, threshold=0.0)
    table = GramTable([model])
    assert not table.usable
    assert table.column(model) is None
    assert table.column(load_model("abuse")) is None


def test_shipped_detectors_report_what_the_models_alone_report() -> None:
    shipped_abuse, own_abuse = AbuseModelDetector(), AbuseModelDetector(model=load_model("abuse"))
    shipped_chat, own_chat = OfftopicModelDetector(), OfftopicModelDetector(model=load_model("offtopic"))
    texts = [*generate(2000, seed=11), "你这个傻逼滚", "垃圾东西去死吧", "哈哈哈今晚去吃火锅吗", "收到"]
    for text in texts:
        assert list(shipped_abuse.scan(Document(text))) == list(own_abuse.scan(Document(text)))
        assert list(shipped_chat.scan(Document(text))) == list(own_chat.scan(Document(text)))
        assert _close(shipped_chat.doc_probability(Document(text)), own_chat.doc_probability(Document(text)))


def test_message_context_is_made_positionally_and_its_extra_is_read_only() -> None:
    ctx = MessageContext("800100200", "10001", 1725235200.0)
    assert (ctx.group, ctx.sender, ctx.timestamp) == ("800100200", "10001", 1725235200.0)
    assert dict(ctx.extra) == {}
    with pytest.raises(TypeError):
        ctx.extra["mentions"] = ["x"]  # type: ignore[index]
    with pytest.raises(AttributeError):
        ctx.group = "other"  # type: ignore[misc]


def test_interleaved_groups_keep_their_own_windows() -> None:
    # One sender floods group A while group B gets a message in between each time: the most
    # recent window is remembered, and switching groups must still find the right one.
    auditor = Auditor()
    findings: dict[str, list[str]] = {"A": [], "B": []}
    for i in range(10):
        for group, sender in (("A", "1"), ("B", str(100 + i))):
            found = auditor.scan(f"消息{i}", MessageContext(group, sender, 1000.0 + i))
            findings[group] += [f.rule for f in found]
    assert "harassment.flood" in findings["A"]
    assert not [rule for rule in findings["B"] if rule.startswith("harassment.")]
