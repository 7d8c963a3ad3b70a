"""Fixtures for the approval specifications: an over-150 group of 作曲系 and scans to attach."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from qunguan.registry import actions
from qunguan.registry.models import Group

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def scan(name: str = "签批单.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def big_group(cast: Any, *, members: int = 180, name: str = "作曲系全体师生群") -> Group:
    return actions.do_register_group(
        None,
        platform="qq",
        account="600100999",
        name=name,
        unit=cast.composition,
        member_scope="作曲系全体师生",
        purpose="教学通知",
        owner=cast.teacher_a,
        created_on=dt.date(2023, 9, 1),
        member_count=members,
        admins=[cast.teacher_a],
    )


@pytest.fixture
def oversize_group(cast: Any) -> Group:
    return big_group(cast)


@pytest.fixture
def client_for(cast: Any) -> Any:
    """``client_for(cast.manager_a)`` -> a Django test client logged in as that user."""
    from django.test import Client

    def make(user: Any) -> Client:
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return make
