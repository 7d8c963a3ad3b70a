"""A character n-gram logistic-regression scorer, small enough to run in a few microseconds.

Features: the set of distinct character 1–3-grams of the normalised text that are in the model's
vocabulary, each with value ``1/sqrt(k)`` where ``k`` is how many such n-grams the text has
(an L2-normalised binary bag). The score is ``sigmoid(bias + sum(w) / sqrt(k))``. Training
(``scripts/train_common.py``) computes exactly the same features with ``features()`` below, so the
shipped weights mean the same thing at inference time.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from importlib import resources
from itertools import repeat
from operator import getitem
from pathlib import Path
from typing import Any

import numpy as np

# Long texts are scored on their head only: a chat message is short, and the benchmark budget
# (a few µs per message) must hold for a pasted 1 MB document too.
MAX_CHARS = 400
NGRAM_ORDERS = (1, 2, 3)


_SLICES2 = [slice(i, i + 2) for i in range(MAX_CHARS)]
_SLICES3 = [slice(i, i + 3) for i in range(MAX_CHARS)]


def ngrams(text: str) -> set[str]:
    """Return the distinct character 1–3-grams of ``text`` (its first ``MAX_CHARS`` characters)."""
    text = text[:MAX_CHARS]
    n = len(text)
    grams: set[str] = set(text)
    # map over precomputed slices runs in C: about twice as fast as a generator of
    # text[i:i+2]; operator.getitem rather than text.__getitem__, whose every call packs its
    # argument in a tuple.
    if n > 1:
        grams.update(map(getitem, repeat(text, n - 1), _SLICES2[: n - 1]))
    if n > 2:
        grams.update(map(getitem, repeat(text, n - 2), _SLICES3[: n - 2]))
    return grams


class NgramModel:
    """A loaded model; ``score(text)`` returns the positive-class probability in 0..1.

    ``threshold`` is the decision log-odds: ``raw_score(text) >= threshold`` means positive.
    """

    __slots__ = ("_no_zero", "bias", "meta", "name", "threshold", "weights")

    def __init__(
        self,
        name: str,
        weights: dict[str, float],
        bias: float,
        threshold: float,
        meta: dict[str, Any] | None = None,
    ) -> None:
        self.name = name
        self.weights = weights
        self._no_zero = all(weights.values())  # no weight is 0.0 (see raw_score)
        self.bias = bias
        self.threshold = threshold
        self.meta = meta or {}

    @classmethod
    def load(cls, name: str, directory: Path | None = None) -> NgramModel:
        """Return the model ``name`` read from ``directory`` (default: this package's data).

        Raises FileNotFoundError when a file is missing and ValueError when the files disagree.
        """
        if directory is None:
            base = resources.files("qunguan.audit.models")
            meta_text = base.joinpath(f"{name}.json").read_text(encoding="utf-8")
            vocab_text = base.joinpath(f"{name}.vocab.txt").read_text(encoding="utf-8")
            raw = base.joinpath(f"{name}.weights.bin").read_bytes()
        else:
            meta_text = (directory / f"{name}.json").read_text(encoding="utf-8")
            vocab_text = (directory / f"{name}.vocab.txt").read_text(encoding="utf-8")
            raw = (directory / f"{name}.weights.bin").read_bytes()
        meta = json.loads(meta_text)
        vocab = vocab_text.split("\n")
        if vocab and vocab[-1] == "":
            vocab.pop()
        values = np.frombuffer(raw, dtype="<f2").astype(np.float64) * float(meta.get("scale", 1.0))
        if len(values) != len(vocab):
            raise ValueError(f"model {name}: {len(vocab)} n-grams but {len(values)} weights")
        weights = dict(zip(vocab, values.tolist(), strict=True))
        return cls(name, weights, float(meta["bias"]), float(meta["threshold"]), meta)

    def raw_score(self, text: str, extra: Iterable[str] = (), grams: set[str] | None = None) -> float:
        """Return the decision value (log-odds) for normalised ``text``.

        ``extra`` holds pseudo-features (e.g. lexicon indicators) the model was trained with;
        ``grams`` may pass ``ngrams(text)`` already computed for another model.
        """
        if grams is None:
            grams = ngrams(text)
        if extra:
            grams = grams.union(extra)
        if self._no_zero:
            # filter(None, …) keeps exactly the weights found when none of them is 0.0, in C.
            values = list(filter(None, map(self.weights.get, grams)))
        else:
            values = [w for w in map(self.weights.get, grams) if w is not None]
        if not values:
            return self.bias
        return self.bias + sum(values) / math.sqrt(len(values))

    def score(self, text: str, extra: Iterable[str] = ()) -> float:
        """Return the probability in 0..1 that ``text`` belongs to the positive class."""
        return sigmoid(self.raw_score(text, extra))


# A key of the merged table (``GramTable``): an n-gram of text as the engine looks it up. One
# character: its code point; two: both code points in one int, as ``memoryview.cast("Q")`` reads
# them off the text's UTF-32 (first | second << 32) — unless the second is NUL, which would make
# it its first character's key; three (and that bigram): the string itself. Pseudo-features
# (lexicon indicators, "\x01abuse") are looked up apart.
GramKey = int | str


def gram_key(gram: str) -> GramKey:
    """Return the ``GramTable`` key of an n-gram of 1–3 characters (the string itself otherwise)."""
    if len(gram) == 1:
        return ord(gram)
    if len(gram) == 2 and gram[1] != "\x00":
        return ord(gram[0]) | ord(gram[1]) << 32
    return gram


def gram_keys(text: str) -> set[GramKey]:
    """Return the keys (``gram_key``) of the distinct 1–3-grams of ``text``'s first ``MAX_CHARS``.

    The same n-grams as ``ngrams(text)``, one key each, made without a string per uni- and
    bigram: the text's UTF-32 read as 32-bit and (twice, one character apart) as 64-bit ints.
    """
    text = text[:MAX_CHARS]
    n = len(text)
    if "\x00" in text:
        # A bigram ending in NUL would read as its first character's key: the slow way.
        return set(map(gram_key, ngrams(text)))
    raw = memoryview(text.encode("utf-32-le", "surrogatepass"))
    keys: set[GramKey] = set(raw.cast("I"))
    if n > 1:
        keys.update(raw[: 8 * (n // 2)].cast("Q"))
        keys.update(raw[4 : 4 + 8 * ((n - 1) // 2)].cast("Q"))
    if n > 2:
        keys.update(map(getitem, repeat(text, n - 2), _SLICES3[: n - 2]))
    return keys


class GramTable:
    """The weights of several n-gram models in one table: each n-gram of a text is looked up once.

    Each n-gram maps to a tuple of its weights (0.0 for a model that lacks it). ``sums(text)``
    adds up each model's weights of the distinct n-grams of ``text`` in one pass, and
    ``raw_score(text, sums, i, …)`` is then ``models[i].raw_score(text, …)``: the same features,
    the same weights, the same formula — the sum taken in another order, as the order of a set
    of strings already differs from one process to the next (hash randomisation), so the last
    bit of a score could differ before too. Usable only when no model has a weight of exactly
    0.0 (``usable``): 0.0 marks "not in this model".
    """

    __slots__ = ("_empty", "_packed", "extra", "models", "usable", "weights")

    def __init__(self, models: Sequence[NgramModel]) -> None:
        self.models = tuple(models)
        self.usable = all(m._no_zero for m in self.models)
        width = len(self.models)
        merged: dict[GramKey, list[float]] = {}
        extra: dict[str, list[float]] = {}
        for i, model in enumerate(self.models):
            for gram, weight in model.weights.items():
                if 1 <= len(gram) <= 3:
                    row = merged.setdefault(gram_key(gram), [0.0] * width)
                else:  # a pseudo-feature: never an n-gram of a text
                    row = extra.setdefault(gram, [0.0] * width)
                row[i] = weight
        self.weights: dict[GramKey, tuple[float, ...]] = {k: tuple(v) for k, v in merged.items()}
        self.extra: dict[str, tuple[float, ...]] = {k: tuple(v) for k, v in extra.items()}
        self._empty = tuple((0.0, 0) for _ in range(width))
        self._packed: tuple[np.ndarray, list[np.ndarray], PackedKeyIndex] | None = None  # ``sums_many``

    def column(self, model: NgramModel) -> int | None:
        """Return the column of ``model`` (None when the table does not hold it, or is unusable)."""
        if not self.usable:
            return None
        for i, m in enumerate(self.models):
            if m is model:
                return i
        return None

    def sums(self, text: str) -> tuple[tuple[float, int], ...]:
        """Return, per model, (sum of the weights, how many) of the distinct n-grams of ``text``
        that the model knows."""
        rows = list(filter(None, map(self.weights.get, gram_keys(text))))
        if not rows:
            return self._empty
        out = []
        for column in zip(*rows, strict=True):  # (rows of one width)
            values = list(filter(None, column))
            out.append((sum(values), len(values)))
        return tuple(out)

    def sums_many(self, texts: Sequence[str]) -> list[tuple[tuple[float, int], ...]]:
        """Return ``[self.sums(text) for text in texts]``, computed for all of them at once.

        One numpy pass over the texts' first ``MAX_CHARS`` characters: every 1–3-gram is packed
        into one integer (``pack_gram``), looked up among the table's keys (``PackedKeyIndex``),
        de-duplicated per text and summed per text. The same n-grams, the same weights, the same
        counts as ``sums``; only the order of each sum differs (see the class's docstring). Pays
        off for hundreds of texts (an import's batch), not for one.
        """
        width = len(self.models)
        count = len(texts)
        if not count:
            return []
        keys, columns, index = self._packed_table()
        size = len(keys)
        heads = [text[:MAX_CHARS] for text in texts]
        lengths = np.fromiter(map(len, heads), dtype=np.int64, count=count)
        # Code point + 1 (0 stands for "no character"), 21 bits each: three fit in 63 bits.
        points = np.frombuffer("".join(heads).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        points = points.astype(np.uint64) + np.uint64(1)
        total = len(points)
        owner = np.repeat(np.arange(count, dtype=np.int64), lengths)
        # How many characters of its text follow each position: a bigram needs 1, a trigram 2.
        left = np.repeat(np.cumsum(lengths), lengths) - np.arange(total, dtype=np.int64) - 1
        uni = points << np.uint64(42)
        bi = uni[:-1] | (points[1:] << np.uint64(21))
        tri = bi[:-1] | points[2:]
        has_bi = left[:-1] >= 1
        has_tri = left[:-2] >= 2
        grams = np.concatenate((uni, bi[has_bi], tri[has_tri]))
        owners = np.concatenate((owner, owner[:-1][has_bi], owner[:-2][has_tri]))
        # Each n-gram's position among the sorted keys, through a hash table: one multiply and
        # one or two gathers an n-gram, where sorting them for ``searchsorted`` cost three
        # times as much.
        known, slot = index.find(grams)
        # Distinct (text, n-gram) pairs: a text's repeated n-gram counts once, as in a set.
        pairs = np.sort(owners[known] * size + slot)
        if len(pairs) > 1:
            pairs = pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))]
        text_of = pairs // size
        slots = pairs - text_of * size
        per_model = []
        for column in columns:
            weights = column[slots]
            nonzero = weights != 0.0
            who = text_of[nonzero]
            per_model.append(
                zip(
                    np.bincount(who, weights=weights[nonzero], minlength=count).tolist(),
                    np.bincount(who, minlength=count).tolist(),
                    strict=True,
                )
            )
        if not width:
            return [() for _ in texts]
        return list(zip(*per_model, strict=True))

    def _packed_table(self) -> tuple[np.ndarray, list[np.ndarray], PackedKeyIndex]:
        """Return the sorted packed keys (``pack_gram``) of the table's n-grams, per model their
        weights in the same order, and the keys' hash index (made on first use)."""
        packed = self._packed
        if packed is None:
            width = len(self.models)
            if not self.weights:  # (an empty table: one key no text can make, weighing nothing)
                keys, columns = np.zeros(1, dtype=np.uint64), [np.zeros(1) for _ in range(width)]
            else:
                unsorted = _pack_keys(list(self.weights))
                rows = np.array(list(self.weights.values()), dtype=np.float64).reshape(len(unsorted), width)
                order = np.argsort(unsorted, kind="stable")
                keys, columns = unsorted[order], [np.ascontiguousarray(rows[order, i]) for i in range(width)]
            packed = self._packed = (keys, columns, PackedKeyIndex(keys))
        return packed

    def raw_score(
        self, text: str, sums: tuple[tuple[float, int], ...], column: int, extra: Iterable[str] = ()
    ) -> float:
        """Return ``models[column].raw_score(text, extra)``, given ``sums(text)``."""
        total, count = sums[column]
        if extra:
            for feature in set(extra):
                if len(feature) <= 3:  # (no shipped feature is this short: it may be an n-gram too)
                    return self.models[column].raw_score(text, extra)
                row = self.extra.get(feature)
                if row is not None and row[column]:
                    total += row[column]
                    count += 1
        model = self.models[column]
        if not count:
            return model.bias
        return model.bias + total / math.sqrt(count)


def pack_gram(gram: str) -> int:
    """Return an n-gram of 1–3 characters as one integer below 2**63 (``GramTable.sums_many``).

    Each character is its code point + 1 in 21 bits, the first in the highest; a shorter n-gram
    leaves the lower fields 0, so n-grams of different lengths never share a key.
    """
    key = 0
    for shift, ch in zip((42, 21, 0), gram, strict=False):
        key |= (ord(ch) + 1) << shift
    return key


def _pack_keys(keys: list[GramKey]) -> np.ndarray:
    """Return ``pack_gram`` of the n-gram of each ``GramTable`` key (``gram_key``), as uint64."""
    # The int keys (uni- and bigrams: code points in 32-bit fields) repacked at once; the
    # strings (trigrams) one by one.
    ints = np.array([0 if isinstance(k, str) else k for k in keys], dtype=np.uint64)
    first = (ints & np.uint64(0xFFFFFFFF)) + np.uint64(1)
    second = ints >> np.uint64(32)
    packed = first << np.uint64(42)
    packed |= np.where(second > 0, (second + np.uint64(1)) << np.uint64(21), np.uint64(0))
    for i, key in enumerate(keys):
        if isinstance(key, str):
            packed[i] = pack_gram(key)
    return packed


class PackedKeyIndex:
    """Where each of a sorted array of packed n-grams (``pack_gram``) is: an open-addressing hash
    table, looked up for a whole array of n-grams at once (``GramTable.sums_many``).

    A key's home is the top bits of the key times a 64-bit odd constant (Fibonacci hashing);
    taken homes push a key to the next free place (linear probing). The table has at least four
    places per key, so a lookup mostly ends at the home. 0 marks a free place: ``pack_gram``
    never gives 0 (every character is its code point + 1).
    """

    __slots__ = ("_keys", "_mask", "_positions", "_shift")

    MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)

    def __init__(self, keys: np.ndarray) -> None:
        bits = max(4, (4 * len(keys) - 1).bit_length())
        self._shift = np.uint64(64 - bits)
        self._mask = np.uint64((1 << bits) - 1)
        self._keys = np.zeros(1 << bits, dtype=np.uint64)
        self._positions = np.zeros(1 << bits, dtype=np.int32)  # (a table has far fewer keys)
        # Placed in rounds: each round, a key whose place is free takes it (the first of several
        # that want the same one); the others move one place on. A place once taken stays
        # taken, so the places between a key's home and where it lands are all taken, which is
        # what a lookup walks.
        place = self._home(keys)
        waiting = np.flatnonzero(keys)
        while waiting.size:
            wanted = place[waiting]
            free = self._keys[wanted] == 0
            taken, first = np.unique(wanted[free], return_index=True)
            settled = waiting[free][first]
            self._keys[taken] = keys[settled]
            self._positions[taken] = settled
            waiting = np.setdiff1d(waiting, settled, assume_unique=True)
            place[waiting] = (place[waiting] + np.uint64(1)) & self._mask

    def _home(self, keys: np.ndarray) -> np.ndarray:
        return (keys * self.MULTIPLIER) >> self._shift

    def find(self, grams: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return which of ``grams`` are keys (a boolean array) and, for those, their positions
        in the sorted keys (in the order of ``grams``): ``searchsorted`` without the sorting."""
        place = self._home(grams)
        found = self._keys[place]
        known = found == grams
        # Still walking: neither found nor at a free place.
        walking = np.flatnonzero(~known & (found != 0))
        while walking.size:
            ahead = (place[walking] + np.uint64(1)) & self._mask
            place[walking] = ahead
            found = self._keys[ahead]
            same = found == grams[walking]
            known[walking[same]] = True
            walking = walking[~same & (found != 0)]
        return known, self._positions[place[known]]


def sigmoid(z: float) -> float:
    """Return the logistic function of ``z`` (clamped, never overflows)."""
    if z < -30.0:
        return 0.0
    if z > 30.0:
        return 1.0
    return 1.0 / (1.0 + math.exp(-z))
