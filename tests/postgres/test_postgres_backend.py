"""The suite really talks to PostgreSQL when DATABASE_URL says so (``make test-postgres``)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group as AuthGroup
from django.db import connection, transaction

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_connection_is_postgresql() -> None:
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('server_version_num')::int, current_setting('server_encoding')"
        )
        version, encoding = cursor.fetchone()
    assert version >= 140000
    assert encoding == "UTF8"


def test_queries_are_not_compiled_just_in_time() -> None:
    """A page's queries are short: compiling one costs more than it saves (settings.py)."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)


def _create_then_fail(name: str) -> None:
    with transaction.atomic():
        AuthGroup.objects.create(name=name)
        raise RuntimeError("roll back")


def test_transaction_round_trip() -> None:
    AuthGroup.objects.create(name="群管-提交")
    with pytest.raises(RuntimeError, match="roll back"):
        _create_then_fail("群管-回滚")
    assert list(AuthGroup.objects.filter(name__startswith="群管").values_list("name", flat=True)) == [
        "群管-提交"
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM auth_group WHERE name = %s", ["群管-提交"])
        assert cursor.fetchone() == ("群管-提交",)
