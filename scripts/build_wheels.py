"""Collect qunguan and every dependency as wheels, for installing on a server without internet.

    python scripts/build_wheels.py [--dest dist/wheels] [--dev]

On a machine with internet access and the same system as the server (Debian 12 / Ubuntu, the
same Python minor version and CPU architecture), this runs ``pip wheel`` for qunguan and its
pinned dependencies (with ``--dev`` the development tools too), then checks that the folder
holds a wheel of the pinned version for each of them. Copy the folder to the server and install
with::

    python3 -m venv /opt/qunguan/.venv
    /opt/qunguan/.venv/bin/pip install --no-index --find-links /path/to/wheels qunguan

Exit status: 0 when every pinned dependency has its wheel, 1 when some are missing (listed),
2 when pip failed.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Requirement:
    """One dependency line of pyproject.toml: the distribution name and its pinned version, if any."""

    line: str
    name: str
    version: str | None


def normalise(name: str) -> str:
    """Return a distribution name as wheel file names spell it (PEP 427/503: lower case, ``_``)."""
    return re.sub(r"[-_.]+", "_", name).lower()


def parse_requirement(line: str) -> Requirement:
    """Return the requirement of one pyproject.toml dependency string (``psycopg[binary]==3.3.9``)."""
    match = re.fullmatch(
        r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(?:==\s*([^\s;,]+))?\s*(?:;.*)?", line
    )
    if match is None:
        raise ValueError(f"pyproject.toml: 无法识别的依赖声明 {line!r}")
    return Requirement(line=line, name=match.group(1), version=match.group(2))


def requirements(pyproject: Path = ROOT / "pyproject.toml", *, dev: bool = False) -> list[Requirement]:
    """Return the project's dependencies (and the ``dev`` extra's with ``dev``) in file order."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    lines = list(project.get("dependencies", []))
    if dev:
        lines += project.get("optional-dependencies", {}).get("dev", [])
    return [parse_requirement(line) for line in lines]


def wheel_versions(directory: Path) -> dict[str, set[str]]:
    """Return, per normalised distribution name, the versions of the wheels in ``directory``."""
    found: dict[str, set[str]] = {}
    for wheel in directory.glob("*.whl"):
        name, version = wheel.name.split("-")[:2]
        found.setdefault(normalise(name), set()).add(version)
    return found


def missing_wheels(directory: Path, wanted: list[Requirement]) -> list[Requirement]:
    """Return the requirements that have no wheel (of the pinned version, when pinned) in ``directory``."""
    found = wheel_versions(directory)
    return [
        req
        for req in wanted
        if normalise(req.name) not in found
        or (req.version is not None and req.version not in found[normalise(req.name)])
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="把 qunguan 及全部依赖下载/构建为 wheel 文件，供无外网的内网服务器离线安装。"
    )
    parser.add_argument(
        "--dest", type=Path, default=ROOT / "dist" / "wheels", help="存放 wheel 的目录（默认 dist/wheels）"
    )
    parser.add_argument("--dev", action="store_true", help="同时包括开发与测试工具（dev 依赖）")
    parser.add_argument("--check-only", action="store_true", help="不下载，只检查目录中是否齐全")
    args = parser.parse_args(argv)
    wanted = requirements(dev=args.dev)
    args.dest.mkdir(parents=True, exist_ok=True)
    if not args.check_only:
        target = f"{ROOT}[dev]" if args.dev else str(ROOT)
        command = [sys.executable, "-m", "pip", "wheel", "--wheel-dir", str(args.dest), target]
        print("运行：", " ".join(command), flush=True)
        if subprocess.run(command, check=False).returncode != 0:
            print("pip wheel 失败，见上面的输出。", file=sys.stderr)
            return 2
    missing = missing_wheels(args.dest, wanted)
    for req in missing:
        print(f"{args.dest}: 缺少 {req.line} 的 wheel 文件", file=sys.stderr)
    if missing:
        return 1
    count = len(list(args.dest.glob("*.whl")))
    print(f"{args.dest}: {count} 个 wheel，覆盖 pyproject.toml 中全部 {len(wanted)} 项依赖。")
    print(f"离线安装：pip install --no-index --find-links {args.dest} qunguan")
    return 0


if __name__ == "__main__":
    sys.exit(main())
