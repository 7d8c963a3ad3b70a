"""Filing specifications run once per file format."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(params=["xlsx", "docx"])
def fmt(request: Any) -> str:
    """The export format under test: each document specification runs for XLSX and for DOCX."""
    return request.param
