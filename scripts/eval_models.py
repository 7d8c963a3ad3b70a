"""Measure the lexicon, link, model, cue and conversation detectors (``make eval``).

* abuse model: COLD dev (in distribution) and ToxiCN developer rows (out of distribution,
  EVALUATION ONLY, CC BY-NC-ND). ToxiCN's even rows were looked at when the threshold was
  chosen; the ``ToxiCN report`` line uses only the odd rows, which nothing was tuned on.
* offtopic model: LCCC valid (chit-chat, positives) against work messages made from templates
  that training never used.
* rumor cues: the Weibo CED sample (EVALUATION ONLY), rumor vs non-rumor original posts.
* lexicon categories: the share of clean messages flagged per category (LCCC valid, COLD dev
  safe rows, held-out work messages).
* our labelled sets ``tests/data/audit/<category>.jsonl``: P/R/F1 per category.
* off-topic in conversations: one finding per chatty line vs one per run (``eval_offtopic.py``).
* speed (µs per message) and model sizes.

Usage: ``.venv/bin/python scripts/eval_models.py [--data ../shared/data] [--markdown]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from eval_offtopic import HEADER as CONVERSATION_HEADER  # noqa: E402
from eval_offtopic import evaluate as eval_conversations  # noqa: E402
from train_common import load_ced, load_cold, load_lccc, load_toxicn, prf  # noqa: E402
from train_offtopic import work_messages  # noqa: E402

from qunguan.audit.detectors.base import Detector, Document, MessageContext  # noqa: E402
from qunguan.audit.detectors.classifier import (  # noqa: E402
    AbuseModelDetector,
    CueDetector,
    OfftopicModelDetector,
)
from qunguan.audit.detectors.conversation import HarassmentDetector, OfftopicBurstDetector  # noqa: E402
from qunguan.audit.detectors.lexicon import CATEGORIES as LEXICON_CATEGORIES  # noqa: E402
from qunguan.audit.detectors.lexicon import LexiconDetector  # noqa: E402
from qunguan.audit.detectors.links import LinkDetector  # noqa: E402

MY_CATEGORIES = (*LEXICON_CATEGORIES, "harassment", "rumor", "incitement", "venting", "offtopic")
LABELLED = ROOT / "tests" / "data" / "audit"
MODELS = ROOT / "qunguan" / "audit" / "models"

Row = tuple[str, ...]


def _fmt(p: float, r: float, f: float) -> tuple[str, str, str]:
    return f"{p:.3f}", f"{r:.3f}", f"{f:.3f}"


def categories_found(
    detectors: Sequence[Detector], text: str, ctx: MessageContext | None = None, min_score: float = 0.5
) -> set[str]:
    """Return the categories the detectors report for ``text`` at the policy default threshold."""
    doc = Document(text, ctx)
    return {f.category for d in detectors for f in d.scan(doc) if f.score >= min_score}


def eval_abuse(data: Path) -> list[Row]:
    det = AbuseModelDetector()
    rows: list[Row] = []
    texts, gold = load_cold(data / "cold" / "dev.csv")
    pred = [det.probability(Document(t).normalized) >= det._p_threshold for t in texts]
    rows.append(("abuse model", "COLD dev", str(len(texts)), *_fmt(*prf(gold, pred))))
    texts, gold = load_toxicn(data / "toxicn" / "ToxiCN_1.0_dev.csv")
    for name, parity in (
        ("ToxiCN dev, even rows (threshold chosen here)", 0),
        ("ToxiCN dev, odd rows (report)", 1),
    ):
        t = [x for i, x in enumerate(texts) if i % 2 == parity]
        g = [x for i, x in enumerate(gold) if i % 2 == parity]
        p = [det.probability(Document(x).normalized) >= det._p_threshold for x in t]
        rows.append(("abuse model", name, str(len(t)), *_fmt(*prf(g, p))))
    lex = LexiconDetector()
    for name, parity in (("ToxiCN dev, odd rows: lexicon abuse+vulgar only", 1),):
        t = [x for i, x in enumerate(texts) if i % 2 == parity]
        g = [x for i, x in enumerate(gold) if i % 2 == parity]
        p = [bool(categories_found([lex], x) & {"abuse", "vulgar"}) for x in t]
        rows.append(("abuse lexicon", name, str(len(t)), *_fmt(*prf(g, p))))
    return rows


def eval_offtopic(data: Path) -> list[Row]:
    det = OfftopicModelDetector()
    chat = load_lccc(data / "chitchat_lccc_toy" / "toy_valid.txt")
    work = work_messages(len(chat) // 2, seed=101, holdout=True)
    texts = chat + work
    gold = [1] * len(chat) + [0] * len(work)
    probs = [det.probability(Document(t).normalized) for t in texts]
    rows: list[Row] = []
    for cut, label in ((0.5, "p ≥ 0.5"), (det.REPORT_AT, f"p ≥ {det.REPORT_AT} (reported alone)")):
        rows.append(
            (
                "offtopic model",
                f"LCCC valid vs held-out work, {label}",
                str(len(texts)),
                *_fmt(*prf(gold, [p >= cut for p in probs])),
            )
        )
    return rows


def eval_rumor(data: Path) -> list[Row]:
    det = CueDetector()
    texts, gold = load_ced(data / "rumor_weibo_ced" / "ced_original_microblogs.jsonl")
    pred = ["rumor" in categories_found([det], t) for t in texts]
    return [("rumor cues", "Weibo CED original posts", str(len(texts)), *_fmt(*prf(gold, pred)))]


def eval_lexicon_fp(data: Path) -> list[Row]:
    lex = LexiconDetector()
    links = LinkDetector()
    lccc = load_lccc(data / "chitchat_lccc_toy" / "toy_valid.txt")
    cold, labels = load_cold(data / "cold" / "dev.csv")
    safe = [t for t, y in zip(cold, labels, strict=True) if y == 0]
    work = work_messages(2000, seed=202, holdout=True) + work_messages(2000, seed=203)
    rows: list[Row] = []
    for name, texts in (("LCCC valid", lccc), ("COLD dev safe rows", safe), ("work messages", work)):
        found = [categories_found([lex, links], t) for t in texts]
        rates = [f"{sum(c in f for f in found) / len(texts) * 100:.2f}%" for c in LEXICON_CATEGORIES]
        rows.append((name, str(len(texts)), *rates))
    return rows


def _labelled_cases(category: str) -> Iterable[dict[str, object]]:
    path = LABELLED / f"{category}.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


def _scan_case(detectors: Sequence[Detector], case: dict[str, object], whole: bool = False) -> set[str]:
    """Return the categories found for one labelled case (a text, or a conversation sequence).

    For a sequence: those of its last message, or with ``whole`` those of any of its messages
    (a run rule reports once per run, on the message that makes it a run).
    """
    if "sequence" in case:
        # Conversation cases: fresh stateful detectors, fed message by message; the label is
        # about the LAST message.
        fresh = [
            type(d)() if isinstance(d, HarassmentDetector | OfftopicBurstDetector) else d for d in detectors
        ]
        found: set[str] = set()
        seen: set[str] = set()
        for msg in case["sequence"]:  # type: ignore[attr-defined]
            ctx = MessageContext(group=msg.get("group", "g"), sender=msg["sender"], timestamp=float(msg["t"]))
            found = categories_found(fresh, msg["text"], ctx)
            seen |= found
        return seen if whole else found
    return categories_found(detectors, str(case["text"]))


def eval_labelled() -> list[Row]:
    detectors: list[Detector] = [
        LexiconDetector(),
        LinkDetector(),
        AbuseModelDetector(),
        OfftopicModelDetector(),
        CueDetector(),
        HarassmentDetector(),
        OfftopicBurstDetector(),
    ]
    rows: list[Row] = []
    for category in MY_CATEGORIES:
        label = "offtopic (both rules on, last message)" if category == "offtopic" else category
        rows += _labelled_rows(category, label, detectors, _labelled_cases(category))
    # Off-topic, split by rule: single lines (the offtopic_model detector, off in the shipped
    # policy) on the single-message cases, runs (offtopic_burst, shipped) on the conversations.
    cases = _labelled_cases("offtopic")
    single = [d for d in detectors if not isinstance(d, OfftopicBurstDetector)]
    runs = [d for d in detectors if not isinstance(d, OfftopicModelDetector)]
    rows += _labelled_rows(
        "offtopic", "offtopic: single lines (offtopic_model, off by default)", single, cases, sequences=False
    )
    rows += _labelled_rows(
        "offtopic", "offtopic: runs, any message (offtopic_burst, shipped)", runs, cases, sequences=True
    )
    return rows


def _labelled_rows(
    category: str,
    label: str,
    detectors: Sequence[Detector],
    cases: Iterable[dict[str, object]],
    sequences: bool | None = None,
) -> list[Row]:
    """Return one row of P/R/F1 for ``category`` (none without cases); ``sequences`` picks
    only the conversation cases (True: scored on any of their messages) or only the single
    messages (False)."""
    gold: list[int] = []
    pred: list[int] = []
    for case in cases:
        if sequences is not None and ("sequence" in case) != sequences:
            continue
        cats = case["categories"]
        assert isinstance(cats, list)
        gold.append(int(category in cats))
        pred.append(int(category in _scan_case(detectors, case, whole=bool(sequences))))
    if not gold:
        return []
    return [(label, str(len(gold)), str(sum(gold)), *_fmt(*prf(gold, pred)))]


def _time(fn: Callable[[], object], n: int) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) / n * 1e6


def eval_speed(data: Path) -> list[Row]:
    msgs = load_lccc(data / "chitchat_lccc_toy" / "toy_valid.txt")[:3000] + work_messages(3000, seed=5)
    docs = [Document(m) for m in msgs]
    norm_us = _time(lambda: [d.normalized for d in docs], len(docs))
    rows: list[Row] = [("normalisation (engine, for reference)", f"{norm_us:.2f}")]
    ctx = [
        MessageContext(group=f"g{i % 50}", sender=f"u{i % 7}", timestamp=float(i)) for i in range(len(docs))
    ]
    for det in (
        LexiconDetector(),
        LinkDetector(),
        CueDetector(),
        AbuseModelDetector(),
        OfftopicModelDetector(),
    ):
        us = _time(lambda det=det: [list(det.scan(d)) for d in docs], len(docs))  # type: ignore[misc]
        rows.append((f"{det.name}.scan (all messages, no prefilter)", f"{us:.2f}"))
    for det in (HarassmentDetector(), OfftopicBurstDetector()):
        cdocs = [Document(m, c) for m, c in zip(msgs, ctx, strict=True)]
        for d in cdocs:
            _ = d.normalized
        us = _time(lambda det=det, cdocs=cdocs: [list(det.scan(d)) for d in cdocs], len(cdocs))  # type: ignore[misc]
        rows.append((f"{det.name}.scan (with context)", f"{us:.2f}"))
    return rows


def model_sizes() -> list[Row]:
    rows: list[Row] = []
    for name in ("abuse", "offtopic"):
        files = sorted(MODELS.glob(f"{name}.*"))
        size = sum(f.stat().st_size for f in files)
        meta = json.loads((MODELS / f"{name}.json").read_text(encoding="utf-8"))
        start = time.perf_counter()
        from qunguan.audit.models.ngram import NgramModel

        NgramModel.load(name)
        load_ms = (time.perf_counter() - start) * 1000
        rows.append((name, str(meta["features"]), f"{size / 1e6:.2f} MB", f"{load_ms:.0f} ms"))
    lex_dir = ROOT / "qunguan" / "audit" / "data" / "lexicons"
    size = sum(f.stat().st_size for f in lex_dir.iterdir())
    rows.append(
        ("lexicons (all files)", str(LexiconDetector().lexicon.size) + " terms", f"{size / 1e6:.2f} MB", "")
    )
    return rows


def table(title: str, header: Row, rows: list[Row], markdown: bool) -> str:
    """Return ``rows`` as a Markdown or plain-text table under ``title``."""
    if markdown:
        lines = [f"#### {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines) + "\n"
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    lines = [title, "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines += ["  ".join(str(x).ljust(w) for x, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args(argv)
    md = args.markdown
    prf_header = ("detector", "data", "n", "P", "R", "F1")
    out = [
        table(
            "Labelled sets tests/data/audit (default threshold 0.5)",
            ("category", "cases", "positives", "P", "R", "F1"),
            eval_labelled(),
            md,
        ),
        table(
            "Models and cues on public data",
            prf_header,
            eval_abuse(args.data) + eval_offtopic(args.data) + eval_rumor(args.data),
            md,
        ),
        table(
            "Lexicon + link detectors: share of CLEAN messages flagged, per category",
            ("clean set", "n", *LEXICON_CATEGORIES),
            eval_lexicon_fp(args.data),
            md,
        ),
        table(
            "Off-topic findings in conversations: single lines vs runs (scripts/eval_offtopic.py)",
            ("set", "policy", *CONVERSATION_HEADER),
            eval_conversations(args.data),
            md,
        ),
        table("Model and lexicon sizes", ("artefact", "features", "size", "load"), model_sizes(), md),
    ]
    if not args.skip_speed:
        out.append(table("Speed, one core (µs per message)", ("step", "µs/msg"), eval_speed(args.data), md))
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
