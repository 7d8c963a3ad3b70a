"""Fixtures of the import pipeline's specifications: the test chat format from tests/chatfixtures.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.chatfixtures import PipeFormat, chat_data_dir, chat_file, fresh_auditor, pipe_format

__all__ = ["PipeFormat", "chat_data_dir", "chat_file", "fresh_auditor", "pipe_format"]


@pytest.fixture(autouse=True)
def _data_dir(chat_data_dir: Path, fresh_auditor: None) -> None:
    """Every import here writes its rejects under the test's folder and starts a fresh auditor."""
