"""Masking personal numbers in text the product keeps outside its message store (脱敏).

Log lines, the rejects file of an import and the audit log's summaries hold free text: a
message's first characters, a card (群名片) typed by a member, a note a reviewer wrote. Before
such text is written, ``mask_personal_numbers`` masks every resident ID number, phone number
and bank card number in it, found by the engine's own privacy detectors (the same validation:
GB 11643 checksum, real mobile prefixes and area codes, Luhn) and masked as in evidence
(``mask.mask_span``: 5101**********1232, 138****5678, ***************1234). There is no
second set of patterns here: a number the detectors would report in a message is masked in
a log line, and a 学号 or 订单号 they would leave alone is left alone.

Pure Python, no Django, like the rest of ``qunguan.audit``.
"""

from __future__ import annotations

from typing import Any

from qunguan.audit.detectors.base import Detector, Document
from qunguan.audit.detectors.privacy import BankCardDetector, IdCardDetector, PhoneDetector
from qunguan.audit.mask import redact
from qunguan.audit.normalize import count_digits

# The detectors of personal *numbers*. Birth dates and addresses are left to the message
# audit: in a log line or a file name a date is far more often a timestamp than a birthday.
_DETECTORS: tuple[Detector, ...] = (IdCardDetector(), PhoneDetector(), BankCardDetector())
# The fewest digits any of them needs (a phone number: ten). A text with fewer digit-like characters cannot hold one and is returned as is.
_MIN_DIGITS = min(d.min_digits for d in _DETECTORS)


def mask_personal_numbers(text: str) -> str:
    """Return ``text`` with every ID, phone and bank card number masked (same length as ``text``)."""
    if len(text) < _MIN_DIGITS or count_digits(text) < _MIN_DIGITS:
        return text
    doc = Document(text)
    findings = [f for detector in _DETECTORS for f in detector.scan(doc)]
    return redact(text, findings) if findings else text


def mask_personal_values(value: Any) -> Any:
    """Return ``value`` with ``mask_personal_numbers`` applied to every string inside it.

    Dicts, lists and tuples are copied with their strings masked (dict keys included); numbers,
    dates and anything else are returned unchanged.
    """
    if isinstance(value, str):
        return mask_personal_numbers(value)
    if isinstance(value, dict):
        return {mask_personal_values(k): mask_personal_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_personal_values(v) for v in value]
    if isinstance(value, tuple):
        return tuple(mask_personal_values(v) for v in value)
    return value


__all__ = ["mask_personal_numbers", "mask_personal_values"]
