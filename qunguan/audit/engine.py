"""The auditor (审核引擎): runs the registered detectors on a text under a policy.

Speed matters (issue 3: ≥ 200,000 messages/s per core with the rule set), so a message only
pays for the detectors that could possibly match it. Each detector declares trigger
characters and a minimum number of digit-like characters (``Detector.trigger_chars`` /
``min_digits``); the engine compiles all trigger characters into ONE character-class regex
and counts digits with one more, then runs a detector only when its conditions hold.
Normalisation is lazy (``Document.normalized``): a message that triggers nothing is never
normalised.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from qunguan.audit.detectors.base import Detector, Document, MessageContext
from qunguan.audit.finding import Finding
from qunguan.audit.normalize import RAW_DIGIT_CLASS, t2s_table
from qunguan.audit.policy import Policy, load_policy

_DIGIT_RE = re.compile(RAW_DIGIT_CLASS)

ScanInput = str | tuple[str, MessageContext | None]


@dataclass(slots=True)
class _Plan:
    """What runs for one (group-specific) policy: detectors plus the combined prefilter."""

    policy: Policy
    always: tuple[tuple[Detector, re.Pattern[str] | None], ...]  # digit condition (+ regex) only
    triggered: tuple[tuple[Detector, int, re.Pattern[str] | None], ...]  # (detector, bit, regex)
    trigger_re: re.Pattern[str] | None
    char_bits: dict[str, int]
    max_min_digits: int


@lru_cache(maxsize=1)
def _s2t() -> dict[str, list[str]]:
    """Return simplified character → its traditional forms (the t2s table reversed)."""
    rev: dict[str, list[str]] = {}
    for trad, simp in t2s_table().items():
        rev.setdefault(simp, []).append(trad)
    return rev


def _variants(ch: str) -> set[str]:
    """Return ``ch`` with its upper/lower, full-width and traditional variants."""
    out = {ch, ch.lower(), ch.upper()}
    for c in list(out):
        if "!" <= c <= "~":
            out.add(chr(ord(c) + 0xFEE0))  # full-width form
    rev = _s2t()
    for c in list(out):
        out.update(rev.get(c, ()))
    return out


class Auditor:
    """Scans texts with every enabled detector; the one entry point of the audit engine.

    ``Auditor()`` uses the shipped default policy; pass a ``Policy`` (``load_policy(path)``)
    to change it. An auditor is cheap to call and safe to share between threads that only
    call ``scan`` (detectors are stateless per message, except the conversation detector,
    which keeps its own per-group window).
    """

    def __init__(self, policy: Policy | None = None) -> None:
        from qunguan.audit.detectors import DETECTORS

        self.policy = policy if policy is not None else load_policy()
        self._instances: dict[str, Detector] = {}
        for name, cls in DETECTORS.items():
            if cls.uses_model and not self.policy.use_models:
                continue
            self._instances[name] = cls.from_policy(self.policy)
        self._plans: dict[str | None, _Plan] = {}
        self._base = self._plan(None)

    @property
    def detector_names(self) -> list[str]:
        """Return the names of the detectors this auditor runs by default."""
        return [d.name for d, _ in self._base.always] + [d.name for d, _, _ in self._base.triggered]

    def _plan(self, group: str | None) -> _Plan:
        plan = self._plans.get(group)
        if plan is not None:
            return plan
        policy = self.policy.for_group(group)
        always: list[tuple[Detector, re.Pattern[str] | None]] = []
        triggered: list[tuple[Detector, int, re.Pattern[str] | None]] = []
        char_bits: dict[str, int] = {}
        for name, det in self._instances.items():
            if not policy.detector_enabled(name):
                continue
            if det.uses_model and not policy.use_models:
                continue
            if not any(policy.category(c).enabled for c in det.categories):
                continue
            regex = re.compile(det.trigger_regex) if det.trigger_regex else None
            if det.trigger_chars:
                bit = 1 << len(triggered)
                triggered.append((det, bit, regex))
                for ch in det.trigger_chars:
                    for v in _variants(ch):
                        char_bits[v] = char_bits.get(v, 0) | bit
            else:
                always.append((det, regex))
        trigger_re = (
            re.compile("[" + "".join(re.escape(c) for c in sorted(char_bits)) + "]") if char_bits else None
        )
        plan = _Plan(
            policy=policy,
            always=tuple(always),
            triggered=tuple(triggered),
            trigger_re=trigger_re,
            char_bits=char_bits,
            max_min_digits=max(
                [d.min_digits for d, _ in always] + [d.min_digits for d, _, _ in triggered] + [0]
            ),
        )
        self._plans[group] = plan
        return plan

    def scan(self, text: str, context: MessageContext | None = None) -> list[Finding]:
        """Return the findings in ``text``, sorted by start (then end), after policy filtering.

        Raises ``TypeError`` if ``text`` is not a ``str``; never raises for any string.
        """
        if not isinstance(text, str):
            raise TypeError(f"Auditor.scan expects str, not {type(text).__name__}")
        group = context.group if context is not None else None
        plan = self._base if group is None else self._plan(group)
        if not text:
            return []
        ndigits = len(_DIGIT_RE.findall(text)) if plan.max_min_digits else 0
        mask = 0
        if plan.trigger_re is not None:
            bits = plan.char_bits
            for ch in set(plan.trigger_re.findall(text)):
                mask |= bits[ch]
        doc: Document | None = None
        found: list[Finding] = []
        for det, regex in plan.always:
            if ndigits >= det.min_digits and (regex is None or regex.search(text)):
                doc = doc or Document(text, context)
                found.extend(det.scan(doc))
        if mask:
            for det, bit, regex in plan.triggered:
                if mask & bit and ndigits >= det.min_digits and (regex is None or regex.search(text)):
                    doc = doc or Document(text, context)
                    found.extend(det.scan(doc))
        if not found:
            return found
        return self._finish(found, plan.policy)

    def _finish(self, found: list[Finding], policy: Policy) -> list[Finding]:
        """Apply category settings and thresholds; drop privacy hits nested in another one."""
        kept: list[Finding] = []
        for f in found:
            cat = policy.category(f.category)
            if not cat.enabled or f.score < policy.threshold(f.category):
                continue
            if cat.severity is not None and cat.severity != f.severity:
                f = Finding(
                    f.category, f.rule, cat.severity, f.start, f.end, f.evidence, f.score, f.explanation
                )
            kept.append(f)
        kept.sort(key=lambda f: (f.start, -f.end, -f.score))
        if len(kept) > 1:
            kept = _drop_nested(kept)
        kept.sort(key=lambda f: (f.start, f.end))
        return kept

    def scan_many(self, items: Iterable[ScanInput]) -> Iterator[list[Finding]]:
        """Yield ``scan``'s result for each item (a str or a ``(text, context)`` pair), lazily."""
        for item in items:
            if isinstance(item, str):
                yield self.scan(item)
            else:
                text, context = item
                yield self.scan(text, context)

    def action_for(self, finding: Finding, context: MessageContext | None = None) -> str:
        """Return the policy action (none / notify / warn / recall) for ``finding``."""
        group = context.group if context is not None else None
        return self._plan(group).policy.action_for(finding.category)


def _drop_nested(findings: list[Finding]) -> list[Finding]:
    """Drop a privacy finding lying inside another privacy finding of a different category.

    An 18-digit ID number also looks like a bank card or contains a date; one message should
    report it once, as the stronger reading. ``findings`` is sorted by (start, -end).
    """
    out: list[Finding] = []
    # Privacy findings kept so far that may still contain a later one; the input is sorted by
    # start, so a finding ending at or before the current start can never contain what follows.
    # Pruning keeps the pass linear on a message with thousands of numbers in it.
    open_: list[Finding] = []
    for f in findings:
        if f.category.startswith("privacy."):
            open_ = [g for g in open_ if g.end > f.start]
            nested = any(
                g.category != f.category
                and g.start <= f.start
                and f.end <= g.end
                and (g.end - g.start) > (f.end - f.start)
                for g in open_
            )
            if nested:
                continue
            open_.append(f)
        out.append(f)
    return out
