"""Fixtures of the unregistered-group specifications: groups seen by each unit's import, API clients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from qunguan.unregistered.actions import Sighting, note_sightings
from qunguan.unregistered.models import UnregisteredGroup

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


class ApiClient:
    """A JSON client over Django's test client with a user's browser session."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def get(self, url: str, **params: Any) -> Any:
        return self.client.get(url, params)

    def post(self, url: str, body: Any = None) -> Any:
        return self.client.post(url, body or {}, content_type="application/json")


@pytest.fixture
def seen(cast: Any) -> Callable[..., UnregisteredGroup]:
    """``seen(actor, account, name)`` records a group seen in ``actor``'s import; returns its row."""

    def make(actor: Any, account: str, name: str = "兴趣群") -> UnregisteredGroup:
        (row,) = note_sightings([Sighting("qq", account, name, messages=3)], source="import", actor=actor)
        return row

    return make


@pytest.fixture
def api_as(db: Any) -> Callable[[Any], ApiClient]:
    def make(user: Any) -> ApiClient:
        client = Client()
        client.force_login(user, backend=MODEL_BACKEND)
        return ApiClient(client)

    return make


@pytest.fixture
def web_as(db: Any) -> Callable[[Any], Client]:
    def make(user: Any) -> Client:
        client = Client()
        client.force_login(user, backend=MODEL_BACKEND)
        return client

    return make
