"""Stable error codes of the filing campaign; raised as ``RegistryError`` so every transport maps them alike."""

from __future__ import annotations

DUPLICATE_CAMPAIGN = "duplicate_campaign"
WRONG_STATE = "wrong_state"
INCOMPLETE = "incomplete"
BAD_SCAN = "bad_scan"
