"""Users read Chinese: Django's own messages that reach them are Chinese too."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import translation


@pytest.mark.parametrize("password", ["abc", "12345678", "password"])
def test_password_rules_are_explained_in_chinese(password):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        validate_password(password)
    for message in caught.value.messages:
        assert not re.search(r"[A-Za-z]{3,}", message), message
