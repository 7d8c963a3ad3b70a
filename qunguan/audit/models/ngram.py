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
from collections.abc import Iterable
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


def sigmoid(z: float) -> float:
    """Return the logistic function of ``z`` (clamped, never overflows)."""
    if z < -30.0:
        return 0.0
    if z > 30.0:
        return 1.0
    return 1.0 / (1.0 + math.exp(-z))
