"""The result type of the audit engine: one finding (违规信息 / 命中) in one text.

This module is part of the pure-Python audit library: it must never import Django.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass
from typing import Any


class Severity(enum.IntEnum):
    """How serious a finding is; ordered so that policies can say "at least HIGH"."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, value: str | int | Severity) -> Severity:
        """Return the severity named by ``value`` (``"high"``, ``3`` …); raise ValueError otherwise."""
        if isinstance(value, Severity):
            return value
        if isinstance(value, int):
            return cls(value)
        try:
            return cls[value.strip().upper()]
        except KeyError:
            names = ", ".join(s.name.lower() for s in cls)
            raise ValueError(f"unknown severity {value!r}; expected one of {names}") from None

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule hit.

    ``start``/``end`` index the ORIGINAL text (Python ``str`` indices, end exclusive), whatever
    normalisation the detector matched on. ``evidence`` is already masked: it is safe to show on
    screen and to write to logs. ``explanation`` is one Chinese sentence a group admin can read.
    """

    category: str  # taxonomy name from DESIGN.md, e.g. "privacy.id_card", "abuse"
    rule: str  # stable rule id, e.g. "privacy.id_card.gb11643"
    severity: Severity
    start: int
    end: int
    evidence: str
    score: float  # 0..1 confidence
    explanation: str

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON-ready form used by the CLI, API and storage."""
        data = asdict(self)
        data["severity"] = self.severity.label
        return data
