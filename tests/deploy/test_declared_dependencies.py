"""Every third-party module the package imports comes from a dependency pyproject.toml declares.

A server installs qunguan from its wheel (or the offline wheels folder) without the development
tools: a module that is only there because a development tool pulled it in would make the
installed product fail at its first import. Modules imported when a module is loaded must be
runtime dependencies; those imported inside a function (optional features: OCR, the NoneBot
plugin, rebuilding shipped data) may come from an optional extra instead.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "qunguan"

# Modules loaded only by an optional host: the NoneBot plugin is imported by NoneBot itself,
# which the ``nonebot`` extra installs.
LOADED_BY_AN_EXTRA = {"qunguan/nonebot_plugin/__init__.py": "nonebot"}


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared(section: str) -> set[str]:
    """Return the normalised distribution names of ``dependencies`` or of an optional extra."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = (
        project["dependencies"] if section == "dependencies" else project["optional-dependencies"][section]
    )
    return {_normalise(re.split(r"[\[=<>~! ;]", line, maxsplit=1)[0]) for line in lines}


def third_party_imports(top_level_only: bool) -> dict[str, set[str]]:
    """Return {top-level module: files importing it} for imports outside the standard library."""
    found: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        nodes = tree.body if top_level_only else list(ast.walk(tree))
        for node in nodes:
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.partition(".")[0]
                if top in sys.stdlib_module_names or top in ("qunguan", "__future__"):
                    continue
                found.setdefault(top, set()).add(path.relative_to(ROOT).as_posix())
    return found


def distributions_of(module: str) -> set[str]:
    names = importlib.metadata.packages_distributions().get(module, [])
    assert names, f"没有安装提供模块 {module} 的发行包"
    return {_normalise(name) for name in names}


def test_modules_imported_at_load_time_are_runtime_dependencies() -> None:
    runtime = declared("dependencies")
    missing = []
    for module, files in third_party_imports(top_level_only=True).items():
        files = {f for f in files if f not in LOADED_BY_AN_EXTRA}
        if files and not distributions_of(module) & runtime:
            missing.append(f"{module}（{', '.join(sorted(files))}）")
    assert missing == []


def test_modules_imported_anywhere_are_declared_somewhere() -> None:
    every = set().union(*(declared(s) for s in ("dependencies", "dev", "ocr", "nonebot", "fuzz")))
    missing = [
        f"{module}（{', '.join(sorted(files))}）"
        for module, files in third_party_imports(top_level_only=False).items()
        if not distributions_of(module) & every
    ]
    assert missing == []


def test_the_plugin_exception_names_a_real_extra() -> None:
    for path, extra in LOADED_BY_AN_EXTRA.items():
        assert (ROOT / path).is_file()
        assert declared(extra)
