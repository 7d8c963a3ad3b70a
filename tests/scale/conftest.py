"""Fixtures of the hot pages' specifications: the test chat format and logged-in clients."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.chatfixtures import PipeFormat, chat_data_dir, chat_file, fresh_auditor, pipe_format

__all__ = ["PipeFormat", "chat_data_dir", "chat_file", "fresh_auditor", "pipe_format"]

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


@pytest.fixture(autouse=True)
def _data_dir(chat_data_dir: Path, fresh_auditor: None) -> None:
    """Every import here writes its rejects under the test's folder and starts a fresh auditor."""


@pytest.fixture
def client_for(cast: Any) -> Callable[[Any], Client]:
    """``client_for(cast.supervisor)`` -> a test client logged in as that user."""

    def make(user: Any) -> Client:
        client = Client()
        client.force_login(user, backend=MODEL_BACKEND)
        return client

    return make
