"""The phrase prefilter (短语预筛): can any phrase occur in a message, decided on its RAW text.

Most messages — notices full of dates, meeting numbers and ordinary official words — contain
none of the lexicon's, cues' or links' phrases, yet finding that out the exact way costs a
normalisation (with its offset map) and a pass over the normalised text. This module decides it
more cheaply, never wrongly in the direction that matters: when it says "no", no phrase occurs
in ``normalize(text)``; when it says "yes", the engine does the exact pass.

The idea is a *skeleton*: the map S that deletes every separator and turns every Chinese digit
into its ASCII digit, applied after folding. Normalisation folds each character (``_fold``),
turns SOME Chinese digits into ASCII digits (those in runs) and drops SOME separators; S turns
ALL of them and drops ALL of them, and touches nothing else. So S(normalize(text)) equals
S(fold(text)), and since S works character by character, a phrase P in ``normalize(text)``
gives S(P) in S(fold(text)). One automaton of the phrases' skeletons over S(fold(text)) is the
test, and S(fold(text)) is cheap to build: only the few characters of a text that fold, separate
or are Chinese digits differ from it (the engine's one character pass has found them already),
and each is replaced with one ``str.replace``. A character whose fold and skeleton leave no
character a phrase's skeleton holds may even stay as it is (the full-width comma: no phrase
holds a comma).

tests/audit/test_skeleton.py checks the claim on generated and hand-picked texts.
"""

from __future__ import annotations

from collections.abc import Iterable

from qunguan.audit.normalize import _PUNCTUATION, _SEP_CHAR, CHINESE_DIGITS, _fold, fold_sources
from qunguan.audit.phrases import _automaton, encode

# What a character of a raw text becomes in the skeleton, when it must be replaced: a string,
# or _UNSURE when replacing it one character at a time could be wrong (its skeleton holds a
# character that itself changes: 薴 folds to 苧, which folds to 苎). None: keep it as it is.
_UNSURE = "\uffff"


def skeleton_of_normalized(text: str) -> str:
    """Return S(``text``) for a normalised text: separators deleted, Chinese digits as ASCII."""
    return "".join("" if _SEP_CHAR.match(c) else CHINESE_DIGITS.get(c, c) for c in text)


def _skeleton_of_raw(ch: str) -> str:
    """Return S(fold(``ch``)) for one character of a raw text."""
    return skeleton_of_normalized(_fold(ch))


class PhraseSkeleton:
    """The skeletons of a set of phrases, with the one test ``may_match``.

    A phrase made of separators only (the links' ".") has an empty skeleton, which would match
    everywhere: such a phrase is tested by its first character instead, which the raw text must
    hold in some form that folds into it (``normalize.fold_sources``).
    """

    def __init__(self, skeletons: Iterable[str], separator_phrases: Iterable[str] = ()) -> None:
        skeletons = set(skeletons)
        # Raw characters whose presence may put a separator-only phrase into the normalised text.
        firsts = {p[0] for p in separator_phrases}
        self._separator_sources = frozenset(firsts).union(*(fold_sources(c) for c in firsts))
        self._separator_ascii = tuple(c for c in self._separator_sources if c.isascii())
        self._automaton = _automaton((encode(s), True) for s in skeletons)
        self._iter = self._automaton.iter
        # Every character some phrase's skeleton holds.
        self.alphabet = frozenset(c for s in skeletons for c in s)
        self._replace: dict[str, str | None] = {}
        # The common full-width punctuation is not in the engine's character pass (see
        # normalize._PUNCTUATION): replaced here only when a phrase's skeleton could hold it.
        self._punctuation = tuple(
            (wide, narrow)
            for wide, narrow in _PUNCTUATION
            if wide in self.alphabet or narrow in self.alphabet
        )
        ascii_table: dict[int, str | None] = {}
        for cp in range(128):
            out = _skeleton_of_raw(chr(cp))
            if out != chr(cp):
                ascii_table[cp] = out or None
        self._ascii = ascii_table

    @classmethod
    def build(cls, phrases: Iterable[str]) -> PhraseSkeleton:
        """Return the prefilter of ``phrases`` (normalised, none empty)."""
        skeletons: set[str] = set()
        separator_phrases: set[str] = set()
        for phrase in phrases:
            skeleton = skeleton_of_normalized(phrase)
            if skeleton:
                skeletons.add(skeleton)
            elif phrase:
                separator_phrases.add(phrase)
        return cls(skeletons, separator_phrases)

    def _replacement(self, ch: str) -> str | None:
        out = self._replace.get(ch, _UNSURE)
        if out is not _UNSURE or ch in self._replace:
            return out
        skel = _skeleton_of_raw(ch)
        value: str | None
        if skel == ch:
            value = None
        elif len(skel) == 1 and skel not in self.alphabet and ch not in self.alphabet:
            value = None  # no phrase can match where it stands, either way
        elif any(_skeleton_of_raw(c) != c for c in skel):
            value = _UNSURE
        else:
            value = skel
        if len(self._replace) < 65_536:  # bounded whatever the texts
            self._replace[ch] = value
        return value

    def may_match(self, text: str, special: Iterable[str]) -> bool:
        """Return False only if no phrase occurs in ``normalize(text)``.

        ``special`` holds every character of ``text`` that normalisation may change (what a
        ``findall`` of a class containing ``normalize.special_class_body()`` found: the
        engine's one character pass); other characters may be in it too.
        """
        if text.isascii():
            for c in self._separator_ascii:
                if c in text:
                    return True
            skel = text.translate(self._ascii)
        else:
            distinct = set(special)
            if not self._separator_sources.isdisjoint(distinct):
                return True
            skel = text
            for wide, narrow in self._punctuation:
                if wide in skel:
                    skel = skel.replace(wide, narrow)
            replace = self._replace
            for ch in distinct:
                out = replace[ch] if ch in replace else self._replacement(ch)
                if out is not None:
                    if out is _UNSURE:
                        return True
                    skel = skel.replace(ch, out)
        for _ in self._iter(encode(skel)):
            return True
        return False
