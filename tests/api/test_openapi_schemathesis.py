"""The OpenAPI document, exercised: generated requests for every operation never get a 5xx, and
every response with a documented status matches its schema.

Requests are made in-process through the WSGI application, with the logged-in browser session
of the supervisor (the whole school) and of a unit manager (one college), so both the full and
the scoped answers are checked. ``make test`` sends a few examples per operation;
``make soak`` sets ``QUNGUAN_SCHEMATHESIS_EXAMPLES`` for a long run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from django.utils.crypto import get_random_string
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from qunguan.api.main import api

EXAMPLES = int(os.environ.get("QUNGUAN_SCHEMATHESIS_EXAMPLES", "4"))

schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = get_wsgi_application()


# The primary keys of the cast's objects by path parameter name, set by a fixture.
CAST_IDS: dict[str, list[int]] = {}


@schema.hook
def map_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> dict[str, Any] | None:
    """Point generated ids at the cast's objects, so that answers about real groups, units and
    people in and out of the caller's scope are checked too; negative and huge ids stay as
    generated, and every other path parameter (approvals, cases, tokens …) names nothing."""
    if not path_parameters:
        return path_parameters
    mapped = dict(path_parameters)
    for key, value in path_parameters.items():
        known = CAST_IDS.get(key)
        number = int(value) if isinstance(value, str) and value.isdigit() else value
        if known and isinstance(number, int) and 0 <= number < 2**31:
            mapped[key] = known[number % len(known)]
    return mapped


CHECKS = [not_a_server_error, response_schema_conformance]
HYPOTHESIS = hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same requests on every run: a failure can be replayed
    database=None,
    suppress_health_check=list(HealthCheck),
)


def browser_session(user: Any) -> tuple[dict[str, str], dict[str, str]]:
    """Return (cookies, headers) of a logged-in session with a CSRF token, as a browser sends them."""
    client = Client()
    client.force_login(user)
    csrf = get_random_string(32)
    cookies = {
        settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value,
        settings.CSRF_COOKIE_NAME: csrf,
    }
    return cookies, {"X-CSRFToken": csrf, "Referer": "https://localhost/"}


@pytest.fixture(autouse=True)
def _keep_the_test_transactions_connection() -> Iterator[None]:
    # The WSGI handler closes the database connection after each request; inside a test that
    # would end the transaction the test runs in (PostgreSQL). Django's own test client
    # switches this off in the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _cast_ids(cast: Any) -> Iterator[None]:
    CAST_IDS.update(
        group_id=[cast.group_a.pk, cast.group_b.pk],
        unit_id=[cast.school.pk, cast.composition.pk, cast.composition_class.pk, cast.vocal.pk],
        person_id=[cast.teacher_a.pk, cast.teacher_b.pk, cast.student_a.pk],
    )
    yield
    CAST_IDS.clear()


@pytest.fixture
def supervisor_session(cast: Any) -> tuple[dict[str, str], dict[str, str]]:
    return browser_session(cast.supervisor)


@pytest.fixture
def unit_manager_session(cast: Any) -> tuple[dict[str, str], dict[str, str]]:
    return browser_session(cast.manager_a)


@schema.parametrize()
@HYPOTHESIS
def test_supervisor_requests_get_no_server_error_and_match_the_schema(
    case: Any, supervisor_session: tuple[dict[str, str], dict[str, str]]
) -> None:
    cookies, headers = supervisor_session
    case.call_and_validate(cookies=cookies, headers=headers, checks=CHECKS)


@schema.parametrize()
@HYPOTHESIS
def test_unit_manager_requests_get_no_server_error_and_match_the_schema(
    case: Any, unit_manager_session: tuple[dict[str, str], dict[str, str]]
) -> None:
    cookies, headers = unit_manager_session
    case.call_and_validate(cookies=cookies, headers=headers, checks=CHECKS)


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("post", "/api/review/bulk", {"ids": [2**70], "action": "dismiss"}),
        ("get", f"/api/groups/{2**70}", None),
        ("get", f"/api/approvals?offset={2**70}", None),
        ("get", f"/api/people?offset={2**70}", None),
        ("get", f"/api/groups?offset={2**70}", None),
        ("get", f"/api/review/findings?offset={2**70}", None),
        ("get", f"/api/review/cases?offset={2**70}", None),
    ],
)
def test_a_number_beyond_the_databases_range_is_a_clear_input_error(
    cast: Any, method: str, url: str, body: Any
) -> None:
    client = Client()
    client.force_login(cast.supervisor)
    if method == "post":
        response = client.post(url, body, content_type="application/json")
    else:
        response = client.get(url)
    assert response.status_code in {404, 422}
    if response.status_code == 422:
        assert response.json()["code"] in {"out_of_range", "validation_error"}
