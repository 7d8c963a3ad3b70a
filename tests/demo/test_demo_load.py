"""Loading the demo into an empty database, and loading it the same way every time."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from qunguan.accounts.models import User
from qunguan.demo.build import build
from qunguan.registry.models import Group, Person, Unit
from tests.demo.conftest import FAST_HASHERS, run_demo


@pytest.fixture(autouse=True)
def _fast_hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = FAST_HASHERS


def test_demo_if_empty_builds_an_empty_database(db):
    out = run_demo("--if-empty")
    assert "已载入演示数据" in out
    assert User.objects.filter(username="xuanchuan").exists()


class _Rollback(Exception):
    pass


def _fingerprint() -> tuple[list[Any], ...]:
    return (
        sorted(Unit.objects.values_list("name", "kind", "headcount", "head__number", "liaison__number")),
        sorted(Person.objects.values_list("number", "name", "kind", "unit__name", "phone")),
        sorted(
            Group.objects.values_list(
                "platform", "account", "name", "unit__name", "member_count", "owner__number", "status"
            )
        ),
    )


def _build_and_roll_back() -> tuple[list[Any], ...]:
    """Build the demo, take its fingerprint, and roll the build back."""
    try:
        with transaction.atomic():
            build()
            raise _Rollback(_fingerprint())
    except _Rollback as done:
        return done.args[0]


def test_demo_is_deterministic(db):
    assert _build_and_roll_back() == _build_and_roll_back()
