"""Masking personal numbers in what qunguan keeps outside its tables: the cheap entry point.

Logs, the audit log, notices and exported rows call ``mask_text`` / ``mask_values``. The work
is done by ``qunguan.audit.scrub`` (the audit engine's own privacy detectors); importing the
engine loads its models, which a short command (``qunguan backup``) should not pay for text
that cannot hold a number. So a text is handed to the detectors only when it has at least
``MIN_DIGITS`` digit-like characters, and the engine is imported then, once.
"""

from __future__ import annotations

from typing import Any

# The shortest number the detectors report (a phone number) has ten digits.
MIN_DIGITS = 10
# Digit-like characters the audit engine counts (``normalize.digit_like_chars``) that
# ``str.isdigit`` does not: Chinese numerals, financial forms, 幺 and 两. A spec checks that
# this set and ``isdigit`` together cover every character the engine counts.
_OTHER_DIGITS = frozenset("〇零一二三四五六七八九两兩幺壹贰貳叁參叄肆伍陆陸柒捌玖")


def could_hold_a_number(text: str) -> bool:
    """Return whether ``text`` has enough digit-like characters to hold an ID, phone or card number."""
    if len(text) < MIN_DIGITS:
        return False
    found = sum(map(str.isdigit, text))
    if found >= MIN_DIGITS or text.isascii():
        return found >= MIN_DIGITS
    return found + sum(map(_OTHER_DIGITS.__contains__, text)) >= MIN_DIGITS


def mask_text(text: str) -> str:
    """Return ``text`` with every ID, phone and bank card number masked (138****8000)."""
    if not could_hold_a_number(text):
        return text
    from qunguan.audit.scrub import mask_personal_numbers

    return mask_personal_numbers(text)


def _could_hold(value: Any) -> bool:
    if isinstance(value, str):
        return could_hold_a_number(value)
    if isinstance(value, dict):
        return any(_could_hold(k) or _could_hold(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_could_hold(v) for v in value)
    return False


def mask_values(value: Any) -> Any:
    """Return ``value`` (text, or dicts and lists of it) with every string masked like ``mask_text``.

    Numbers, dates and other values are returned unchanged; containers are copied.
    """
    if not _could_hold(value):
        return value
    from qunguan.audit.scrub import mask_personal_values

    return mask_personal_values(value)


__all__ = ["MIN_DIGITS", "could_hold_a_number", "mask_text", "mask_values"]
