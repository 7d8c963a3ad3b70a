"""Scoring a batch at once: an import's new texts are normalised and scored by the n-gram models
in one pass before they are scanned one by one, and every result stays what it was."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from qunguan.audit import Auditor, Finding, MessageContext
from qunguan.audit import normalize as normalize_module
from qunguan.audit.corpus import generate
from qunguan.audit.detectors.base import Document
from qunguan.audit.detectors.classifier import (
    BATCH_SCORING_FROM,
    GRAM_SUMS_MEMO,
    prime_gram_sums,
    shipped_table,
)
from qunguan.audit.models.ngram import MAX_CHARS, GramTable, NgramModel, PackedKeyIndex, pack_gram
from qunguan.audit.normalize import normalize

# Where packing or the per-text bounds could go wrong: empty, one and two characters, NUL,
# lone surrogates, astral characters (21 bits), a text longer than the models read.
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
    "\U0010ffff\U0010ffff\U0010ffff",
    "🙂🙂🙂哈哈哈",
    "傻逼" * 300,
    "你" + "好" * (MAX_CHARS + 50),
]


def _texts() -> list[str]:
    corpus = list(dict.fromkeys(generate(600, seed=20240902)))
    return [normalize(t)[0] for t in corpus] + EDGE_TEXTS


def _same(many: tuple[tuple[float, int], ...], one: tuple[tuple[float, int], ...]) -> bool:
    # Same n-grams and counts; each sum may be taken in another order (GramTable's docstring).
    return all(
        c1 == c2 and math.isclose(s1, s2, rel_tol=1e-12, abs_tol=1e-12)
        for (s1, c1), (s2, c2) in zip(many, one, strict=True)
    )


def test_sums_of_many_texts_at_once_are_the_sums_of_each_text() -> None:
    table = shipped_table()
    texts = _texts()
    many = table.sums_many(texts)
    assert len(many) == len(texts)
    for text, got in zip(texts, many, strict=True):
        assert _same(got, table.sums(text)), text


def test_sums_of_a_text_do_not_depend_on_its_neighbours_in_the_batch() -> None:
    table = shipped_table()
    texts = _texts()
    alone = [table.sums_many([t])[0] for t in texts[:: len(texts) // 40] + EDGE_TEXTS]
    shuffled = texts[:: len(texts) // 40] + EDGE_TEXTS
    order = list(range(len(shuffled)))
    random.Random(3).shuffle(order)
    together = table.sums_many([shuffled[i] for i in order])
    for position, i in enumerate(order):
        assert together[position] == alone[i], shuffled[i]


def test_an_empty_batch_and_an_empty_table_score_nothing() -> None:
    assert shipped_table().sums_many([]) == []
    empty = GramTable([NgramModel("empty", {}, 0.5, 0.0)])
    assert empty.sums_many(["好的", ""]) == [((0.0, 0),), ((0.0, 0),)]


def test_a_repeated_ngram_counts_once_per_text() -> None:
    model = NgramModel("toy", {"好": 1.0, "好好": 2.0, "好好好": 4.0, "的": 8.0}, 0.0, 0.0)
    table = GramTable([model])
    assert table.sums_many(["好好好好", "的", "好的好的"]) == [
        ((7.0, 3),),
        ((8.0, 1),),
        ((9.0, 2),),
    ]


@pytest.mark.parametrize(
    ("gram", "key"),
    [
        ("a", 98 << 42),
        ("ab", 98 << 42 | 99 << 21),
        ("abc", 98 << 42 | 99 << 21 | 100),
        ("\x00", 1 << 42),
        ("\U0010ffff" * 3, 0x110000 << 42 | 0x110000 << 21 | 0x110000),
    ],
)
def test_an_ngram_packs_into_one_key_below_two_to_the_63(gram: str, key: int) -> None:
    assert pack_gram(gram) == key
    assert key < 1 << 63


def _packed_keys(count: int, seed: int) -> np.ndarray:
    rng = random.Random(seed)
    grams = {"".join(chr(rng.randrange(1, 0x3000)) for _ in range(rng.randint(1, 3))) for _ in range(count)}
    return np.array(sorted(pack_gram(g) for g in grams), dtype=np.uint64)


@pytest.mark.parametrize("count", [1, 5, 40, 5000])
def test_the_key_index_finds_what_a_search_of_the_sorted_keys_finds(count: int) -> None:
    keys = _packed_keys(count, seed=count)
    others = _packed_keys(3 * count, seed=count + 1)
    grams = np.concatenate((keys, others, keys[::-1], others[: count // 2]))
    known, positions = PackedKeyIndex(keys).find(grams)
    slot = np.minimum(np.searchsorted(keys, grams), len(keys) - 1)
    expected = keys[slot] == grams
    assert known.tolist() == expected.tolist()
    assert positions.tolist() == slot[expected].tolist()


def test_keys_that_share_a_home_are_all_found_past_each_other() -> None:
    keys = _packed_keys(4000, seed=7)
    index = PackedKeyIndex(keys)
    homes = index._home(keys)
    # The keys of the most crowded home: each but the first was pushed on by the others.
    home = np.bincount(homes.astype(np.int64)).argmax()
    crowded = keys[homes == home]
    assert len(crowded) >= 3
    known, positions = index.find(crowded[::-1])
    assert known.all()
    assert keys[positions].tolist() == crowded[::-1].tolist()


@pytest.mark.parametrize("size", [1, BATCH_SCORING_FROM - 1, BATCH_SCORING_FROM, 40])
def test_priming_stores_the_sums_a_document_would_compute(size: int) -> None:
    table = shipped_table()
    texts = ["今晚一起去吃火锅吧", "请各位老师于周五前提交材料", "好", "傻逼"]
    docs = [Document(texts[i % 4] + str(i)) for i in range(size)]
    prime_gram_sums(docs, table)
    for doc in docs:
        assert _same(doc.__dict__[GRAM_SUMS_MEMO], table.sums(doc.normalized))


def _stream(n: int) -> list[tuple[str, MessageContext]]:
    rng = random.Random(11)
    texts = list(generate(n, seed=5))
    chat = ["哈哈哈笑死我了", "今晚吃什么好呢", "周末去看电影吗", "这个视频太搞笑了"]
    out = []
    t = 1_700_000_000.0
    for i, text in enumerate(texts):
        t += rng.randrange(1, 40)
        if i % 50 < 8:  # runs of chatter: bursts to report
            text = chat[i % 4]
        out.append((text, MessageContext(f"g{i % 3}", f"u{rng.randrange(6)}", t)))
    return out


def _scan_all(auditor: Auditor, stream: list[tuple[str, MessageContext]], batch: int) -> list[list[Finding]]:
    found = []
    for start in range(0, len(stream), batch or len(stream)):
        part = stream[start : start + batch] if batch else stream
        if batch:
            auditor.prepare((text, ctx.group) for text, ctx in part)
        found.extend(auditor.scan(text, ctx) for text, ctx in part)
    return found


@pytest.mark.parametrize("cache_size", [16_384, 7, 0])
def test_a_prepared_batch_gets_exactly_the_findings_of_scans_one_by_one(cache_size: int) -> None:
    stream = _stream(900)
    one_by_one = _scan_all(Auditor(cache_size=cache_size), stream, 0)
    prepared = _scan_all(Auditor(cache_size=cache_size), stream, 300)
    assert prepared == one_by_one
    assert any(f.rule == "offtopic.burst" for found in one_by_one for f in found)
    assert any(f.rule == "abuse.model" for found in one_by_one for f in found)


def test_a_prepared_text_is_normalised_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = normalize_module.normalize

    def counting(text: str, special: list[str] | None = None) -> tuple[str, object]:
        calls.append(text)
        return real(text, special)

    monkeypatch.setattr(normalize_module, "normalize", counting)
    auditor = Auditor()
    notice = "请各位老师于2024年9月6日前将课程材料提交至教务处302室，联系电话见群公告。"
    ctx = MessageContext("g", "u1", 1_700_000_000.0)
    auditor.prepare([(notice, "g"), ("哈哈哈笑死我了", "g")])
    assert calls.count(notice) == 1
    auditor.scan(notice, ctx)
    auditor.scan("哈哈哈笑死我了", ctx._replace(timestamp=1_700_000_010.0))
    assert calls.count(notice) == 1
    assert calls.count("哈哈哈笑死我了") == 1


def test_a_text_the_cache_answers_is_not_prepared_again() -> None:
    auditor = Auditor()
    ctx = MessageContext("g", "u1", 1_700_000_000.0)
    auditor.scan("收到", ctx)
    auditor.prepare([("收到", "g"), ("收到", "g"), ("好的，马上到", "g")])
    assert list(auditor._prepared) == ["好的，马上到"]
