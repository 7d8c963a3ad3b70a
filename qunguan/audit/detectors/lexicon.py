"""Lexicon detector (词库): porn, violence, vulgar, illegal, political, ad and abuse words.

One Aho–Corasick automaton (pyahocorasick) over the NORMALISED text holds every term of the
shipped lexicons (``qunguan/audit/data/lexicons/<category>.txt``, built by
``scripts/build_lexicons.py``), the deployment's extra lexicons and the allow-list. Matching on
the normalised text undoes the cheap evasions (spaces or dots between characters, traditional
characters, full-width letters); the lexicons carry the common homophone and pinyin variants.

Sanity rules, because the public lists are noisy and work chats are full of official language:

* a match lying inside an allow-listed phrase is dropped (``习近平新时代中国特色社会主义思想``,
  ``反邪教``, ``禁毒宣传`` …);
* an ASCII term (``sb``, ``nmsl``) only matches as a whole word, never inside ``usb`` or a URL;
* of overlapping matches of one category, the longest wins (``操你妈`` over ``操你``);
* each term has a weight in 0..1; the terms of one category found in one message are combined
  by noisy-or, so a weak word alone stays under the policy threshold while several together
  cross it.

File format for deployment lexicons (policy ``[lexicons] extra = [...]``): UTF-8 lines
``term<TAB>category<TAB>weight``; ``#`` starts a comment. Allow-lists (``allow = [...]``) hold
one phrase per line (further tab-separated fields are ignored).
"""

from __future__ import annotations

import heapq
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from qunguan.audit.detectors.base import Detector, Document
from qunguan.audit.finding import Finding, Severity
from qunguan.audit.phrases import (
    Match,
    PhraseSet,
    char_frequencies,
    char_start,
    document_encoded,
    encode,
    encoded_length,
)

if TYPE_CHECKING:
    from typing import Self

    from qunguan.audit.policy import Policy

CATEGORIES: tuple[str, ...] = ("porn", "violence", "vulgar", "illegal", "political", "ad", "abuse")
_CATEGORY_INDEX = {c: i for i, c in enumerate(CATEGORIES)}
_ALLOW = -1

LABELS = {
    "porn": "色情",
    "violence": "暴力恐怖",
    "vulgar": "低俗粗口",
    "illegal": "违法违禁",
    "political": "政治有害",
    "ad": "广告",
    "abuse": "辱骂攻击",
}
SEVERITY = {
    "porn": Severity.HIGH,
    "violence": Severity.HIGH,
    "vulgar": Severity.LOW,
    "illegal": Severity.HIGH,
    "political": Severity.HIGH,
    "ad": Severity.MEDIUM,
    "abuse": Severity.MEDIUM,
}
# Findings below this combined score are not even produced: no sensible policy reports them,
# and producing them costs time on every clean message that contains a weak word.
EMIT_FLOOR = 0.3


class LexiconError(ValueError):
    """A lexicon or allow-list file is malformed; the message names the file and line."""


def normalize_term(term: str) -> str:
    """Return ``term`` as it appears in ``Document.normalized`` (so the automaton can find it)."""
    from qunguan.audit.normalize import normalize

    return normalize(term.strip())[0]


def parse_lexicon(lines: Iterable[str], source: str) -> Iterator[tuple[str, str, float]]:
    """Yield ``(term, category, weight)`` from ``term<TAB>category<TAB>weight`` lines.

    Raises LexiconError naming ``source`` and the line for an unknown category or a bad weight.
    """
    for lineno, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            raise LexiconError(f"{source}:{lineno}: expected term<TAB>category<TAB>weight, got {line!r}")
        term, category, weight_text = (p.strip() for p in parts)
        if category not in _CATEGORY_INDEX:
            raise LexiconError(
                f"{source}:{lineno}: unknown category {category!r} (one of {', '.join(CATEGORIES)})"
            )
        try:
            weight = float(weight_text)
        except ValueError:
            raise LexiconError(f"{source}:{lineno}: weight {weight_text!r} is not a number") from None
        if not 0.0 <= weight <= 1.0:
            raise LexiconError(f"{source}:{lineno}: weight {weight} is outside 0..1")
        if term:
            yield term, category, weight


def parse_allow(lines: Iterable[str]) -> Iterator[str]:
    """Yield the phrases of an allow-list (first tab field of each non-comment line)."""
    for raw in lines:
        phrase = raw.split("\t", 1)[0].strip()
        if phrase and not phrase.startswith("#"):
            yield phrase


LEXICON_DIR = Path(__file__).resolve().parent.parent / "data" / "lexicons"


def _shipped_text(name: str) -> str:
    return (LEXICON_DIR / name).read_text(encoding="utf-8")


def _is_ascii_word(term: str) -> bool:
    return term.isascii() and term.isalnum()


# A term's value in the phrase set: (UTF-8 length, length, category index, weight, ASCII word).
TermValue = tuple[int, int, int, float, bool]


class Lexicon:
    """A compiled lexicon: the term and allow-list phrase sets plus the prefilter anchors."""

    def __init__(self, terms: Iterable[tuple[str, str, float]], allow: Iterable[str]) -> None:
        allowed: dict[str, tuple[int, int]] = {}
        for phrase in allow:
            if phrase:
                allowed[phrase] = (encoded_length(phrase), len(phrase))
        values: dict[str, TermValue] = {}
        words: list[str] = []
        for term, category, weight in terms:
            if len(term) < 2:
                # A single character is never specific enough (党, 杀, 操 …).
                continue
            if term in allowed:
                continue  # the allow-list wins over any lexicon, shipped or extra
            existing = values.get(term)
            if existing is None or existing[3] < weight:
                values[term] = (
                    encoded_length(term),
                    len(term),
                    _CATEGORY_INDEX[category],
                    weight,
                    _is_ascii_word(term),
                )
                if existing is None:
                    words.append(term)
        # Two sets: the terms, searched in every message the prefilter lets through, and the
        # allow-list, searched only in a message where a term was found. Official phrases
        # (会议, 党史学习教育 …) are in most work messages; matching them there for nothing cost
        # more than the term search itself.
        self.phrases: PhraseSet[TermValue] = PhraseSet(values)
        self.allow: PhraseSet[tuple[int, int]] = PhraseSet(allowed)
        self.size = len(values)
        self.anchors = choose_anchors(words, char_frequencies())

    def hits(self, text: str) -> list[tuple[int, int, int, float]]:
        """Return ``(start, end, category index, weight)`` of the lexicon words in normalised ``text``.

        Matches inside allow-listed phrases, ASCII terms inside longer ASCII words and shorter
        matches nested in a longer one of the same category are left out; sorted by position.
        """
        encoded = encode(text)
        return self.hits_in(text, encoded, self.phrases.search(encoded))

    def hits_in(
        self, text: str, encoded: str, matches: list[Match[TermValue]]
    ) -> list[tuple[int, int, int, float]]:
        """Return ``hits(text)`` given ``encoded = encode(text)`` and the term matches in it."""
        if not matches:
            return []
        hits: list[tuple[int, int, int, float]] = []
        same = len(encoded) == len(text)  # pure ASCII: byte offsets are character offsets
        for byte_end, (byte_len, length, cat, weight, ascii_word) in matches:
            byte_start = byte_end - byte_len + 1
            start = byte_start if same else char_start(encoded, byte_start)
            end = start + length
            if ascii_word and (
                (start > 0 and text[start - 1].isascii() and text[start - 1].isalnum())
                or (end < len(text) and text[end].isascii() and text[end].isalnum())
            ):
                continue
            hits.append((start, end, cat, weight))
        if not hits:
            return hits
        allows: list[tuple[int, int]] = []
        for byte_end, (byte_len, length) in self.allow.search(encoded):
            byte_start = byte_end - byte_len + 1
            start = byte_start if same else char_start(encoded, byte_start)
            allows.append((start, start + length))
        if allows:
            hits = [h for h in hits if not any(a <= h[0] and h[1] <= b for a, b in allows)]
        # Longest match first; a shorter match of the same category inside it is the same word.
        hits.sort(key=lambda h: (h[0] - h[1], h[0]))
        kept: list[tuple[int, int, int, float]] = []
        for h in hits:
            if not any(k[2] == h[2] and k[0] <= h[0] and h[1] <= k[1] for k in kept):
                kept.append(h)
        kept.sort()
        return kept

    @classmethod
    def load(cls, extra: Sequence[Path] = (), allow: Sequence[Path] = ()) -> Lexicon:
        """Return the shipped lexicons plus ``extra`` lexicon files and ``allow`` lists.

        Raises LexiconError for a malformed file and OSError for an unreadable one.
        """
        terms: list[tuple[str, str, float]] = []
        for category in CATEGORIES:
            # Shipped terms are stored already normalised by build_lexicons.py.
            terms.extend(parse_lexicon(_shipped_text(f"{category}.txt").split("\n"), f"{category}.txt"))
        for path in extra:
            text = Path(path).read_text(encoding="utf-8")
            terms.extend((normalize_term(t), c, w) for t, c, w in parse_lexicon(text.split("\n"), str(path)))
        phrases = list(parse_allow(_shipped_text("allow.txt").split("\n")))
        for path in allow:
            phrases.extend(
                normalize_term(p) for p in parse_allow(Path(path).read_text(encoding="utf-8").split("\n"))
            )
        return cls(terms, phrases)


def choose_anchors(terms: Iterable[str], freq: dict[str, int]) -> str:
    """Return a set of characters, rare in clean chat, such that every term contains one of them.

    The engine runs the detector only on a message whose raw text holds an anchor (in any
    form normalisation folds into it), so the anchors should be as rare as possible: a weighted
    set cover, solved greedily — the character with the fewest clean-chat occurrences per term
    it newly covers first; digits and white space cost the most (digits are spelled in many
    ways and are in every notice). Then each anchor whose terms all hold another anchor is
    dropped, costliest first.
    """

    def cost(ch: str) -> int:
        return freq.get(ch, 0) + 1 + (1 << 40 if ch.isdigit() or ch.isspace() else 0)

    covers: dict[str, set[int]] = {}
    n_terms = 0
    for i, term in enumerate(terms):
        n_terms += 1
        for ch in set(term):
            covers.setdefault(ch, set()).add(i)
    uncovered = set(range(n_terms))
    heap = [(cost(ch) / len(ids), ch) for ch, ids in covers.items()]
    heapq.heapify(heap)
    chosen: list[str] = []
    while uncovered and heap:
        ratio, ch = heapq.heappop(heap)
        gain = len(covers[ch] & uncovered)
        if not gain:
            continue
        if cost(ch) / gain > ratio:  # its ratio went up since it was queued: queue it again
            heapq.heappush(heap, (cost(ch) / gain, ch))
            continue
        chosen.append(ch)
        uncovered -= covers[ch]
    holding = Counter(i for ch in chosen for i in covers[ch])
    for ch in sorted(chosen, key=lambda c: (-cost(c), c)):
        if all(holding[i] > 1 for i in covers[ch]):
            chosen.remove(ch)
            holding.subtract(covers[ch])
    return "".join(sorted(chosen))


_CACHE: dict[tuple[tuple[str, ...], tuple[str, ...]], Lexicon] = {}
_CACHE_LOCK = threading.Lock()


def cached_lexicon(extra: Sequence[Path] = (), allow: Sequence[Path] = ()) -> Lexicon:
    """Return the compiled lexicon for these files, building it once per process."""
    key = (tuple(str(p) for p in extra), tuple(str(p) for p in allow))
    with _CACHE_LOCK:
        lex = _CACHE.get(key)
        if lex is None:
            lex = _CACHE[key] = Lexicon.load(extra, allow)
        return lex


def mask_term(text: str) -> str:
    """Return a term with all but its first character masked (``傻*``), for evidence."""
    if len(text) <= 1:
        return "*"
    return text[0] + "*" * (len(text) - 1)


class LexiconDetector(Detector):
    """Reports words of the categorised lexicons found in the normalised text."""

    name: ClassVar[str] = "lexicon"
    categories: ClassVar[tuple[str, ...]] = CATEGORIES

    def __init__(self, lexicon: Lexicon | None = None) -> None:
        self.lexicon = lexicon or cached_lexicon()
        # Instance attributes on purpose: they depend on the deployment's extra lexicons. The
        # engine runs ``scan`` only on messages whose raw text contains an anchor and whose
        # normalised text contains a term.
        self.trigger_chars = self.lexicon.anchors  # type: ignore[misc]
        self.phrases = self.lexicon.phrases

    @classmethod
    def from_policy(cls, policy: Policy) -> Self:
        """Return a detector with the policy's ``[lexicons] extra`` / ``allow`` files loaded."""
        return cls(cached_lexicon(policy.lexicon_extra, policy.lexicon_allow))

    def scan(self, doc: Document) -> Iterator[Finding]:
        """Yield one finding per matched term whose category's combined score reaches the floor."""
        text = doc.normalized
        if not text:
            return
        matches = self.lexicon.phrases.matches(doc)
        if not matches:
            return
        kept = self.lexicon.hits_in(text, document_encoded(doc), matches)
        if not kept:
            return
        combined: dict[int, float] = {}
        for _, _, cat, weight in kept:
            combined[cat] = 1.0 - (1.0 - combined.get(cat, 0.0)) * (1.0 - weight)
        for start, end, cat, weight in kept:
            score = combined[cat]
            if score < EMIT_FLOOR:
                continue
            category = CATEGORIES[cat]
            o_start, o_end = doc.to_original(start, end)
            label = LABELS[category]
            yield Finding(
                category=category,
                rule=f"lexicon.{category}",
                severity=SEVERITY[category],
                start=o_start,
                end=o_end,
                evidence=mask_term(doc.text[o_start:o_end]),
                score=round(score, 3),
                explanation=f"命中{label}词库词语“{mask_term(text[start:end])}”（词条权重{weight:.2f}）。",
            )
