"""The offline install path: scripts/build_wheels.py covers every dependency pyproject.toml pins."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_wheels", ROOT / "scripts" / "build_wheels.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_wheels"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


build_wheels = _load_script()


def pinned_in_pyproject(section: str) -> set[str]:
    """Return ``name==version`` of each pinned line in a dependency list of pyproject.toml, read as text."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    block = re.search(rf"^{section} = \[\n(.*?)^\]", text, flags=re.MULTILINE | re.DOTALL)
    assert block is not None
    pins = re.findall(r'^\s*"([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==([^"]+)",', block.group(1), flags=re.MULTILINE)
    return {f"{build_wheels.normalise(name)}=={version}" for name, version in pins}


def as_pins(reqs: list) -> set[str]:
    return {f"{build_wheels.normalise(r.name)}=={r.version}" for r in reqs if r.version}


def test_the_wheel_list_covers_every_pinned_runtime_dependency() -> None:
    pins = pinned_in_pyproject("dependencies")
    assert len(pins) > 10
    assert pins <= as_pins(build_wheels.requirements())


def test_with_dev_the_wheel_list_covers_the_development_tools_too() -> None:
    pins = pinned_in_pyproject("dependencies") | pinned_in_pyproject("dev")
    assert pins <= as_pins(build_wheels.requirements(dev=True))


def _fake_wheels(directory: Path, reqs: list) -> None:
    for req in reqs:
        name = build_wheels.normalise(req.name)
        (directory / f"{name}-{req.version or '1.0'}-py3-none-any.whl").write_bytes(b"")


def test_a_folder_with_every_pinned_wheel_is_complete(tmp_path: Path) -> None:
    reqs = build_wheels.requirements(dev=True)
    _fake_wheels(tmp_path, reqs)
    assert build_wheels.missing_wheels(tmp_path, reqs) == []
    assert build_wheels.main(["--dest", str(tmp_path), "--dev", "--check-only"]) == 0


def test_a_missing_or_wrong_version_wheel_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reqs = build_wheels.requirements()
    _fake_wheels(tmp_path, reqs)
    django = next(r for r in reqs if r.name == "Django")
    (tmp_path / f"django-{django.version}-py3-none-any.whl").rename(tmp_path / "django-4.0-py3-none-any.whl")
    psycopg = next(r for r in reqs if r.name == "psycopg")
    (tmp_path / f"psycopg-{psycopg.version}-py3-none-any.whl").unlink()
    assert [r.name for r in build_wheels.missing_wheels(tmp_path, reqs)] == ["Django", "psycopg"]
    assert build_wheels.main(["--dest", str(tmp_path), "--check-only"]) == 1
    err = capsys.readouterr().err
    assert f"缺少 Django=={django.version} 的 wheel 文件" in err
    assert f"缺少 psycopg[binary]=={psycopg.version} 的 wheel 文件" in err


@pytest.mark.parametrize(
    ("line", "name", "version"),
    [
        ("Django==5.2.19", "Django", "5.2.19"),
        ("psycopg[binary]==3.3.9", "psycopg", "3.3.9"),
        ("types-openpyxl", "types-openpyxl", None),
    ],
)
def test_requirement_lines_are_read_with_their_pins(line: str, name: str, version: str | None) -> None:
    req = build_wheels.parse_requirement(line)
    assert (req.name, req.version) == (name, version)
