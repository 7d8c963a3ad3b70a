"""Fuzz one target with atheris (libFuzzer): ``python scripts/fuzz/fuzz_one.py TARGET [libFuzzer args]``.

``TARGET`` is an export format name (``qunguan.ingest.formats.FORMATS``) or ``auditor``. The
other arguments go to libFuzzer: a corpus folder, ``-max_total_time=SECONDS``,
``-artifact_prefix=DIR/``. ``scripts/fuzz/run.py`` runs every target for a few seconds each.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

with atheris.instrument_imports(include=["qunguan"]):  # coverage feedback from qunguan's code only
    import qunguan.audit  # noqa: F401 (the auditor target imports it later; instrument it now)
    from scripts.fuzz.targets import targets


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in targets():
        names = ", ".join(targets())
        sys.exit(f"用法：fuzz_one.py 目标 [libFuzzer 参数]；目标：{names}")
    target = targets()[sys.argv[1]]
    atheris.Setup([sys.argv[0], *sys.argv[2:]], target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
