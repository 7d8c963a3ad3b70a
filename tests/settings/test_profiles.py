"""The settings profiles: a fresh data directory gets a kept secret key; production passes check --deploy."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

LONG_KEY = "k3Y-" + "x9Qz7Lm2Vb8Nc4Rt6Yp1Ws5Ud0Ef3Gh" * 2


def django(args: list[str], data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m django ARGS`` in a clean environment pointing at ``data_dir``."""
    base = {
        k: v for k, v in os.environ.items() if not k.startswith(("QUNGUAN_", "DATABASE_URL", "SECRET_KEY"))
    }
    base.update({"QUNGUAN_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "qunguan.settings", **env})
    return subprocess.run(
        [sys.executable, "-m", "django", *args],
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_first_run_generates_a_secret_key_and_keeps_it(tmp_path):
    show = ["shell", "-v", "0", "-c", "from django.conf import settings; print(settings.SECRET_KEY)"]
    first = django(show, tmp_path)
    second = django(show, tmp_path)
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert len(key) >= 50
    assert second.stdout.strip() == key
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_the_database_defaults_to_sqlite_in_the_data_directory(tmp_path):
    show = [
        "shell",
        "-v",
        "0",
        "-c",
        "from django.db import connection as c; print(c.vendor, c.settings_dict['NAME'])",
    ]
    result = django(show, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["sqlite", str(tmp_path / "qunguan.sqlite3")]


def test_production_profile_passes_check_deploy(tmp_path):
    result = django(
        ["check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        QUNGUAN_PROFILE="production",
        SECRET_KEY=LONG_KEY,
        ALLOWED_HOSTS="qunguan.example.edu.cn",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_embedded_profile_is_not_deployable_as_is(tmp_path):
    # The check is real: without the production profile, the HTTPS-only settings are missing.
    result = django(["check", "--deploy", "--fail-level", "WARNING"], tmp_path, SECRET_KEY=LONG_KEY)
    assert result.returncode != 0
    assert "SESSION_COOKIE_SECURE" in result.stdout + result.stderr


@pytest.mark.parametrize(("name", "value"), [("QUNGUAN_PROFILE", "staging"), ("QUNGUAN_DEBUG", "maybe")])
def test_a_bad_setting_is_named_in_the_error(tmp_path, name, value):
    result = django(["check"], tmp_path, **{name: value})
    assert result.returncode != 0
    assert name in result.stderr


def test_every_environment_variable_is_documented_in_env_example():
    root = Path(__file__).resolve().parents[2]
    source = (root / "qunguan" / "settings.py").read_text(encoding="utf-8")
    read = set(re.findall(r"""(?:environ\.get|_env_bool|_env_secret)\(\s*["']([A-Z_]+)["']""", source))
    read |= {f"{name}_FILE" for name in re.findall(r"""_env_secret\(\s*["']([A-Z_]+)["']""", source)}
    documented = set(re.findall(r"^#?([A-Z_]+)=", (root / ".env.example").read_text(encoding="utf-8"), re.M))
    assert read >= {"DATABASE_URL", "QUNGUAN_DATA_DIR", "SECRET_KEY"}
    assert read - documented == set()
