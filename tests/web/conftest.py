"""Web UI fixtures: a logged-in Django test client per member of the cast, and a large school."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client

from qunguan.web import breaches

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


@pytest.fixture
def client_for(cast: Any) -> Callable[[Any], Client]:
    """``client_for(cast.manager_a)`` -> a test client logged in as that user."""

    def make(user: Any) -> Client:
        client = Client()
        client.force_login(user, backend=MODEL_BACKEND)
        return client

    return make


@pytest.fixture
def large_school(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every school counts as large: pages read the shared check result from a cache of their own."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "checks": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "large-school"},
    }
    settings.QUNGUAN_CHECKS_CACHE_SECONDS = 120
    monkeypatch.setattr(breaches, "LARGE_SCOPE_GROUPS", 0)
    caches["checks"].clear()
    breaches.clear_local_cache()
    yield
    caches["checks"].clear()
    breaches.clear_local_cache()
