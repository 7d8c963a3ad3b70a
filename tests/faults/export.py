"""A chat export for the fault specs: the generic CSV format with platform message ids.

Message ids make "stored exactly once" checkable per (group, message id) as well as per
fingerprint; the texts come from the benchmark corpus, so a few percent carry what the audit
engine finds (phone and ID numbers, 文号, …) and findings are made along the way.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

from qunguan.audit.corpus import generate

GROUP_ACCOUNT = "800100200"
CHINA = dt.timezone(dt.timedelta(hours=8))
HEADER = ("time", "group", "sender_id", "sender_name", "text", "message_id", "platform")


def write_generic_csv(path: Path, n: int, seed: int) -> Path:
    """Write ``n`` messages of one QQ group to ``path`` (generic CSV) and return the path."""
    rng = random.Random(seed)
    family, given = "王李张刘陈杨赵黄周吴", "伟芳娜敏静丽强磊军洋勇艳杰"
    people = [
        (f"{10001000 + i}", rng.choice(family) + rng.choice(given) + rng.choice(given)) for i in range(80)
    ]
    when = dt.datetime(2024, 9, 2, 8, 0, 0, tzinfo=CHINA)
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        for i, text in enumerate(generate(n, seed=seed), start=1):
            when += dt.timedelta(seconds=rng.randrange(1, 40))
            uid, name = rng.choice(people)
            out.writerow([when.isoformat(), GROUP_ACCOUNT, uid, name, text, f"m{i:07d}", "qq"])
    return path
