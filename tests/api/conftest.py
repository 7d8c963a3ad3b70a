"""Clients for the API specifications: a logged-in browser session per member of the cast."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client


class ApiClient:
    """A thin JSON client over Django's test client; ``get``/``post``/``patch`` return the response."""

    def __init__(self, client: Client, headers: dict[str, str] | None = None) -> None:
        self.client = client
        self.headers = headers or {}

    def get(self, url: str, **params: Any) -> Any:
        return self.client.get(url, params, headers=self.headers)

    def post(self, url: str, body: Any = None) -> Any:
        return self.client.post(url, body or {}, content_type="application/json", headers=self.headers)

    def patch(self, url: str, body: Any) -> Any:
        return self.client.patch(url, body, content_type="application/json", headers=self.headers)


@pytest.fixture
def api_as(db: Any) -> Callable[[Any], ApiClient]:
    """Return a factory: ``api_as(user)`` is an API client with ``user``'s browser session."""

    def make(user: Any) -> ApiClient:
        client = Client()
        client.force_login(user)
        return ApiClient(client)

    return make
