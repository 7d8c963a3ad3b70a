"""Benchmark the audit engine: messages/s, MB/s and peak memory through per-message ``scan()``.

    python scripts/bench_audit.py [--n 1000000] [--models] [--seed S]

One process, one core: the corpus (``qunguan.audit.corpus``, deterministic) is generated
first, then every message goes through ``Auditor.scan`` one at a time, as the gateway does.
Without ``--models`` the model-backed detectors are left out (the rule set of issue 3's
200,000 msg/s target); with it they run too (target 30,000 msg/s). ``--no-cache`` turns off the
auditor's cache of short texts (``Auditor(cache_size=0)``): every message is then scanned in
full, which is what a stream of distinct messages costs. ``--digest`` also prints a SHA-256 of
every finding of every message (all fields, in order): a change that should only make the engine
faster must leave it as it was.
"""

from __future__ import annotations

import argparse
import hashlib
import platform
import resource
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qunguan.audit import Auditor, load_policy
from qunguan.audit.corpus import generate


def synthetic_lexicon_policy(n: int, seed: int) -> str:
    """Write a policy whose extra lexicon holds ``n`` distinct made-up terms; return its path.

    Terms are 2–5 common CJK characters (so they share prefixes as real lexicons do), spread
    over the lexicon categories with weights in 0.3..0.9. Deterministic for one seed.
    """
    import random
    import tempfile

    from qunguan.audit.detectors.lexicon import CATEGORIES

    rng = random.Random(seed)
    alphabet = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    folder = Path(tempfile.mkdtemp(prefix="qunguan-bench-lexicon-"))
    terms: set[str] = set()
    while len(terms) < n:
        terms.add("".join(rng.choice(alphabet) for _ in range(rng.randint(2, 5))))
    lines = [f"{t}\t{rng.choice(CATEGORIES)}\t{rng.uniform(0.3, 0.9):.2f}" for t in sorted(terms)]
    (folder / "extra.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "policy.toml").write_text('[lexicons]\nextra = ["extra.tsv"]\n', encoding="utf-8")
    return str(folder / "policy.toml")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="messages (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=20220420)
    parser.add_argument("--models", action="store_true", help="also run model-backed detectors")
    parser.add_argument("--policy", help="policy TOML (default: the shipped one)")
    parser.add_argument(
        "--no-cache", action="store_true", help="scan every message in full (no result cache)"
    )
    parser.add_argument(
        "--lexicon-terms",
        type=int,
        default=0,
        help="also load a synthetic deployment lexicon of this many terms (memory with a large lexicon)",
    )
    parser.add_argument(
        "--digest",
        action="store_true",
        help="print a SHA-256 of all findings (a second pass after the timed one)",
    )
    args = parser.parse_args(argv)

    policy_path = args.policy
    if args.lexicon_terms:
        if args.policy:
            parser.error("--lexicon-terms writes its own policy; leave out --policy")
        policy_path = synthetic_lexicon_policy(args.lexicon_terms, args.seed)
    policy = load_policy(policy_path).replace(use_models=args.models)
    t0 = time.perf_counter()
    auditor = Auditor(policy, cache_size=0) if args.no_cache else Auditor(policy)
    messages = list(generate(args.n, seed=args.seed))
    setup = time.perf_counter() - t0
    size_mb = sum(len(m.encode("utf-8")) for m in messages) / 1e6
    scan = auditor.scan
    auditor.scan("预热 warm-up 13800138000")  # first-call costs (lazy tables) are not throughput
    by_category: Counter[str] = Counter()
    t1, c1 = time.perf_counter(), time.process_time()
    for msg in messages:
        for f in scan(msg):
            by_category[f.category] += 1
    wall = time.perf_counter() - t1
    # CPU time of this process: the figure that matters on a shared machine, where wall
    # time also counts the time other processes held the core.
    elapsed = time.process_time() - c1
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    print(f"machine      : {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(f"detectors    : {', '.join(auditor.detector_names)}")
    distinct = len(set(messages))
    print(f"messages     : {args.n:,} ({size_mb:.1f} MB UTF-8, {distinct:,} distinct), setup {setup:.1f} s")
    print(f"result cache : {'off' if args.no_cache else f'on ({auditor.cache_size:,} texts per generation)'}")
    print(f"scan time    : {elapsed:.2f} s CPU ({wall:.2f} s wall, {args.n / wall:,.0f} msg/s by wall clock)")
    print(f"messages/s   : {args.n / elapsed:,.0f}")
    print(f"MB/s         : {size_mb / elapsed:.1f}")
    print(f"peak RSS     : {peak_mb:.0f} MB")
    print(
        f"findings     : {sum(by_category.values()):,} "
        + ", ".join(f"{k}={v}" for k, v in sorted(by_category.items()))
    )
    if args.digest:
        print(f"digest       : {findings_digest(auditor, messages)}")
    return 0


def findings_digest(auditor: Auditor, messages: list[str]) -> str:
    """Return a SHA-256 over every finding of every message: line, then all fields, in order."""
    digest = hashlib.sha256()
    for line, msg in enumerate(messages):
        for f in auditor.scan(msg):
            fields = (
                line,
                f.category,
                f.rule,
                f.severity,
                f.start,
                f.end,
                f.evidence,
                f.score,
                f.explanation,
            )
            digest.update(repr(fields).encode("utf-8", "surrogatepass"))
            digest.update(b"\n")
    return digest.hexdigest()


if __name__ == "__main__":
    raise SystemExit(main())
