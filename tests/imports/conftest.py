"""Fixtures that build import files in memory (see import_files.py)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import pytest
from import_files import csv_bytes, xlsx_bytes


@pytest.fixture
def csv_file():
    def make(rows: Sequence[Sequence[Any]], encoding: str = "utf-8") -> io.BytesIO:
        return io.BytesIO(csv_bytes(rows, encoding))

    return make


@pytest.fixture
def xlsx_file():
    def make(rows: Sequence[Sequence[Any]]) -> io.BytesIO:
        return io.BytesIO(xlsx_bytes(rows))

    return make
