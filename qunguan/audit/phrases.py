"""Phrase sets: the literal strings detectors look for in the normalised text, found in ONE pass.

The lexicon (thousands of terms), the cue detector (rumor, incitement and venting phrases) and
the link detector (lure and pitch words) each look for literal strings in ``Document.normalized``.
Each owns a ``PhraseSet`` and can search it alone (``PhraseSet.matches``); the engine merges the
sets of the detectors it runs into one ``PhraseIndex``, searches a message once, hands each
detector its share and does not call a detector whose set found nothing. A detector whose
findings all need one of its phrases says so by giving a ``phrases`` set to the engine
(``Detector.phrases``).

Matching runs over the UTF-8 bytes of the text, one latin-1 character per byte. Why:
pyahocorasick looks a character up among a node's children linearly, and the root of a Chinese
lexicon has a thousand children, so matching over characters costs ~300 ns per character. Over
UTF-8 bytes the root has a few dozen children and a scan is 2–3x faster. A lead byte never
equals a continuation byte, so every match starts on a character. ``char_start`` turns a byte
position back into a character index.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import ahocorasick

if TYPE_CHECKING:
    from qunguan.audit.detectors.base import Document

V = TypeVar("V")

# A match: (index of the match's LAST byte in the encoded text, the phrase's value).
Match = tuple[int, V]

_ENCODED = "_qunguan_utf8"  # Document.__dict__ keys of the per-message caches
_MATCHES = "_qunguan_phrases"


def encode(text: str) -> str:
    """Return the UTF-8 bytes of ``text`` as a latin-1 string (one character per byte)."""
    return text.encode("utf-8", "surrogatepass").decode("latin-1")


def decode(encoded: str) -> str:
    """Return the text whose ``encode`` is ``encoded``."""
    return encoded.encode("latin-1").decode("utf-8", "surrogatepass")


def encoded_length(text: str) -> int:
    """Return how many UTF-8 bytes ``text`` takes."""
    return len(text.encode("utf-8", "surrogatepass"))


def char_start(encoded: str, byte_start: int) -> int:
    """Return the character index of the character starting at ``byte_start`` of ``encoded``."""
    return len(encoded[:byte_start].encode("latin-1").decode("utf-8", "surrogatepass"))


def document_encoded(doc: Document) -> str:
    """Return ``encode(doc.normalized)``, computed once per document."""
    cache = doc.__dict__
    encoded: str | None = cache.get(_ENCODED)
    if encoded is None:
        encoded = cache[_ENCODED] = encode(doc.normalized)
    return encoded


_CHARFREQ = Path(__file__).resolve().parent / "data" / "lexicons" / "charfreq.txt"


@lru_cache(maxsize=1)
def _frequencies() -> dict[str, int]:
    freq: dict[str, int] = {}
    for line in _CHARFREQ.read_text(encoding="utf-8").split("\n"):
        char, _, count = line.partition("\t")
        if len(char) == 1 and count.isdigit():
            freq[char] = int(count)
    return freq


def char_frequencies() -> dict[str, int]:
    """Return how often each character occurs in clean chat (shipped ``charfreq.txt``)."""
    return dict(_frequencies())


def _automaton(keys: Iterable[tuple[str, object]]) -> ahocorasick.Automaton:
    """Return an automaton of the (encoded) keys, inserted in an order that makes it fast.

    pyahocorasick looks a byte up among a node's children linearly, in the order they were
    added. Keys starting with a CJK character go in first (so a root lookup of a CJK lead byte
    does not walk past the ASCII letters and digits), the most frequent characters in chat
    first (so the common continuation bytes are found early): a fifth fewer instructions per
    byte than the file order.
    """
    freq = _frequencies()

    def order(item: tuple[str, object]) -> tuple[bool, int]:
        first = item[0][:4].encode("latin-1").decode("utf-8", "ignore")[:1]
        return (item[0] < "\x80", -freq.get(first, 0))

    automaton = ahocorasick.Automaton()
    for key, value in sorted(keys, key=order):
        automaton.add_word(key, value)
    if len(automaton) == 0:
        # An empty automaton cannot be built; NUL NUL never occurs in a chat message.
        automaton.add_word("\x00\x00", None)
    automaton.make_automaton()
    return automaton


class PhraseSet(Generic[V]):
    """Literal phrases, each with a value, searched in normalised text.

    ``phrases`` maps each phrase (as it appears in ``Document.normalized``) to its value; a
    phrase may not be empty. Values must not be ``None`` (reserved for the empty placeholder).
    """

    def __init__(self, phrases: dict[str, V]) -> None:
        self.values: dict[str, V] = {encode(p): v for p, v in phrases.items()}
        self._automaton = _automaton(self.values.items())

    def __len__(self) -> int:
        return len(self.values)

    def search(self, encoded: str) -> list[Match[V]]:
        """Return the matches in ``encoded`` (see ``encode``), by end position."""
        return [(end, value) for end, value in self._automaton.iter(encoded) if value is not None]

    def matches(self, doc: Document) -> list[Match[V]]:
        """Return the matches in ``doc.normalized``; the engine's shared pass when it made one."""
        shared: tuple[PhraseIndex, Sequence[list[Match[Any]]]] | None = doc.__dict__.get(_MATCHES)
        if shared is not None:
            index, found = shared
            slot = index.slots.get(id(self))
            if slot is not None:
                return found[slot]
        return self.search(document_encoded(doc))


class PhraseIndex:
    """Several phrase sets merged into one automaton: one pass finds the matches of all of them."""

    def __init__(self, sets: Sequence[PhraseSet[Any]]) -> None:
        self.sets = tuple(sets)
        self.slots = {id(s): slot for slot, s in enumerate(self.sets)}
        merged: dict[str, list[tuple[int, object]]] = {}
        for slot, phrase_set in enumerate(self.sets):
            for key, value in phrase_set.values.items():
                merged.setdefault(key, []).append((slot, value))
        self._automaton = _automaton((key, tuple(pairs)) for key, pairs in merged.items())
        # The result for a text without any match, shared (read it, never change it).
        self.none: tuple[list[Match[Any]], ...] = tuple([] for _ in self.sets)

    def search(self, encoded: str) -> Sequence[list[Match[Any]]]:
        """Return the matches of each set in ``encoded`` (see ``encode``), by slot.

        The lists are shared (a text without matches gets the same empty ones): read them,
        never change them.
        """
        found: list[list[Match[Any]]] | None = None
        for end, pairs in self._automaton.iter(encoded):
            if pairs is not None:
                if found is None:
                    found = [[] for _ in self.sets]
                for slot, value in pairs:
                    found[slot].append((end, value))
        return self.none if found is None else found

    def attach(self, doc: Document, encoded: str, found: Sequence[list[Match[Any]]]) -> None:
        """Leave ``search(encoded)``'s result, for ``encoded = encode(doc.normalized)``, in ``doc``.

        ``encoded`` may be empty when ``found`` is ``none`` (known without a pass).
        """
        cache = doc.__dict__
        if encoded:
            cache[_ENCODED] = encoded
        cache[_MATCHES] = (self, found)

    def match(self, doc: Document) -> Sequence[list[Match[Any]]]:
        """Return ``search`` over ``doc.normalized`` and leave it for ``PhraseSet.matches``."""
        encoded = document_encoded(doc)
        found = self.search(encoded)
        doc.__dict__[_MATCHES] = (self, found)
        return found
