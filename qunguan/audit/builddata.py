"""Rebuild the data files the audit engine ships (run at build time, never at run time).

    python -m qunguan.audit.builddata [--shared ../shared]

Writes, under ``qunguan/audit/data/``:

* ``t2s.txt`` — traditional → simplified single-character table, from OpenCC's
  ``TSCharacters.txt`` as packaged in ``opencc-python-reimplemented`` (Apache-2.0; see
  ``LICENSE.opencc``). Only one-character mappings are kept; where OpenCC lists several
  simplified candidates the first (most common) is used.
* ``divisions.txt`` — province (2-digit), prefecture (4) and county (6) codes and names from
  ``shared/data/cn_admin_divisions`` (WTFPL; see ``LICENSE.divisions``), for the resident-ID
  area check and the home-address gazetteer. Statistical-only units (5th digit 7, development
  zones) are left out: no ID number is issued with them.

Neither the product nor its tests need ``shared/`` or the OpenCC package at run time.
"""

from __future__ import annotations

import argparse
import csv
import shutil
from pathlib import Path

DATA = Path(__file__).parent / "data"


def build_t2s(out: Path) -> int:
    """Write the t2s table to ``out``; return the number of pairs. Raises ImportError without OpenCC."""
    import opencc

    src = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    pairs: list[str] = []
    for line in src.read_text(encoding="utf-8").splitlines():
        if "\t" not in line:
            continue
        trad, simp = line.split("\t", 1)
        simp = simp.split()[0] if simp.split() else ""
        if len(trad) == 1 and len(simp) == 1 and trad != simp:
            pairs.append(trad + simp)
    out.write_text(
        "# traditional→simplified, one pair a line; from OpenCC TSCharacters.txt (Apache-2.0)\n"
        + "\n".join(sorted(pairs))
        + "\n",
        encoding="utf-8",
    )
    licence = Path(opencc.__file__).parent.parent
    for cand in licence.glob("opencc_python_reimplemented-*.dist-info/**/LICENSE*"):
        shutil.copyfile(cand, DATA / "LICENSE.opencc")
        break
    return len(pairs)


def build_divisions(shared: Path, out: Path) -> int:
    """Write the division gazetteer to ``out``; return the number of rows."""
    src = shared / "data" / "cn_admin_divisions"
    rows: list[str] = []
    for name in ("provinces.csv", "cities.csv", "areas.csv"):
        with (src / name).open(encoding="utf-8") as fh:
            for rec in csv.DictReader(fh):
                code = rec["code"]
                if len(code) == 6 and code[4] == "7":
                    continue  # statistics-only development zone, never an ID prefix
                rows.append(f"{code}\t{rec['name']}")
    out.write_text(
        "# code<TAB>name: provinces (2), prefectures (4), counties (6); NBS 2023 via\n"
        "# modood/Administrative-divisions-of-China (WTFPL)\n" + "\n".join(rows) + "\n",
        encoding="utf-8",
    )
    shutil.copyfile(src / "LICENSE", DATA / "LICENSE.divisions")
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    """Rebuild the shipped data files; return an exit status."""
    parser = argparse.ArgumentParser(prog="python -m qunguan.audit.builddata")
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[3] / "shared")
    args = parser.parse_args(argv)
    n = build_t2s(DATA / "t2s.txt")
    m = build_divisions(args.shared, DATA / "divisions.txt")
    print(f"t2s.txt: {n} pairs; divisions.txt: {m} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
