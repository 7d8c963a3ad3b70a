"""Campaign fixtures: a logged-in test client per member of the cast."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client


@pytest.fixture
def client_for(cast: Any) -> Callable[[Any], Client]:
    """``client_for(cast.manager_a)`` -> a test client logged in as that user."""

    def make(user: Any) -> Client:
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return make
