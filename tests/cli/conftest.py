"""Fixtures for the command-line specifications.

Most tests call a command in-process (``commands.run_command``) on the fixed cast. Where a
real process matters (exit statuses, ``--help``, ``serve``), ``commands.qunguan`` runs the console
script against its own SQLite database in a temporary data directory, copied from a template
migrated once per session (``demo_data_dir`` also holds the demo school).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .commands import qunguan


def _template(factory: pytest.TempPathFactory, name: str, *commands: tuple[str, ...]) -> Path:
    data_dir = factory.mktemp(name)
    for args in commands:
        result = qunguan(data_dir, *args)
        assert result.returncode == 0, result.stderr
    return data_dir


@pytest.fixture(scope="session")
def _migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _template(tmp_path_factory, "migrated", ("migrate", "-v", "0"))


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _template(tmp_path_factory, "demo", ("migrate", "-v", "0"), ("demo",))


@pytest.fixture
def data_dir(_migrated_template: Path, tmp_path: Path) -> Path:
    """A data directory with an empty, migrated database, for one test."""
    return Path(shutil.copytree(_migrated_template, tmp_path / "data"))


@pytest.fixture
def demo_data_dir(_demo_template: Path, tmp_path: Path) -> Path:
    """A data directory holding the demo school (about 60 groups, some breaking the rules), for one test."""
    return Path(shutil.copytree(_demo_template, tmp_path / "demo"))
