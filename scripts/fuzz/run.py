"""Run every fuzz target for a while: ``python scripts/fuzz/run.py [--seconds N] [TARGET …]`` (``make fuzz``).

Each target (every chat-export reader, and ``auditor``) runs as its own atheris process for
``N`` seconds (default 30), starting from the sample files of ``../shared/samples/<format>/``
when present (copied to a scratch corpus; the samples are never written). A crash leaves the
input that caused it in ``var/fuzz/`` (or ``--artifacts``) and makes the exit status 1.
Needs the ``fuzz`` extra (``pip install -e '.[fuzz]'``); ``make test`` does not.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT.parent / "shared" / "samples"
sys.path.insert(0, str(ROOT))


# Starting texts of the ``auditor`` target: what each kind of detector looks for.
AUDITOR_SEEDS = (
    "电话13800138000，身份证110101199003071233",
    "院党宣〔2022〕6号 秘密★1年 内部资料 注意保密",
    "家住四川省成都市武侯区人民南路四段1号3栋2单元501室，生日1990年3月7日",
    "卡号6222021234567890128 加V看片 扫码领红包 https://example.com/a?b=1",
    "一二三四五六七八九零 ＋８６ １３８ ００１３ ８０００",
)


def _seed(corpus: Path, name: str) -> int:
    """Copy the format's sample files (or the auditor's texts) into ``corpus``; return how many."""
    if name == "auditor":
        for n, text in enumerate(AUDITOR_SEEDS):
            (corpus / f"seed-{n}.txt").write_text(text, encoding="utf-8")
        return len(AUDITOR_SEEDS)
    folder = SAMPLES / name
    if not folder.is_dir():
        return 0
    count = 0
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.stat().st_size <= 256 * 1024:
            shutil.copy(path, corpus / f"sample-{count}-{path.name}")
            count += 1
    return count


def main(argv: list[str] | None = None) -> int:
    from scripts.fuzz.targets import targets

    known = list(targets())
    parser = argparse.ArgumentParser(description="对每个导入格式的读取器和审查引擎做模糊测试（atheris）")
    parser.add_argument("targets", nargs="*", metavar="目标", help=f"默认全部：{', '.join(known)}")
    parser.add_argument("--seconds", type=int, default=30, help="每个目标运行的秒数（默认 30）")
    parser.add_argument(
        "--artifacts", type=Path, default=ROOT / "var" / "fuzz", help="崩溃输入保存目录（默认 var/fuzz）"
    )
    args = parser.parse_args(argv)
    unknown = [t for t in args.targets if t not in known]
    if unknown:
        parser.error(f"未知目标：{', '.join(unknown)}；可选：{', '.join(known)}")
    args.artifacts.mkdir(parents=True, exist_ok=True)
    failed: list[str] = []
    print(f"{'目标':<16}{'种子':>6}{'秒':>6}{'执行次数':>12}  结果")
    for name in args.targets or known:
        with tempfile.TemporaryDirectory(prefix=f"fuzz-{name}-") as scratch:
            corpus = Path(scratch)
            seeds = _seed(corpus, name)
            started = time.monotonic()
            run = subprocess.run(
                [
                    sys.executable,
                    str(ROOT / "scripts" / "fuzz" / "fuzz_one.py"),
                    name,
                    str(corpus),
                    f"-max_total_time={args.seconds}",
                    "-timeout=20",
                    "-rss_limit_mb=3072",
                    "-max_len=65536",
                    f"-artifact_prefix={args.artifacts}/{name}-",
                    "-print_final_stats=1",
                ],
                capture_output=True,
                text=True,
                check=False,
                cwd=ROOT,
            )
            took = time.monotonic() - started
        runs = next(
            (
                line.rsplit(":", 1)[1].strip()
                for line in run.stderr.splitlines()
                if "stat::number_of_executed_units" in line
            ),
            "?",
        )
        verdict = "通过" if run.returncode == 0 else f"崩溃（退出码 {run.returncode}）"
        print(f"{name:<16}{seeds:>6}{took:>6.0f}{runs:>12}  {verdict}", flush=True)
        if run.returncode != 0:
            failed.append(name)
            tail = "\n".join(run.stderr.splitlines()[-40:])
            print(tail, file=sys.stderr)
    if failed:
        print(f"发现崩溃：{', '.join(failed)}；输入保存在 {args.artifacts}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
