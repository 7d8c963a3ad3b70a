"""Fixtures for the command-line specifications.

Most tests call a command in-process (``commands.run_command``) on the fixed cast. Where a
real process matters (exit statuses, ``--help``, ``serve``), ``commands.qunguan`` runs the console
script against its own SQLite database in a temporary data directory, copied from a template
migrated once per test run and shared by the xdist workers (``demo_data_dir`` also holds the demo
school).
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from .commands import qunguan

HERE = Path(__file__).parent
ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
DATABASE_FIXTURES = frozenset({"db", "transactional_db", "live_server"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under PostgreSQL, leave out the specs here that never open the suite's database.

    They run the console script in a process of its own whose database is always a SQLite file
    in its data directory (``commands.qunguan_env``), or no database at all (``--help``): the
    PostgreSQL run would repeat the SQLite run's work exactly. The in-process specs stay.
    """
    if not ON_POSTGRES:
        return
    keep: list[pytest.Item] = []
    repeated: list[pytest.Item] = []
    for item in items:
        here = HERE in Path(item.path).parents
        uses_database = bool(DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))) or bool(
            item.get_closest_marker("django_db")
        )
        (repeated if here and not uses_database else keep).append(item)
    if repeated:
        config.hook.pytest_deselected(items=repeated)
        items[:] = keep


def _shared(factory: pytest.TempPathFactory, name: str, make: Callable[[Path], None]) -> Path:
    """Return the template data directory ``name``, made by ``make`` once per test run.

    Under pytest-xdist the workers share it (the run's base folder, a file lock): the first
    worker to need it makes it, the others wait for it. Tests only ever copy a template.
    """
    root = factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent / "cli-templates"
        root.mkdir(exist_ok=True)
    target, done = root / name, root / f"{name}.done"
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(target, ignore_errors=True)
            make(target)
            done.touch()
    return target


def _run(data_dir: Path, *args: str) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    result = qunguan(data_dir, *args)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="session")
def _migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _shared(tmp_path_factory, "migrated", lambda d: _run(d, "migrate", "-v", "0"))


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory: pytest.TempPathFactory, _migrated_template: Path) -> Path:
    def make(target: Path) -> None:
        shutil.copytree(_migrated_template, target)
        _run(target, "demo")

    return _shared(tmp_path_factory, "demo", make)


@pytest.fixture
def data_dir(_migrated_template: Path, tmp_path: Path) -> Path:
    """A data directory with an empty, migrated database, for one test."""
    return Path(shutil.copytree(_migrated_template, tmp_path / "data"))


@pytest.fixture
def demo_data_dir(_demo_template: Path, tmp_path: Path) -> Path:
    """A data directory holding the demo school (about 60 groups, some breaking the rules), for one test."""
    return Path(shutil.copytree(_demo_template, tmp_path / "demo"))
