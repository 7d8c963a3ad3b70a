"""Running qunguan in tests: as a real process (``qunguan``) or in-process (``run_command``)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import CommandError

_SCRIPT = Path(sys.executable).with_name("qunguan")
QUNGUAN = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "qunguan"]


def qunguan_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """Return a clean environment that points qunguan at ``data_dir`` and its own SQLite file."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("QUNGUAN_", "DATABASE_URL", "SECRET_KEY", "DJANGO_"))
    }
    env.update(
        {
            "QUNGUAN_DATA_DIR": str(data_dir),
            "DATABASE_URL": f"sqlite:///{data_dir / 'qunguan.sqlite3'}",
            **extra,
        }
    )
    return env


def qunguan(data_dir: Path, *args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    """Run ``qunguan ARGS`` as a real process and return it (stdout and stderr captured)."""
    return subprocess.run(
        [*QUNGUAN, *args],
        env=qunguan_env(data_dir, **extra_env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@dataclass(frozen=True)
class Outcome:
    """What a command printed; ``error`` is the CommandError it raised, if any."""

    out: str
    err: str
    error: str | None = None


def run_command(name: Any, *args: str, **options: Any) -> Outcome:
    """Run a management command in-process with ``call_command`` and return what it printed."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(name, *args, stdout=out, stderr=err, **options)
    except CommandError as exc:
        return Outcome(out.getvalue(), err.getvalue(), str(exc))
    return Outcome(out.getvalue(), err.getvalue())
