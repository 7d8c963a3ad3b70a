"""Text normalisation before matching (归一化), with an offset map back to the original.

``normalize(text)`` returns ``(normalized, offsets)`` where ``offsets[i]`` is the index in
``text`` of the character that produced ``normalized[i]``. It undoes the usual evasions:

* NFKC compatibility folding (full-width ``１５９`` → ``159``, circled ①, ligatures …);
* traditional → simplified characters (table built from OpenCC's data, shipped in
  ``data/t2s.txt``);
* lower case;
* zero-width characters, variation selectors and the keycap mark (``1️⃣`` → ``1``) removed;
* Chinese digits (〇一二三四五六七八九零, 壹贰叁…, 幺, 两) → ASCII digits, but only inside a run
  of at least three digit-like characters: "一三八零零一三八零零零" becomes digits while
  "一起", "统一" and "两个" stay words that lexicons can match;
* separators (spaces, dots, dashes, emoji …) removed where they split a number ("138 0013-8000")
  or a Chinese word ("机 密"), but kept elsewhere, so "学号 2021010203 电话" keeps its words apart.

Digits separated by something are merged into one run ("2021010203 13800138000" →
"202101020313800138000"). Detectors that look for numbers inside such runs use
``segment_starts`` to find where the original groups began, so a phone number hidden at the
end of a merged run is still found while a substring of an unbroken order number is not.
"""

from __future__ import annotations

import array
import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache, reduce
from operator import or_
from pathlib import Path

_DATA = Path(__file__).parent / "data"

# Marks a character whose normalised form is not exactly one character (deleted or expanded);
# a text containing it takes the slow, character-by-character path. U+FFFF is a noncharacter.
_SLOW = "\uffff"

# Deleted outright: zero-width space/joiners, word joiner, BOM, soft hyphen, variation
# selectors, the combining enclosing keycap (1️⃣ = "1" U+FE0F U+20E3), tag characters.
_DELETE = frozenset(
    [
        *(0x00AD, 0x034F, 0x180E, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0x2061, 0x2062, 0x2063),
        *(0x2064, 0xFEFF, 0x20E3, 0x20DD, 0x20DE),
        *range(0xFE00, 0xFE10),
        *range(0xE0100, 0xE01F0),
        *range(0xE0000, 0xE0080),
    ]
)

CHINESE_DIGITS = {
    "〇": "0",
    "零": "0",
    "一": "1",
    "幺": "1",
    "壹": "1",
    "二": "2",
    "两": "2",
    "贰": "2",
    "三": "3",
    "叁": "3",
    "四": "4",
    "肆": "4",
    "五": "5",
    "伍": "5",
    "六": "6",
    "陆": "6",
    "七": "7",
    "柒": "7",
    "八": "8",
    "捌": "8",
    "九": "9",
    "玖": "9",
}
# Digit-like characters in a RAW text (before normalisation), as a regex character class for
# the engine's prefilter: Unicode decimal digits (ASCII, full-width, mathematical …), Chinese
# digits, circled and parenthesised digits. Kept to a \d category test plus BMP characters:
# an astral range in the class makes the regex several times slower.
RAW_DIGIT_CLASS = "[\\d" + "".join(CHINESE_DIGITS) + "貳參叄陸兩①-⑨⓪⑴-⑼❶-❾]"
# The members of RAW_DIGIT_CLASS that are not Unicode decimal digits (``\\d``), one by one: the
# engine maps each character its prefilter finds to the detectors it concerns.
RAW_DIGIT_EXTRA = (
    "".join(CHINESE_DIGITS)
    + "貳參叄陸兩"
    + "".join(
        chr(cp) for cp in (*range(0x2460, 0x2469), 0x24EA, *range(0x2474, 0x247D), *range(0x2776, 0x277F))
    )
)

# White space, listed rather than written \\s (the same characters, str.isspace, all in the
# BMP): a category in a class is tested character by character after the bitmap, which made
# every search with such a class twice as slow.
_WHITESPACE = "".join(re.escape(c) for c in map(chr, range(0x3001)) if c.isspace())

# Separators between the digits of one number in a RAW text, for the prefilter's cluster
# regexes: whitespace, dots, dashes, brackets, stars, emoji pieces (VS16, keycap, ZWJ).
RAW_NUMBER_SEP_CLASS = f"[{_WHITESPACE}.\\-_·•*~|()（）—–‐‑\ufe0f\u20e3\u200b-\u200d\u2060\ufeff\u2600-\u27bf\U0001f000-\U0001faff]"


def raw_digit_cluster(n: int, gap: int = 2) -> str:
    """Return a regex finding ``n`` digit-like characters with at most ``gap`` separators between."""
    return f"{RAW_DIGIT_CLASS}(?:{RAW_NUMBER_SEP_CLASS}{{0,{gap}}}{RAW_DIGIT_CLASS}){{{n - 1}}}"


# A maximal chain of digit-like characters with at most three separators between neighbours.
# The separators here leave out ❶-❾, which are digit-like too: counted as digits they only
# shorten the gaps, so the longest chain is the largest raw_digit_cluster(n, 3) that matches.
_DIGIT_CHAIN = re.compile(
    f"{RAW_DIGIT_CLASS}(?:{RAW_NUMBER_SEP_CLASS.replace(chr(0x2600) + '-' + chr(0x27BF), chr(0x2600) + '-' + chr(0x2775) + chr(0x277F) + '-' + chr(0x27BF))}{{0,3}}{RAW_DIGIT_CLASS})*"
)


# Bytes of an ASCII text that are no digit.
_ASCII_NON_DIGITS = bytes(b for b in range(128) if not chr(b).isdigit())
_NON_ASCII_DIGIT_LIKE: re.Pattern[str] | None = None


def non_ascii_digit_class_body() -> str:
    """Return the body of a character class holding every non-ASCII digit-like character.

    A superset: the astral ones as one range (see ``_special_re`` on astral members of a
    class); count what it finds with ``count_digits(text, found)``.
    """
    digit_like = _DIGIT_LIKE_SET or digit_like_chars()
    return (
        "".join(re.escape(c) for c in sorted(digit_like) if 0x80 <= ord(c) < 0x10000)
        + "\U00010000-\U0010ffff"
    )


def count_digits(text: str, found: Iterable[str] | None = None) -> int:
    """Return how many characters of ``text`` match ``RAW_DIGIT_CLASS``.

    The ASCII digits are counted in C (an ASCII-only copy with the other bytes deleted) and
    only the rarer others with a regex: a ``findall`` over RAW_DIGIT_CLASS made one string per
    digit and cost twice as much on a notice full of dates. ``found``, when given, holds what a
    ``findall`` of a class containing ``non_ascii_digit_class_body()`` found in ``text`` (the
    engine's one character pass): the non-ASCII digits are counted from it.
    """
    global _NON_ASCII_DIGIT_LIKE
    n = len(text.encode("ascii", "ignore").translate(None, _ASCII_NON_DIGITS))
    if text.isascii():
        return n
    if found is None:
        if _NON_ASCII_DIGIT_LIKE is None:
            _NON_ASCII_DIGIT_LIKE = re.compile(f"[{non_ascii_digit_class_body()}]")
        found = _NON_ASCII_DIGIT_LIKE.findall(text)
    return n + sum(map((_DIGIT_LIKE_SET or digit_like_chars()).__contains__, found))


def largest_digit_cluster(text: str) -> int:
    """Return the largest ``n`` such that ``raw_digit_cluster(n, 3)`` matches in ``text`` (0: none).

    One pass over the chains of digits instead of one regex per ``n`` that starts again at
    every digit; the engine checks the detectors' ``min_digit_cluster`` with it.
    """
    digit_like = _DIGIT_LIKE_SET or digit_like_chars()
    best = 0
    for chain in _DIGIT_CHAIN.findall(text):
        if len(chain) > best:  # a chain holds no more digits than characters
            n = sum(map(digit_like.__contains__, chain))
            if n > best:
                best = n
    return best


_CJK = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Separators that evasions put between the characters of a number or a word: spaces, dots,
# dashes, stars, emoji and other pictographs. Sentence punctuation (，。、；：,;:) and slashes
# are not in the class: they separate real things ("13:00", "4/15", "你好，我是") and
# dropping them would merge unrelated words and numbers.
_SEP = (
    _WHITESPACE + r"\.\-_·•・‧∙⋅*~|—–―‐‑‒=+#^'\"`"
    r"\u2500-\u257f\u25a0-\u25ff\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff"
)
_DIGIT_LIKE = "0-9" + "".join(CHINESE_DIGITS)
# A run of ≥ 3 digit-like characters, separators allowed between them (only such runs get
# their Chinese digits converted).
_CN_DIGIT_RUN = re.compile(f"[{_DIGIT_LIKE}](?:[{_SEP}]*[{_DIGIT_LIKE}]){{2,}}")
_HAS_CN_DIGIT = re.compile("[" + "".join(CHINESE_DIGITS) + "]")
# The separators an ASCII text can hold (the ASCII members of _SEP).
_ASCII_SEP = re.compile(
    "[" + "".join(re.escape(chr(c)) for c in range(128) if re.match(f"[{_SEP}]", chr(c))) + "]"
)
# Separator runs to drop: between two digits (the second may be the x of an ID number),
# or between two CJK characters — except the stars of a classification mark (机密★一年).
_DROP_SEP = re.compile(
    f"(?<=[0-9])[{_SEP}]+(?=[0-9x])|(?<=[{_CJK}])(?:(?![★☆])[{_SEP}])+(?=[{_CJK}])",
)
_CN_TO_ASCII = str.maketrans(CHINESE_DIGITS)


@lru_cache(maxsize=1)
def t2s_table() -> dict[str, str]:
    """Return the traditional → simplified character table (one character each way)."""
    table: dict[str, str] = {}
    path = _DATA / "t2s.txt"
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if len(line) >= 2 and line[0] != "#":
                table[line[0]] = line[1]
    return table


def _fold(ch: str) -> str:
    """Return the normalised form of one character (may be empty or several characters)."""
    cp = ord(ch)
    if cp in _DELETE:
        return ""
    out = unicodedata.normalize("NFKC", ch) if cp > 0x7F else ch
    t2s = t2s_table()
    out = "".join(t2s.get(c, c) for c in out).lower()
    # NFKC turns some things into spaces or separators we keep; that is fine.
    return out


class _OneToOne(dict[int, str]):
    """A ``str.translate`` table filled on demand: code point → single normalised character.

    Characters whose normal form is not exactly one character map to ``_SLOW`` so that the
    caller falls back to the per-character path that tracks offsets.
    """

    def __missing__(self, cp: int) -> str:
        folded = _fold(chr(cp))
        value = folded if len(folded) == 1 else _SLOW
        self[cp] = value
        return value


_TABLE = _OneToOne()
_FULL: dict[str, str] = {}


def _fold_cached(ch: str) -> str:
    out = _FULL.get(ch)
    if out is None:
        out = _FULL[ch] = _fold(ch)
    return out


# ---- the fast path ----------------------------------------------------------------------
#
# Most chat text is left almost unchanged by normalisation: a Chinese sentence whose only
# foldable characters are full-width punctuation (，：！), no separator between two CJK
# characters, no Chinese digit run. One regex pass finds the characters that can matter
# ("special" ones); their flags say which steps are needed, and each step not needed is
# skipped. A text with no special character at all is returned as is, with identity offsets
# as a ``range`` (no list is built).
_F_CHANGE = 1  # folds to one other character that itself folds to nothing else
_F_SLOW = 2  # folds to zero or several characters, or not idempotently: the slow path
_F_SEP = 4  # its folded form is a separator (``_SEP``)
_F_CN = 8  # its folded form is a Chinese digit
_SEP_CHAR = re.compile(f"[{_SEP}]")


class _Flags(dict[str, int]):
    """Character → its ``_F_*`` flags, filled on demand from ``_fold`` (the one source of truth)."""

    def __missing__(self, ch: str) -> int:
        folded = _fold(ch)
        flags = 0
        if len(folded) != 1 or _fold(folded) != folded:
            # 薴 → 苧 → 苎: replacing characters one by one would depend on the order.
            flags = _F_SLOW
        elif folded != ch:
            flags = _F_CHANGE
        if len(folded) == 1:
            if _SEP_CHAR.match(folded):
                flags |= _F_SEP
            if folded in CHINESE_DIGITS:
                flags |= _F_CN
        self[ch] = flags
        return flags


_FLAGS = _Flags()


def code_points(stop: int) -> str:
    """Return the characters U+0000 … ``stop - 1`` as one string, built in C.

    A join of ``chr()`` over hundreds of thousands of code points takes a tenth of a second.
    """
    codes = array.array("I", range(stop))
    if codes.itemsize != 4:  # pragma: no cover - no mainstream platform
        return "".join(map(chr, range(stop)))
    return codes.tobytes().decode("utf-32-le" if sys.byteorder == "little" else "utf-32-be", "surrogatepass")


_DIGIT_LIKE_SET: frozenset[str] | None = None  # digit_like_chars(), once built


def digit_like_chars() -> frozenset[str]:
    """Return every character ``RAW_DIGIT_CLASS`` matches.

    All lie in planes 0–1 (Unicode puts no decimal digit higher; tests/audit/test_normalize.py
    checks it for the running Python).
    """
    global _DIGIT_LIKE_SET
    if _DIGIT_LIKE_SET is None:
        _DIGIT_LIKE_SET = frozenset(re.findall(RAW_DIGIT_CLASS, code_points(0x20000)))
    return _DIGIT_LIKE_SET


@lru_cache(maxsize=1)
def _foldable() -> frozenset[str]:
    """Return a superset of the characters whose fold differs from themselves.

    Traditional characters, characters with a case or an NFKC mapping, deletable ones. Planes
    3–16 hold none besides the deletable tags and variation selectors (tests/audit/
    test_normalize.py checks it for the running Python's Unicode version); 256-character blocks
    that are NFKC-stable and caseless are skipped whole, so this takes a few milliseconds.
    """
    chars = set(t2s_table()) | {chr(cp) for cp in _DELETE}
    everything = code_points(0x30000)
    for base in range(0, 0x30000, 256):
        block = everything[base : base + 256]
        if unicodedata.is_normalized("NFKC", block) and block.lower() == block:
            continue
        chars.update(c for c in block if c.lower() != c or not unicodedata.is_normalized("NFKC", c))
    return frozenset(chars)


_SPECIAL: re.Pattern[str] | None = None  # _special_re(), once built


@lru_cache(maxsize=1)
def special_class_body() -> str:
    """Return the body of one character class holding every character that normalisation may
    change (see ``normalize``'s ``special``).

    A superset (a character in it merely gets its flags looked up): every BMP character that
    may fold (``_foldable``), the separators, the Chinese digits, and all astral characters
    (emoji are separators anyway; the few foldable ones are looked up).
    """
    # Astral characters are covered by the one range at the end: sre keeps a non-BMP literal
    # out of its bitmap and tests it one by one, so listing the 354 astral traditional
    # characters made every search 30x slower. Surrogates cannot be written in a pattern (a
    # lone one folds to itself anyway).
    # The common full-width punctuation is left out: ``normalize`` replaces it before it looks
    # at the special characters (see _PUNCTUATION).
    punctuation = {wide for wide, _ in _PUNCTUATION}
    body = "".join(
        re.escape(c)
        for c in sorted(_foldable() - punctuation)
        if ord(c) < 0xD800 or 0xE000 <= ord(c) < 0x10000
    )
    return f"{body}{_SEP}{''.join(CHINESE_DIGITS)}\U00010000-\U0010ffff"


def _special_re() -> re.Pattern[str]:
    global _SPECIAL
    if _SPECIAL is None:
        _SPECIAL = re.compile(f"[{special_class_body()}]")
    return _SPECIAL


@lru_cache(maxsize=1)
def _sources() -> dict[str, frozenset[str]]:
    sources: dict[str, set[str]] = {}
    for ch in _foldable():
        for out in set(_fold(ch)):
            if out != ch:
                sources.setdefault(out, set()).add(ch)
    # A Chinese digit in a run of digits becomes an ASCII digit, and so does whatever folds
    # into a Chinese digit (貳 → 贰 → 2, ㊀ → 一 → 1).
    for cn, digit in CHINESE_DIGITS.items():
        sources.setdefault(digit, set()).update({cn, *sources.get(cn, ())})
    return {ch: frozenset(srcs) for ch, srcs in sources.items()}


def fold_sources(ch: str) -> frozenset[str]:
    """Return the characters of a raw text that normalisation can turn into ``ch`` (or into a
    string containing it), ``ch`` itself excepted.

    A prefilter on the raw text that looks for a normalised character must look for these too:
    ``fold_sources("1")`` holds １, 𝟏, ①, 一, 幺, 壹 …
    """
    return _sources().get(ch, frozenset())


def _is_cjk(ch: str) -> bool:
    return (
        "\u4e00" <= ch <= "\u9fff"
        or "\u3400" <= ch <= "\u4dbf"
        or "\uf900" <= ch <= "\ufaff"
        or ch == "\u3007"
    )


# One class then a repeat of it, not "[...]+": sre skips ahead to a pattern's first character only
# when the pattern starts with a plain class; a repeat first made it try every position.
_SEP_RUN = re.compile(f"[{_SEP}][{_SEP}]*")
_DIGITS = frozenset("0123456789")
_DIGITS_X = frozenset("0123456789x")


def _drop_separators(folded: str) -> tuple[str, Sequence[int]]:
    """Return ``folded`` without the separator runs ``_DROP_SEP`` matches, and the offsets.

    Same result as ``_DROP_SEP.finditer`` but searched from the separators: the lookbehinds
    of ``_DROP_SEP`` keep the regex engine from skipping ahead, so it tries every position.
    A maximal separator run is dropped when it lies between a digit and a digit (or the x of
    an ID number), or between two CJK characters and contains no ★/☆.
    """
    parts: list[str] = []
    offsets: list[int] = []
    pos = 0
    last = len(folded)
    for m in _SEP_RUN.finditer(folded):
        s, e = m.span()
        if s == 0 or e == last:
            continue
        before, after = folded[s - 1], folded[e]
        if (before in _DIGITS and after in _DIGITS_X) or (
            _is_cjk(before) and _is_cjk(after) and "★" not in m.group() and "☆" not in m.group()
        ):
            parts.append(folded[pos:s])
            offsets.extend(range(pos, s))
            pos = e
    if not parts:
        return folded, range(len(folded))
    parts.append(folded[pos:])
    offsets.extend(range(pos, last))
    return "".join(parts), offsets


# The full-width punctuation of nearly every Chinese sentence. Each folds to one ASCII
# character that folds to itself and is neither a separator nor a digit, so replacing them
# first, with a C scan each, changes nothing else — and keeps them out of the regex pass that
# finds the special characters, where a match costs several times a scan (measured: a tenth
# of the engine's instructions on the benchmark corpus). tests/audit/test_normalize.py checks
# the claim.
_PUNCTUATION = tuple((wide, unicodedata.normalize("NFKC", wide)) for wide in "，：！？（）；")


def normalize(text: str, special: list[str] | None = None) -> tuple[str, Sequence[int]]:
    """Return ``(normalized_text, offsets)``; ``offsets[i]`` indexes the original ``text``.

    ``offsets`` is a ``range`` when the map is the identity and a list otherwise. Gives
    exactly what ``normalize_reference`` gives (tests/audit/test_normalize.py checks it), only
    faster. ``special``, when given, is what a ``findall`` of a class containing
    ``special_class_body()`` found in ``text`` (the engine's one character pass), and saves
    normalisation its own pass. Never raises for any ``str`` (lone surrogates and control
    characters pass through).
    """
    if text.isascii():
        folded = text.lower()
        if _ASCII_SEP.search(folded) is None:
            return folded, range(len(folded))
        return _drop_separators(folded)
    folded = text
    for wide, narrow in _PUNCTUATION:
        if wide in folded:
            folded = folded.replace(wide, narrow)
    # The punctuation just replaced is no special character; in ``special`` it changes nothing.
    found = special if special is not None else (_SPECIAL or _special_re()).findall(folded)
    if not found:
        return folded, range(len(folded))
    flags = reduce(or_, map(_FLAGS.__getitem__, found))  # in C, no Python loop
    if flags & _F_SLOW:
        return normalize_reference(text)
    if flags & _F_CHANGE:
        # One-to-one folds of characters whose targets fold to themselves: order-free, and
        # str.replace per distinct character beats str.translate's per-character lookups.
        for ch in set(found):
            if _FLAGS[ch] & _F_CHANGE:
                folded = folded.replace(ch, _TABLE[ord(ch)])
    if flags & _F_CN and _cn_digit_beside_digit(folded, found):
        folded = _CN_DIGIT_RUN.sub(_digits_only_if_cn, folded)
    if flags & _F_SEP:
        return _drop_separators(folded)
    return folded, range(len(folded))


_RUN_DIGITS = frozenset("0123456789" + "".join(CHINESE_DIGITS))  # what _CN_DIGIT_RUN joins


def _cn_digit_beside_digit(folded: str, found: list[str]) -> bool:
    """Return whether a Chinese digit of ``folded`` has a digit next to it (separators allowed
    between): a Chinese digit in a run of three has one. ``found`` lists the special characters
    of the text: the Chinese digits, and the characters that fold into one (貳 → 贰).

    Most Chinese digits stand alone (第二, 四楼, 统一): a look at their neighbours avoids trying
    the run regex at every digit of a text full of dates and times.
    """
    is_sep = _SEP_CHAR.match
    last = len(folded)
    digits = {_TABLE[ord(c)] if _FLAGS[c] & _F_CHANGE else c for c in set(found) if _FLAGS[c] & _F_CN}
    for cn in digits:
        i = folded.find(cn)
        while i >= 0:
            j = i + 1
            while j < last and is_sep(folded, j):
                j += 1
            if j < last and folded[j] in _RUN_DIGITS:
                return True
            j = i - 1
            while j >= 0 and is_sep(folded, j):
                j -= 1
            if j >= 0 and folded[j] in _RUN_DIGITS:
                return True
            i = folded.find(cn, i + 1)
    return False


def normalize_reference(text: str) -> tuple[str, list[int]]:
    """Return what ``normalize`` returns, computed the straightforward way (offsets a list).

    The definition the fast path is tested against, and the path for texts with characters
    that expand or vanish (ligatures, circled numbers, keycaps, zero-width characters).
    """
    if text.isascii():
        folded = text.lower()
        offsets: list[int] | None = None
    else:
        folded = text.translate(_TABLE)
        offsets = None
        if _SLOW in folded:
            chars: list[str] = []
            offs: list[int] = []
            for i, ch in enumerate(text):
                out = _fold_cached(ch)
                if out:
                    chars.append(out)
                    offs.extend([i] * len(out))
            folded = "".join(chars)
            offsets = offs
    # Chinese digits inside digit runs → ASCII (one character each: offsets unchanged).
    if not folded.isascii() and _HAS_CN_DIGIT.search(folded):
        folded = _CN_DIGIT_RUN.sub(_digits_only_if_cn, folded)
    # Drop separators that split numbers and words.
    if _DROP_SEP.search(folded) is None:
        return folded, offsets if offsets is not None else list(range(len(folded)))
    if offsets is None:
        offsets = list(range(len(folded)))
    parts: list[str] = []
    new_offsets: list[int] = []
    pos = 0
    for m in _DROP_SEP.finditer(folded):
        parts.append(folded[pos : m.start()])
        new_offsets.extend(offsets[pos : m.start()])
        pos = m.end()
    parts.append(folded[pos:])
    new_offsets.extend(offsets[pos:])
    return "".join(parts), new_offsets


def _digits_only_if_cn(m: re.Match[str]) -> str:
    return m.group(0).translate(_CN_TO_ASCII)


def segment_starts(offsets: Sequence[int], start: int, end: int) -> set[int]:
    """Return the normalised indices in ``[start, end]`` where an original group began.

    An index ``i`` is a segment start when something was removed just before it (a
    separator, an emoji, a keycap mark), i.e. ``offsets[i] > offsets[i - 1] + 1``; ``start``
    and ``end`` are always included. Detectors accept a number found inside a longer digit
    run only if it begins and ends on such boundaries.
    """
    starts = {start, end}
    if isinstance(offsets, range):
        return starts  # nothing was removed anywhere
    for i in range(start + 1, min(end, len(offsets))):
        if offsets[i] != offsets[i - 1] + 1:
            starts.add(i)
    return starts
