"""Model and cue detectors: abuse (辱骂攻击), off-topic chatter (闲聊), rumor, incitement, venting.

* ``AbuseModelDetector``: a character n-gram logistic regression trained on COLD (Apache-2.0,
  ``scripts/train_abuse.py``) with our lexicon indicators as extra features; it reports the
  whole message. The lexicon detector reports the insult words themselves.
* ``OfftopicModelDetector``: chit-chat vs work messages (``scripts/train_offtopic.py``). Off in
  the shipped policy (``[detectors] disabled``): one chatty line is no breach of 2(7), and
  reporting each one flooded the review queue. The burst rule (``conversation.py``) reads the
  same model; a deployment that wants single messages reported switches this detector on.
* ``CueDetector``: rumor (听说/内部消息/转发扩散), incitement (大家一起去…讨说法/罢课/联名) and
  venting (受够了/凭什么/太不公平) by weighted cue phrases, combined by noisy-or, with official
  counter-cues (辟谣, 请勿转发, 严禁) that switch a category off.

Models are loaded once per process from this package (``qunguan/audit/models``); inference is
pure Python over the normalised text, a few microseconds per message.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar

from qunguan.audit.detectors.base import Detector, Document
from qunguan.audit.detectors.lexicon import CATEGORIES as LEXICON_CATEGORIES
from qunguan.audit.detectors.lexicon import (
    Lexicon,
    cached_lexicon,
    char_frequencies,
    choose_anchors,
)
from qunguan.audit.finding import Finding, Severity
from qunguan.audit.models.ngram import GramTable, NgramModel, ngrams, sigmoid
from qunguan.audit.phrases import PhraseSet, char_start, document_encoded, encoded_length

if TYPE_CHECKING:
    from typing import Self

    from qunguan.audit.policy import Policy

_MODELS: dict[str, NgramModel] = {}
_MODELS_LOCK = threading.Lock()


def load_model(name: str) -> NgramModel:
    """Return the shipped model ``name`` ("abuse", "offtopic"), loading it once per process."""
    with _MODELS_LOCK:
        model = _MODELS.get(name)
        if model is None:
            model = _MODELS[name] = NgramModel.load(name)
        return model


_LEXICON_FEATURES = frozenset({"abuse", "vulgar", "porn", "violence"})


def abuse_lexicon_grams(text: str, lexicon: Lexicon | None = None) -> set[str]:
    """Return the lexicon pseudo-features of normalised ``text`` used by the abuse model.

    ``"\\x01abuse"`` etc. when a word of that lexicon occurs, ``"\\x01strong"`` when one of
    them weighs at least 0.8. Training (``scripts/train_abuse.py``) calls this same function.
    """
    lex = lexicon or cached_lexicon()
    return _lexicon_features(lex.hits(text))


def doc_abuse_lexicon_grams(doc: Document, lexicon: Lexicon) -> set[str]:
    """Return ``abuse_lexicon_grams(doc.normalized, lexicon)``, from the engine's phrase pass
    when it made one (the lexicon detector's matches), and without any pass when no term occurs."""
    matches = lexicon.phrases.matches(doc)
    if not matches:
        return set()
    return _lexicon_features(lexicon.hits_in(doc.normalized, document_encoded(doc), matches))


def _lexicon_features(hits: list[tuple[int, int, int, float]]) -> set[str]:
    out: set[str] = set()
    for _, _, cat, weight in hits:
        name = LEXICON_CATEGORIES[cat]
        if name in _LEXICON_FEATURES:
            out.add("\x01" + name)
            if weight >= 0.8:
                out.add("\x01strong")
    return out


# Where ``OfftopicModelDetector.doc_probability`` keeps a document's chatter probability: a
# value of the text alone, which the engine remembers with a cached text (``text_memo``).
OFFTOPIC_MEMO = "_qunguan_offtopic"


def doc_ngrams(doc: Document) -> set[str]:
    """Return the n-grams of ``doc.normalized``, computed once per document.

    The abuse model, the off-topic model and the burst detector all read them; caching them in
    the document's ``__dict__`` (which ``cached_property`` uses too) saves two thirds of the work.
    """
    cache = doc.__dict__
    grams = cache.get("_qunguan_ngrams")
    if grams is None:
        grams = cache["_qunguan_ngrams"] = ngrams(doc.normalized)
    return grams


_TABLES: dict[tuple[int, ...], GramTable] = {}


def shipped_table() -> GramTable:
    """Return the shipped abuse and off-topic models' weights in one table (made once per process).

    Both models read every distinct text a group sends (the burst rule the off-topic one): with
    one table each n-gram of a text is made and looked up once for both.
    """
    models = (load_model("abuse"), load_model("offtopic"))
    key = tuple(map(id, models))
    with _MODELS_LOCK:
        table = _TABLES.get(key)
        if table is None:
            _TABLES.clear()
            table = _TABLES[key] = GramTable(models)
        return table


# Where ``doc_gram_sums`` keeps a document's ``GramTable.sums``.
GRAM_SUMS_MEMO = "_qunguan_gram_sums"


def doc_gram_sums(doc: Document, table: GramTable) -> tuple[tuple[float, int], ...]:
    """Return ``table.sums(doc.normalized)``, computed once per document."""
    cache = doc.__dict__
    sums = cache.get(GRAM_SUMS_MEMO)
    if sums is None:
        sums = cache[GRAM_SUMS_MEMO] = table.sums(doc.normalized)
    return sums


# From this many texts on, scoring them at once is cheaper than one by one (a live message
# from the bot gateway comes alone).
BATCH_SCORING_FROM = 8


def prime_gram_sums(docs: list[Document], table: GramTable) -> None:
    """Store ``doc_gram_sums`` in each of ``docs`` that lacks it, computed for all of them in one
    pass (``GramTable.sums_many``): an import's batch of new texts is scored at once."""
    todo = [doc for doc in docs if GRAM_SUMS_MEMO not in doc.__dict__]
    if len(todo) < BATCH_SCORING_FROM:
        for doc in todo:
            doc.__dict__[GRAM_SUMS_MEMO] = table.sums(doc.normalized)
    else:
        for doc, sums in zip(todo, table.sums_many([doc.normalized for doc in todo]), strict=True):
            doc.__dict__[GRAM_SUMS_MEMO] = sums


def abridge(text: str, limit: int = 12) -> str:
    """Return the head of ``text`` for evidence (whole-message findings), with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit] + "…"


class AbuseModelDetector(Detector):
    """Reports a message the abuse model scores as offensive (category ``abuse``)."""

    name: ClassVar[str] = "abuse_model"
    categories: ClassVar[tuple[str, ...]] = ("abuse",)
    uses_model: ClassVar[bool] = True

    def __init__(self, model: NgramModel | None = None, lexicon: Lexicon | None = None) -> None:
        self.model = model or load_model("abuse")
        self.lexicon = lexicon or cached_lexicon()
        self._p_threshold = sigmoid(self.model.threshold)
        # The shipped model reads its weights from the table it shares with the off-topic one.
        self._table = shipped_table() if model is None else None
        self._column = self._table.column(self.model) if self._table is not None else None

    @classmethod
    def from_policy(cls, policy: Policy) -> Self:
        """Return a detector whose lexicon features include the policy's extra lexicons."""
        return cls(lexicon=cached_lexicon(policy.lexicon_extra, policy.lexicon_allow))

    def prepare_documents(self, docs: list[Document]) -> None:
        """Score the documents about to be scanned at once (the engine's ``Auditor.prepare``)."""
        if self._table is not None and self._column is not None:
            prime_gram_sums(docs, self._table)

    def probability(self, normalized: str, grams: set[str] | None = None) -> float:
        """Return the model's probability that normalised text is offensive."""
        extra = abuse_lexicon_grams(normalized, self.lexicon)
        return sigmoid(self.model.raw_score(normalized, extra, grams))

    def scan(self, doc: Document) -> Iterator[Finding]:
        """Yield one whole-message ``abuse`` finding when the model's probability passes its threshold.

        The score is rescaled so that the model's own threshold maps to 0.5, the policy default.
        """
        text = doc.normalized
        if len(text) < 2:
            return
        extra = doc_abuse_lexicon_grams(doc, self.lexicon)
        table, column = self._table, self._column
        if table is not None and column is not None:
            p = sigmoid(table.raw_score(text, doc_gram_sums(doc, table), column, extra))
        else:
            p = sigmoid(self.model.raw_score(text, extra, doc_ngrams(doc)))
        pt = self._p_threshold
        if p < pt:
            return
        score = 0.5 + 0.5 * (p - pt) / (1.0 - pt)
        yield Finding(
            category="abuse",
            rule="abuse.model",
            severity=Severity.MEDIUM,
            start=0,
            end=len(doc.text),
            evidence=abridge(doc.text),
            score=round(score, 3),
            explanation=f"辱骂攻击模型判定该消息含有攻击性言论（置信度{p:.2f}）。",
        )


class OfftopicModelDetector(Detector):
    """Reports a single clearly chatty message (``offtopic.message``, low severity)."""

    name: ClassVar[str] = "offtopic_model"
    categories: ClassVar[tuple[str, ...]] = ("offtopic",)
    uses_model: ClassVar[bool] = True
    # A probability of chit-chat at which one message alone is reported (score 0.5).
    REPORT_AT: ClassVar[float] = 0.8
    # Shorter messages (好的, 明白, 辛苦了, [图片]) are never reported alone: in a work group
    # they answer a notice, and a model cannot tell from four characters.
    MIN_CHARS: ClassVar[int] = 6

    def __init__(self, model: NgramModel | None = None) -> None:
        self.model = model or load_model("offtopic")
        self._table = shipped_table() if model is None else None
        self._column = self._table.column(self.model) if self._table is not None else None

    def prepare_documents(self, docs: list[Document]) -> None:
        """Score the documents about to be scanned at once (the engine's ``Auditor.prepare``)."""
        if self._table is not None and self._column is not None:
            prime_gram_sums(docs, self._table)

    def probability(self, normalized: str, grams: set[str] | None = None) -> float:
        """Return the probability that normalised text is chit-chat rather than work."""
        if len(normalized) < 2:
            return 0.0  # "1", "好": acknowledgements, never chatter
        return sigmoid(self.model.raw_score(normalized, (), grams))

    def doc_probability(self, doc: Document) -> float:
        """Return ``probability`` for a document, computed once per document (the burst rule reuses it)."""
        cache = doc.__dict__
        p = cache.get(OFFTOPIC_MEMO)
        if p is None:
            text = doc.normalized
            table, column = self._table, self._column
            if len(text) < 2:
                p = 0.0  # as ``probability``
            elif table is not None and column is not None:
                p = sigmoid(table.raw_score(text, doc_gram_sums(doc, table), column))
            else:
                p = self.probability(text, doc_ngrams(doc))
            cache[OFFTOPIC_MEMO] = p
        return p

    def scan(self, doc: Document) -> Iterator[Finding]:
        """Yield an ``offtopic`` finding when the message is chit-chat with high probability."""
        if len(doc.normalized) < self.MIN_CHARS:
            return
        p = self.doc_probability(doc)
        # Linear map: REPORT_AT → 0.5, 1.0 → 0.5 + (1 - REPORT_AT) * 1.25 (= 0.75): one chatty
        # message never outranks a burst (offtopic.burst scores from 0.8 up).
        score = 0.5 + (p - self.REPORT_AT) * 1.25
        if score < 0.3:
            return
        yield Finding(
            category="offtopic",
            rule="offtopic.message",
            severity=Severity.LOW,
            start=0,
            end=len(doc.text),
            evidence=abridge(doc.text),
            score=round(score, 3),
            explanation=f"该消息疑似与工作无关的闲聊（闲聊概率{p:.2f}），工作群请只发工作信息。",
        )


# (phrase, weight) per category. Weights: ≥ 0.5 reports alone; weaker cues need company.
CUES: dict[str, dict[str, float]] = {
    "rumor": {
        "听说": 0.3,
        "据说": 0.3,
        "传言": 0.35,
        "有人说": 0.25,
        "网传": 0.45,
        "爆料": 0.45,
        "知情人": 0.4,
        "内部消息": 0.7,
        "小道消息": 0.65,
        "内部人士": 0.6,
        "内部人士透露": 0.75,
        "据可靠消息": 0.7,
        "可靠消息": 0.55,
        "转发扩散": 0.8,
        "扩散出去": 0.75,
        "紧急扩散": 0.85,
        "求扩散": 0.7,
        "速转": 0.6,
        "赶紧转": 0.65,
        "转给家人": 0.6,
        "转给身边的人": 0.65,
        "不转不是中国人": 0.95,
        "看到请转": 0.7,
        "看完请转发": 0.75,
        "转疯了": 0.6,
        "马上要删": 0.6,
        "快看要删": 0.7,
        "趁还没删": 0.7,
        "删帖前": 0.6,
        "千真万确": 0.4,
        "真实消息": 0.45,
        "刚刚得到消息": 0.55,
        "上面不让说": 0.7,
        "官方不会告诉你": 0.8,
        "央视都不敢播": 0.8,
        "据说要": 0.45,
        "听说要": 0.45,
        "听说学校要": 0.55,
        "据说学校": 0.5,
        "震惊": 0.35,
        "紧急通知转": 0.7,
        "千万不要": 0.2,
        "千万别吃": 0.55,
        "致癌": 0.35,
        "不要再吃": 0.45,
        "朋友圈都在传": 0.65,
        "群里都在传": 0.65,
        "已经证实": 0.35,
        "是真的吗": 0.2,
    },
    "incitement": {
        "大家一起去": 0.6,
        "一起去讨说法": 0.9,
        "讨个说法": 0.6,
        "讨说法": 0.55,
        "集体去": 0.65,
        "集体上访": 0.9,
        "上访": 0.5,
        "罢课": 0.85,
        "罢工": 0.75,
        "罢考": 0.85,
        "联名信": 0.6,
        "联名上书": 0.8,
        "联名抗议": 0.9,
        "签名抗议": 0.85,
        "拉横幅": 0.85,
        "堵校门": 0.9,
        "围堵": 0.75,
        "静坐": 0.7,
        "游行": 0.55,
        "示威": 0.7,
        "闹大": 0.6,
        "把事情闹大": 0.85,
        "闹到": 0.45,
        "人越多越好": 0.75,
        "都来参加": 0.35,
        "一起抵制": 0.75,
        "抵制": 0.4,
        "去校长办公室": 0.6,
        "去教育局": 0.6,
        "去政府": 0.55,
        "冲进": 0.5,
        "不去的是": 0.7,
        "谁不去谁": 0.75,
        "都给我去": 0.6,
        "发到网上曝光": 0.7,
        "曝光他们": 0.65,
        "找媒体": 0.55,
        "集合": 0.2,
        "一起去": 0.25,
        "都去": 0.25,
        "号召大家": 0.6,
        "团结起来": 0.5,
        "维权群": 0.7,
        "拒绝上课": 0.75,
        "全体不去": 0.7,
    },
    "venting": {
        "受够了": 0.65,
        "凭什么": 0.55,
        "太不公平": 0.7,
        "不公平": 0.45,
        "气死我了": 0.6,
        "烦死了": 0.45,
        "破学校": 0.75,
        "垃圾学校": 0.85,
        "什么破": 0.55,
        "黑心": 0.55,
        "压榨": 0.65,
        "欺负人": 0.6,
        "忍无可忍": 0.8,
        "心寒": 0.6,
        "寒心": 0.6,
        "太过分了": 0.6,
        "天天加班": 0.5,
        "白干": 0.55,
        "没人管": 0.45,
        "投诉无门": 0.75,
        "领导根本不管": 0.75,
        "形式主义": 0.5,
        "累死了": 0.4,
        "不想干了": 0.6,
        "憋屈": 0.6,
        "委屈": 0.3,
        "恶心死了": 0.6,
        "无语": 0.3,
        "太恶心": 0.55,
        "坑人": 0.6,
        "坑学生": 0.75,
        "把我们当": 0.45,
        "凭啥": 0.55,
        "真是够了": 0.6,
        "有完没完": 0.6,
        "折腾人": 0.65,
        "瞎折腾": 0.65,
        "什么玩意儿": 0.5,
        "不干了": 0.5,
        "心累": 0.4,
        "吐槽": 0.35,
        "骂娘": 0.7,
    },
}
# Official language that turns a category's cues into the opposite (a refutation or a ban).
COUNTER_CUES: dict[str, tuple[str, ...]] = {
    "rumor": (
        "辟谣",
        "不信谣",
        "不传谣",
        "系谣言",
        "是谣言",
        "请勿转发",
        "不要转发",
        "请勿传播",
        "不要传播",
        "以官方",
        "以学校官方",
        "官方发布",
        "官方通知为准",
        "请勿轻信",
        "不要轻信",
        "谨防谣言",
    ),
    "incitement": (
        "严禁",
        "禁止",
        "不得",
        "请勿",
        "不要参加",
        "不参与",
        "防范",
        "反对",
        "依法依规",
        "合理诉求",
        "正常渠道",
        "理性表达",
    ),
    "venting": (),
}
CUE_LABELS = {"rumor": "不实言论或小道消息", "incitement": "煽动聚集或集体行动", "venting": "发泄不满情绪"}
CUE_SEVERITY = {"rumor": Severity.MEDIUM, "incitement": Severity.HIGH, "venting": Severity.LOW}
CUE_CATEGORIES: tuple[str, ...] = ("rumor", "incitement", "venting")
_PLACE = -1  # the value's category index of a gathering place (门口 …) in CueDetector.phrases
# "大家明天一起去校门口" etc.: a call to gather is a plural subject, a time and a place to go.
_GATHER_PLACE = "门口|广场|办公楼|行政楼|操场|楼下|教育局|政府"
_GATHER = re.compile(
    r"(大家|同学们|所有人|全体).{0,8}(明天|今晚|今天|周[一二三四五六日天]|\d+点).{0,10}(去|到|在).{0,8}"
    f"({_GATHER_PLACE})"
)


class CueDetector(Detector):
    """Reports rumor, incitement and venting by weighted cue phrases over the normalised text."""

    name: ClassVar[str] = "cues"
    categories: ClassVar[tuple[str, ...]] = CUE_CATEGORIES

    def __init__(self) -> None:
        # Cue phrases, plus the places (门口, 广场 …) every _GATHER match ends with: a message
        # containing none of them has no finding, and the engine does not call ``scan`` for it.
        # Counter-cues alone report nothing, so they are a set of their own, searched only in
        # a message with a cue.
        cue_values: dict[str, tuple[int, int, int, float]] = {}
        counter_values: dict[str, int] = {}
        for index, category in enumerate(CUE_CATEGORIES):
            for phrase, weight in CUES[category].items():
                cue_values[phrase] = (encoded_length(phrase), len(phrase), index, weight)
            for phrase in COUNTER_CUES[category]:
                counter_values[phrase] = index
        for place in _GATHER_PLACE.split("|"):
            cue_values.setdefault(place, (0, 0, _PLACE, 0.0))
        self.phrases: PhraseSet[tuple[int, int, int, float]] = PhraseSet(cue_values)
        self.counter_phrases = PhraseSet(counter_values)
        # Every finding holds a cue phrase or a gathering place: their anchors are the prefilter.
        self.trigger_chars = choose_anchors(list(cue_values), char_frequencies())  # type: ignore[misc]

    def scan(self, doc: Document) -> Iterator[Finding]:
        """Yield one finding per cue of a category whose combined score reaches 0.3."""
        matches = self.phrases.matches(doc)
        if not matches:
            return
        text = doc.normalized
        encoded = document_encoded(doc)
        hits: list[tuple[int, int, int, float]] = []
        place = False
        for byte_end, (byte_len, length, index, weight) in matches:
            if index == _PLACE:
                place = True
            else:
                start = char_start(encoded, byte_end - byte_len + 1)
                hits.append((start, start + length, index, weight))
        if not place:
            # Dropping countered and nested cues only lowers a category's score: when even all
            # of them together stay under the reporting floor, nothing can be reported.
            bound: dict[int, float] = {}
            for _, _, index, weight in hits:
                bound[index] = 1.0 - (1.0 - bound.get(index, 0.0)) * (1.0 - weight)
            if max(bound.values(), default=0.0) < 0.3 - 1e-9:  # (margin: float order)
                return
        countered = {index for _, index in self.counter_phrases.search(encoded)}
        if place and 1 not in countered:
            m = _GATHER.search(text)
            if m:
                hits.append((m.start(), m.end(), 1, 0.7))
        if not hits:
            return
        # Longest first: "不转不是中国人" counts once, not also as its shorter parts.
        hits.sort(key=lambda h: (h[0] - h[1], h[0]))
        kept: list[tuple[int, int, int, float]] = []
        for h in hits:
            if h[2] not in countered and not any(
                k[2] == h[2] and k[0] <= h[0] and h[1] <= k[1] for k in kept
            ):
                kept.append(h)
        combined: dict[int, float] = {}
        for _, _, index, weight in kept:
            combined[index] = 1.0 - (1.0 - combined.get(index, 0.0)) * (1.0 - weight)
        kept.sort()
        for start, end, index, weight in kept:
            score = combined[index]
            if score < 0.3:
                continue
            category = CUE_CATEGORIES[index]
            o_start, o_end = doc.to_original(start, end)
            yield Finding(
                category=category,
                rule=f"{category}.cue",
                severity=CUE_SEVERITY[category],
                start=o_start,
                end=o_end,
                evidence=doc.text[o_start:o_end][:20],
                score=round(score, 3),
                explanation=f"消息含有{CUE_LABELS[category]}的典型表述“{text[start:end][:12]}”（线索权重{weight:.2f}）。",
            )
