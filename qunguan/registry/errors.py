"""Errors raised by registry actions: a stable machine code and a Chinese message."""

from __future__ import annotations


class RegistryError(Exception):
    """A domain rule refused the change. ``code`` is stable for API clients and tests."""

    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


DUPLICATE_ACCOUNT = "duplicate_account"
UNIT_CYCLE = "unit_cycle"
DUPLICATE_NUMBER = "duplicate_number"
OUT_OF_SCOPE = "out_of_scope"
INVALID = "invalid"
DUPLICATE_OFFICIAL = "duplicate_official"
BAD_STATE = "bad_state"
