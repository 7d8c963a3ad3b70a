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

import re
import unicodedata
from functools import lru_cache
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

# Separators between the digits of one number in a RAW text, for the prefilter's cluster
# regexes: whitespace, dots, dashes, brackets, stars, emoji pieces (VS16, keycap, ZWJ).
RAW_NUMBER_SEP_CLASS = (
    "[\\s.\\-_·•*~|()（）—–‐‑\ufe0f\u20e3\u200b-\u200d\u2060\ufeff\u3000\u2600-\u27bf\U0001f000-\U0001faff]"
)


def raw_digit_cluster(n: int, gap: int = 2) -> str:
    """Return a regex finding ``n`` digit-like characters with at most ``gap`` separators between."""
    return f"{RAW_DIGIT_CLASS}(?:{RAW_NUMBER_SEP_CLASS}{{0,{gap}}}{RAW_DIGIT_CLASS}){{{n - 1}}}"


_CJK = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Separators that evasions put between the characters of a number or a word: spaces, dots,
# dashes, stars, emoji and other pictographs. Sentence punctuation (，。、；：,;:) and slashes
# are not in the class: they separate real things ("13:00", "4/15", "你好，我是") and
# dropping them would merge unrelated words and numbers.
_SEP = (
    r"\s\.\-_·•・‧∙⋅*~|—–―‐‑‒=+#^'\"`"
    r"\u2500-\u257f\u25a0-\u25ff\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff"
)
_DIGIT_LIKE = "0-9" + "".join(CHINESE_DIGITS)
# A run of ≥ 3 digit-like characters, separators allowed between them (only such runs get
# their Chinese digits converted).
_CN_DIGIT_RUN = re.compile(f"[{_DIGIT_LIKE}](?:[{_SEP}]*[{_DIGIT_LIKE}]){{2,}}")
_HAS_CN_DIGIT = re.compile("[" + "".join(CHINESE_DIGITS) + "]")
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


def normalize(text: str) -> tuple[str, list[int]]:
    """Return ``(normalized_text, offsets)``; ``offsets[i]`` indexes the original ``text``.

    Never raises for any ``str`` (lone surrogates and control characters pass through).
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


def segment_starts(offsets: list[int], start: int, end: int) -> set[int]:
    """Return the normalised indices in ``[start, end]`` where an original group began.

    An index ``i`` is a segment start when something was removed just before it (a
    separator, an emoji, a keycap mark), i.e. ``offsets[i] > offsets[i - 1] + 1``; ``start``
    and ``end`` are always included. Detectors accept a number found inside a longer digit
    run only if it begins and ends on such boundaries.
    """
    starts = {start, end}
    for i in range(start + 1, min(end, len(offsets))):
        if offsets[i] != offsets[i - 1] + 1:
            starts.add(i)
    return starts
