"""Masking personal data for the screen (手机号 138****5678, e-mail z***@example.edu.cn)."""

from __future__ import annotations


def mask_phone(value: str) -> str:
    """Return the phone with its middle digits hidden; short values are fully hidden."""
    digits = value.strip()
    if len(digits) >= 7:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    return "*" * len(digits)


def mask_email(value: str) -> str:
    local, sep, domain = value.partition("@")
    if not sep:
        return "*" * len(value)
    return (local[:1] + "***") + "@" + domain


def mask_contact(phone: str, email: str = "") -> str:
    parts = [mask_phone(phone)] if phone else []
    if email:
        parts.append(mask_email(email))
    return " ".join(parts)
