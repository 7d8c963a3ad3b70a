"""qunguan.audit — the message audit engine (审核引擎): text in, findings out.

A pure-Python library: nothing under ``qunguan.audit`` imports Django. Typical use::

    from qunguan.audit import Auditor, redact
    auditor = Auditor()                      # the shipped default policy
    findings = auditor.scan("我的电话 138 0013 8000")
    safe = redact(text, findings)            # 我的电话 138 **** 8000 -> masked copy
"""

from __future__ import annotations

from qunguan.audit.detectors.base import MessageContext
from qunguan.audit.engine import Auditor
from qunguan.audit.finding import Finding, Severity
from qunguan.audit.mask import redact
from qunguan.audit.policy import Policy, PolicyError, load_policy

__all__ = [
    "Auditor",
    "Finding",
    "MessageContext",
    "Policy",
    "PolicyError",
    "Severity",
    "load_policy",
    "redact",
]
