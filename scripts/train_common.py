"""Shared helpers of the training and evaluation scripts (data loading, normalisation, fitting).

Only datasets whose licence allows shipping a derived model are loaded for training here:
COLD (Apache-2.0) and LCCC (MIT). ToxiCN and CED are read by ``eval_models.py`` for measuring only.
"""

from __future__ import annotations

import csv
import json
import math
import sys
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qunguan.audit.models.ngram import ngrams  # noqa: E402

SEED = 20240601


def _fallback_normalize(text: str) -> str:
    # Used only while the engine's normaliser is unavailable; mirrors its documented steps
    # (NFKC, lower case, separators removed) closely enough for training data.
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if not ch.isspace())


def normalizer() -> Callable[[str], str]:
    """Return the engine's text normaliser (the one ``Document.normalized`` uses), or a fallback."""
    try:
        from qunguan.audit.normalize import normalize
    except ImportError:
        print("warning: qunguan.audit.normalize missing; using the fallback normaliser", file=sys.stderr)
        return _fallback_normalize
    return lambda text: normalize(text)[0]


def load_lccc(path: Path) -> list[str]:
    """Return every utterance of an LCCC toy file (``post<TAB>response`` lines), spaces removed.

    LCCC splits text one character per token; Latin words were split too, so the spaces are
    simply dropped.
    """
    out: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        for utt in line.split("\t"):
            utt = utt.replace(" ", "").strip()
            if utt:
                out.append(utt)
    return out


def load_cold(path: Path) -> tuple[list[str], list[int]]:
    """Return (texts, labels) of a COLD split csv (label 1 = offensive)."""
    texts: list[str] = []
    labels: list[int] = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            texts.append(row["TEXT"])
            labels.append(int(row["label"]))
    return texts, labels


def load_toxicn(path: Path) -> tuple[list[str], list[int]]:
    """Return (texts, labels) of the ToxiCN developer part — EVALUATION ONLY, never train on it."""
    texts: list[str] = []
    labels: list[int] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            texts.append(row["content"])
            labels.append(int(row["toxic"]))
    return texts, labels


def load_ced(path: Path) -> tuple[list[str], list[int]]:
    """Return (texts, labels) of the Weibo CED sample (1 = rumor) — EVALUATION ONLY."""
    texts: list[str] = []
    labels: list[int] = []
    # split("\n"), not splitlines(): some posts contain U+2028 inside their JSON strings.
    for line in path.read_text(encoding="utf-8").split("\n"):
        if not line.strip():
            continue
        row = json.loads(line)
        texts.append(row["text"])
        labels.append(1 if row["label"] == "rumor" else 0)
    return texts, labels


def _matrix(grams: Sequence[set[str]], index: dict[str, int]):  # type: ignore[no-untyped-def]
    from scipy.sparse import csr_matrix

    indptr = [0]
    indices: list[int] = []
    data: list[float] = []
    for gs in grams:
        cols = sorted(index[g] for g in gs if g in index)
        if cols:
            v = 1.0 / math.sqrt(len(cols))
            indices.extend(cols)
            data.extend([v] * len(cols))
        indptr.append(len(indices))
    return csr_matrix((data, indices, indptr), shape=(len(grams), len(index)), dtype=np.float64)


def fit(
    texts: Sequence[str],
    labels: Sequence[int],
    *,
    c: float = 1.0,
    min_df: int = 2,
    max_features: int = 60_000,
    norm: Callable[[str], str] | None = None,
    extra: Callable[[str], set[str]] | None = None,
    class_weight: str | None = None,
) -> tuple[list[str], np.ndarray, float]:
    """Fit the n-gram logistic regression; return (vocabulary, weights, bias).

    Two passes: a first fit on every n-gram seen ``min_df`` times, then a refit on the
    ``max_features`` n-grams with the largest absolute weights, so the shipped model computes
    the same ``1/sqrt(k)`` normaliser it was trained with. ``extra(normalised text)`` returns
    pseudo-features (lexicon indicators) added to the n-grams, as the detector does at run time.
    """
    from sklearn.linear_model import LogisticRegression

    norm = norm or normalizer()
    grams = [ngrams(n) | extra(n) if extra else ngrams(n) for n in map(norm, texts)]
    df: Counter[str] = Counter()
    for gs in grams:
        df.update(gs)
    vocab = sorted(g for g, n in df.items() if n >= min_df and "\n" not in g and "\r" not in g)
    y = np.asarray(labels)
    for _ in range(2):
        index = {g: i for i, g in enumerate(vocab)}
        clf = LogisticRegression(
            C=c, solver="liblinear", random_state=SEED, max_iter=1000, class_weight=class_weight
        )
        clf.fit(_matrix(grams, index), y)
        w = clf.coef_[0]
        if len(vocab) <= max_features:
            break
        keep = np.sort(np.argsort(-np.abs(w), kind="stable")[:max_features])
        vocab = [vocab[i] for i in keep]
    return vocab, w, float(clf.intercept_[0])


def save(
    prefix: Path,
    vocab: list[str],
    weights: np.ndarray,
    bias: float,
    threshold: float,
    meta: dict[str, object],
) -> None:
    """Write ``<prefix>.json``, ``.vocab.txt`` and ``.weights.bin`` (float16, scaled to its range)."""
    prefix.parent.mkdir(parents=True, exist_ok=True)
    # Drop near-zero weights: they cost memory and load time and change no decision.
    keep = [i for i, w in enumerate(weights) if abs(w) >= 1e-3]
    vocab = [vocab[i] for i in keep]
    weights = weights[keep]
    scale = float(np.max(np.abs(weights))) / 60000.0 if len(weights) else 1.0
    packed = (weights / scale).astype("<f2")
    prefix.with_suffix(".weights.bin").write_bytes(packed.tobytes())
    prefix.with_suffix(".vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    body = {"bias": round(bias, 6), "threshold": threshold, "scale": scale, "features": len(vocab), **meta}
    prefix.with_suffix(".json").write_text(
        json.dumps(body, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


def prf(gold: Sequence[int], pred: Sequence[int]) -> tuple[float, float, float]:
    """Return (precision, recall, F1) of the positive class."""
    tp = sum(1 for g, p in zip(gold, pred, strict=True) if g and p)
    fp = sum(1 for g, p in zip(gold, pred, strict=True) if not g and p)
    fn = sum(1 for g, p in zip(gold, pred, strict=True) if g and not p)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f
