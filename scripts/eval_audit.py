"""Message-level precision / recall / F1 per category on the labelled audit sets.

    python scripts/eval_audit.py [FILES…] [--markdown PATH] [--errors] [--models]

Reads every ``tests/data/audit/*.jsonl`` (or the FILES given): one JSON object per line,
``{"text": …, "categories": [...]}``, an empty list meaning clean. A message counts as a
true positive for category C when C is labelled and at least one finding of C is reported.
Categories never labelled in any read file are reported only if something fired (all FP).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qunguan.audit import Auditor, load_policy  # noqa: E402 - after the sys.path line


def load_cases(paths: list[Path]) -> list[tuple[str, str, set[str]]]:
    """Return (file name, text, gold categories) for every line of ``paths``."""
    cases = []
    for path in paths:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                cases.append((path.name, str(obj["text"]), set(obj["categories"])))
            except (ValueError, KeyError, TypeError) as exc:
                raise SystemExit(f"{path}:{n}: bad case: {exc}") from None
    return cases


def evaluate(
    cases: list[tuple[str, str, set[str]]], auditor: Auditor
) -> tuple[dict[str, Counter[str]], list[str]]:
    """Return per-category counts (tp, fp, fn, support) and a list of error lines."""
    stats: dict[str, Counter[str]] = {}
    errors = []
    for name, text, gold in cases:
        pred = {f.category for f in auditor.scan(text)}
        for cat in gold | pred:
            c = stats.setdefault(cat, Counter())
            if cat in gold:
                c["support"] += 1
                c["tp" if cat in pred else "fn"] += 1
            else:
                c["fp"] += 1
        if gold != pred:
            errors.append(f"{name}: gold={sorted(gold)} pred={sorted(pred)} :: {text}")
    return stats, errors


def table(stats: dict[str, Counter[str]], n_cases: int) -> list[tuple[str, int, int, float, float, float]]:
    rows = []
    for cat in sorted(stats):
        c = stats[cat]
        tp, fp, fn = c["tp"], c["fp"], c["fn"]
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        rows.append((cat, c["support"], n_cases - c["support"], p, r, f1))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--markdown", type=Path, help="also write the table as Markdown to this file")
    parser.add_argument("--errors", action="store_true", help="print every misclassified case")
    parser.add_argument("--models", action="store_true", help="also run model-backed detectors")
    args = parser.parse_args(argv)
    files = args.files or sorted((ROOT / "tests" / "data" / "audit").glob("*.jsonl"))
    cases = load_cases(files)
    auditor = Auditor(load_policy().replace(use_models=args.models))
    stats, errors = evaluate(cases, auditor)
    rows = table(stats, len(cases))
    print(f"{len(cases)} cases from {len(files)} files: {', '.join(f.name for f in files)}")
    print(f"{'category':<22} {'pos':>5} {'neg':>5} {'precision':>10} {'recall':>8} {'F1':>6}")
    for cat, pos, neg, p, r, f1 in rows:
        print(f"{cat:<22} {pos:>5} {neg:>5} {p:>10.3f} {r:>8.3f} {f1:>6.3f}")
    if args.errors:
        print("\n".join(errors))
    if args.markdown:
        lines = [
            f"Cases: {len(cases)} messages from {', '.join(f.name for f in files)}.",
            "",
            "| category | positives | other messages | precision | recall | F1 |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        lines += [
            f"| `{cat}` | {pos} | {neg} | {p:.3f} | {r:.3f} | {f1:.3f} |" for cat, pos, neg, p, r, f1 in rows
        ]
        args.markdown.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
