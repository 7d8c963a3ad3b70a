"""One demo school per test module: building it takes seconds, reading it takes milliseconds.

``demo`` builds the school once inside an outer transaction that is rolled back when the
module ends; each test's own transaction nests inside it, so tests still cannot see each
other's changes and nothing leaks into other modules.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run_demo(*args: str) -> str:
    """Run ``qunguan demo ARGS`` and return what it printed."""
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


@dataclass(frozen=True)
class Demo:
    output: str
    media_root: Path


@pytest.fixture(scope="module")
def demo_school(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[Demo]:
    media_root = tmp_path_factory.mktemp("demo-uploads")
    # six accounts with production-strength hashing would dominate the build time
    with (
        override_settings(PASSWORD_HASHERS=FAST_HASHERS, MEDIA_ROOT=str(media_root)),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        yield Demo(run_demo(), media_root)
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_school: Demo, db: Any, settings: Any) -> Demo:
    settings.PASSWORD_HASHERS = FAST_HASHERS
    return demo_school
