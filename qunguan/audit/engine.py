"""The auditor (审核引擎): runs the registered detectors on a text under a policy.

Speed matters (issue 3: ≥ 200,000 messages/s per core with the rule set), so a message only
pays for the detectors that could possibly match it. A detector declares when it can match
(``Detector.trigger_chars``, ``min_digits``, ``trigger_regex``, ``phrases``, ``needs_context``)
and the engine checks these conditions cheapest first, each at most once per message:

1. one ``findall`` over the raw text with a character class of the trigger characters of all
   detectors gives the detectors whose characters occur (one more search for a digit-like
   character stands for the detectors that need digits but name no character): a message
   with none of them — most short replies — costs these two passes;
2. for those detectors: the digit count (counted once per message), then their regexes;
3. for detectors with phrases (lexicon, cues, links): ONE Aho–Corasick pass over the
   normalised text finds the phrases of all of them (``qunguan.audit.phrases``); a detector
   none of whose phrases occurs is not called. When no detector before them needed the
   normalised text, a pass over the raw text's skeleton (``qunguan.audit.skeleton``) first
   decides whether any phrase can occur at all: most messages hold none, and are then never
   normalised.

Conversation detectors (``needs_context``) are skipped for a message without a group and a
timestamp. Normalisation is lazy (``Document.normalized``): a message that passes no
character condition is never normalised.

Short texts repeat (收到, 好的, 辛苦了), so ``Auditor.scan`` remembers the findings of a short
text. With a conversation window (an import, the bot gateway) only the message-level part is
remembered: the conversation detectors must see every message, and run on each one, reading
what they need of the text (its normalised form, its chatter probability) from the cache too.

An import scans thousands of messages a batch: ``Auditor.prepare`` takes the batch first,
normalises its distinct texts that the cache will not answer, and lets the n-gram models score
all of them in one numpy pass (``prepare_documents``); the scans then read what was prepared.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache, reduce
from operator import or_
from typing import Any

from qunguan.audit import normalize as _normalize_module
from qunguan.audit.detectors.base import Detector, Document, MessageContext
from qunguan.audit.finding import Finding
from qunguan.audit.mask import is_message_level, redact
from qunguan.audit.normalize import (
    _ASCII_NON_DIGITS,
    digit_like_chars,
    fold_sources,
    largest_digit_cluster,
    non_ascii_digit_class_body,
    special_class_body,
    t2s_table,
)
from qunguan.audit.phrases import Match, PhraseIndex, PhraseSet, decode, encode
from qunguan.audit.policy import Policy, load_policy
from qunguan.audit.skeleton import PhraseSkeleton

_DIGIT_LIKE = digit_like_chars()
_ASCII_DIGIT = re.compile("[0-9]")

ScanInput = str | tuple[str, MessageContext | None]

# The result cache (``Auditor.scan``): texts of at most CACHE_MAX_CHARS characters, at most
# 2 × CACHE_SIZE of them per plan (a few MB at most; groups whose policy has no overrides share
# one plan). Longer texts — notices with their dates, times and meeting numbers — rarely repeat
# verbatim and are scanned every time.
CACHE_SIZE = 16_384
CACHE_MAX_CHARS = 48

# What the cache remembers of a text scanned with a conversation window, besides its findings:
# (normalised text, offsets, (name, value) of each value named by the conversation detectors'
# ``text_memo`` that the scan computed — ready for a document's ``__dict__.update``).
_Memo = tuple[str, Sequence[int], tuple[tuple[str, Any], ...]]
# One cached text: its message-level findings (tuples: shared, never changed) and, once it was
# scanned with a conversation window, its memo.
_Cached = tuple[tuple[Finding, ...], _Memo | None]

# When one detector runs, once its character condition holds: (detector, min_digits,
# min_digit_cluster, its regex, the slot of its phrases in the plan's PhraseIndex or -1, its
# ``check`` — its findings as a list, no generator — where it has one, else None). A plain
# tuple: unpacking it in the scan loop is faster than reading attributes.
_Gate = tuple[Detector, int, int, re.Pattern[str] | None, int, Callable[[Document], list[Finding]] | None]


@dataclass(slots=True)
class _Plan:
    """What runs for one (group-specific) policy: the gates and the combined prefilter."""

    policy: Policy
    detectors: tuple[Detector, ...]  # in the order they run: untriggered first, as registered
    bits: tuple[int, ...]  # each detector's bit in the character mask; 0: no character condition
    char_re: re.Pattern[str]  # the characters of the one character pass (see ``_plan``)
    char_bits: dict[str, int]  # → the bits of the detectors it triggers (0 for any other)
    anchor_re: re.Pattern[str] | None  # the trigger characters (anchors) of the phrase detectors
    phrase_bits: int  # the phrase detectors with anchors
    digit_bits: int  # detectors that need digits and name no trigger character
    phrases: PhraseIndex | None
    skeleton: PhraseSkeleton | None  # the raw-text test whether any of the phrases can occur
    gates: tuple[_Gate, ...]  # indexed like ``detectors``
    # (mask << 1 | has context) → the gates to check: memoised, a handful of keys occur.
    selected: dict[int, tuple[_Gate, ...]] = field(default_factory=dict)
    # The conversation detectors (they run on every message with a window, cached or not) and
    # the names of the per-text values they keep in a document (``text_memo``); None when one
    # of them has a prefilter condition, and contextual scans are then never cached.
    conversation: tuple[Detector, ...] | None = ()
    memo_names: tuple[str, ...] = ()
    # Each conversation detector's findings for one document, as a list (``check`` where the
    # detector has one: no generator per message).
    checks: tuple[Callable[[Document], list[Finding]], ...] = ()
    # Message-level results of short texts (see ``Auditor.scan``): two generations, each of at
    # most ``Auditor.cache_size`` texts.
    recent: dict[str, _Cached] = field(default_factory=dict)
    older: dict[str, _Cached] = field(default_factory=dict)

    def select(self, key: int) -> tuple[_Gate, ...]:
        """Return the gates of the detectors whose character condition the mask in ``key`` meets.

        A conversation detector (``needs_context``) is left out for a message without a group
        and a timestamp (low bit of ``key`` clear): it reports nothing then.
        """
        mask, has_context = key >> 1, key & 1
        gates = tuple(
            gate
            for gate, det, bit in zip(self.gates, self.detectors, self.bits, strict=True)
            if (not bit or mask & bit) and (has_context or not det.needs_context)
        )
        if len(self.selected) < 4096:  # bounded whatever the texts
            self.selected[key] = gates
        return gates


@lru_cache(maxsize=1)
def _s2t() -> dict[str, list[str]]:
    """Return simplified character → its traditional forms (the t2s table reversed)."""
    rev: dict[str, list[str]] = {}
    for trad, simp in t2s_table().items():
        rev.setdefault(simp, []).append(trad)
    return rev


def _variants(ch: str) -> set[str]:
    """Return ``ch`` with every character of a raw text that normalisation can turn into it.

    Its upper/lower, full-width and traditional variants, and whatever else folds into one of
    them (𝟏 and 一 into 1, ㈻ into 学 …): a trigger character must be found however it is spelt.
    """
    out = {ch, ch.lower(), ch.upper()}
    for c in list(out):
        if "!" <= c <= "~":
            out.add(chr(ord(c) + 0xFEE0))  # full-width form
    rev = _s2t()
    for c in list(out):
        out.update(rev.get(c, ()))
    for c in list(out):
        out.update(fold_sources(c))
    return out


class Auditor:
    """Scans texts with every enabled detector; the one entry point of the audit engine.

    ``Auditor()`` uses the shipped default policy; pass a ``Policy`` (``load_policy(path)``)
    to change it. An auditor is cheap to call and safe to share between threads that only
    call ``scan`` (detectors are stateless per message, except the conversation detector,
    which keeps its own per-group window).
    """

    def __init__(self, policy: Policy | None = None, *, cache_size: int = CACHE_SIZE) -> None:
        from qunguan.audit.detectors import DETECTORS

        self.policy = policy if policy is not None else load_policy()
        # Short texts remembered per plan (see ``scan``); 0 turns the result cache off.
        self.cache_size = max(0, cache_size)
        self._instances: dict[str, Detector] = {}
        for name, cls in DETECTORS.items():
            if cls.uses_model and not self.policy.use_models:
                continue
            self._instances[name] = cls.from_policy(self.policy)
        self._plans: dict[str | None, _Plan] = {}
        self._base = self._plan(None)
        # Scans with a conversation window, and how many of them the cache answered.
        self._context_scans = 0
        self._context_hits = 0
        # The texts of the batch being scanned, normalised and scored at once (``prepare``).
        self._prepared: dict[str, Document] = {}

    def cache_stats(self) -> tuple[int, int]:
        """Return (cache hits, scans) of the scans made with a conversation window so far."""
        return self._context_hits, self._context_scans

    @property
    def detector_names(self) -> list[str]:
        """Return the names of the detectors this auditor runs by default."""
        return [d.name for d in self._base.detectors]

    @property
    def detectors(self) -> list[Detector]:
        """Return the detectors this auditor runs by default, in the order they run."""
        return list(self._base.detectors)

    def _plan(self, group: str | None) -> _Plan:
        plan = self._plans.get(group)
        if plan is not None:
            return plan
        policy = self.policy.for_group(group)
        if policy is self.policy and group is not None:
            # No overrides for this group: the default plan, and its cache, serve it.
            plan = self._plans[group] = self._plan(None)
            return plan
        untriggered: list[Detector] = []
        triggered: list[Detector] = []
        for name, det in self._instances.items():
            if not policy.detector_enabled(name):
                continue
            if det.uses_model and not policy.use_models:
                continue
            if not any(policy.category(c).enabled for c in det.categories):
                continue
            (triggered if det.trigger_chars else untriggered).append(det)
        # The order detectors have always run in (findings are sorted, ties keep this order).
        detectors = tuple(untriggered + triggered)
        phrase_sets: list[PhraseSet[Any]] = []
        gates: list[_Gate] = []
        bits: list[int] = []
        char_bits: dict[str, int] = {}
        anchors: set[str] = set()
        digit_bits = phrase_bits = 0
        unanchored = False  # a phrase detector without trigger characters
        for i, det in enumerate(detectors):
            bit = 1 << i
            variants = {v for ch in det.trigger_chars for v in _variants(ch)}
            if det.phrases is not None and variants:
                # A phrase detector's characters are anchors of its phrases: one search for the
                # anchors of all of them decides whether the phrase pass runs, and the phrase
                # pass decides which of them run. (A phrase in the normalised text puts one of
                # its anchors, in some form _variants knows, into the raw text.)
                anchors.update(variants)
                phrase_bits |= bit
            elif variants:
                for v in variants:
                    char_bits[v] = char_bits.get(v, 0) | bit
            elif det.min_digits or det.min_digit_cluster:
                # No trigger character but digits needed: a text without any digit is rejected.
                digit_bits |= bit
            else:
                bit = 0
            bits.append(bit)
            slot = -1
            if det.phrases is not None:
                unanchored = unanchored or not variants
                slot = len(phrase_sets)
                phrase_sets.append(det.phrases)
            regex = re.compile(det.trigger_regex) if det.trigger_regex else None
            check = getattr(det, "check", None)
            gates.append((det, det.min_digits, det.min_digit_cluster, regex, slot, check))
        # The one character pass: trigger characters, the characters normalisation may change
        # (handed to it) and the non-ASCII digit-like characters (counted off the result).
        triggers = _char_class(char_bits)
        char_re = re.compile(
            f"[{triggers.pattern[1:-1] if triggers else ''}{special_class_body()}{non_ascii_digit_class_body()}]"
        )
        conversation: tuple[Detector, ...] | None = tuple(d for d in detectors if d.needs_context)
        if any(
            g[0].needs_context and (bit or g[1] or g[2] or g[3] or g[4] >= 0)
            for g, bit in zip(gates, bits, strict=True)
        ):
            conversation = None  # (a conversation detector with a condition: not the shipped ones)
        memo_names = tuple(
            dict.fromkeys(name for d in detectors if d.needs_context for name in getattr(d, "text_memo", ()))
        )
        checks = tuple(_check_of(d) for d in conversation or ())
        plan = _Plan(
            policy=policy,
            detectors=detectors,
            bits=tuple(bits),
            char_re=char_re,
            char_bits=_CharBits(char_bits),
            anchor_re=None if unanchored else _char_class(anchors),
            phrase_bits=phrase_bits,
            digit_bits=digit_bits,
            phrases=PhraseIndex(phrase_sets) if phrase_sets else None,
            skeleton=PhraseSkeleton.build(decode(key) for ps in phrase_sets for key in ps.values)
            if phrase_sets
            else None,
            gates=tuple(gates),
            conversation=conversation,
            memo_names=memo_names,
            checks=checks,
        )
        self._plans[group] = plan
        return plan

    def prepare(self, items: Iterable[tuple[str, str | None]]) -> None:
        """Get ready to scan a batch of ``(text, group)``: its distinct texts that the result
        cache will not answer are normalised now, and the detectors that can work on many texts
        at once (``prepare_documents``: the n-gram models) do so.

        The scans that follow read what was prepared instead of computing it again, with the
        same results; a text scanned without being prepared is scanned as before. Only the last
        batch is kept: pass one batch (an import's thousands of messages) at a time.
        """
        texts: dict[str, None] = {}
        hooks: dict[int, Callable[[list[Document]], None]] = {}
        plans: dict[str | None, _Plan] = {}
        short = CACHE_MAX_CHARS if self.cache_size else -1
        for text, group in items:
            if not text or text in texts:
                continue
            plan = plans.get(group)
            if plan is None:
                plan = plans[group] = self._plans.get(group) or self._plan(group)
                for det in plan.detectors:
                    hook = getattr(det, "prepare_documents", None)
                    if hook is not None:
                        hooks.setdefault(id(det), hook)
            if len(text) <= short:
                hit = plan.recent.get(text) or plan.older.get(text)
                if hit is not None and hit[1] is not None:
                    continue  # answered from the cache, memo included
            texts[text] = None
        normalize = _normalize_module.normalize
        docs = [Document.normalized_as(text, None, *normalize(text)) for text in texts]
        for hook in hooks.values():
            hook(docs)
        self._prepared = {doc.text: doc for doc in docs}

    def _ready(self, text: str, context: MessageContext | None) -> Document:
        """Return a document of ``text`` with what ``prepare`` computed for it, if anything."""
        ready = self._prepared.get(text)
        if ready is None:
            return Document(text, context)
        doc = Document.normalized_as(text, context, ready.normalized, ready.offsets)
        doc.__dict__.update(ready.__dict__)
        return doc

    def scan(self, text: str, context: MessageContext | None = None) -> list[Finding]:
        """Return the findings in ``text``, sorted by start (then end), after policy filtering.

        Raises ``TypeError`` if ``text`` is not a ``str``; never raises for any string.
        """
        if not isinstance(text, str):
            raise TypeError(f"Auditor.scan expects str, not {type(text).__name__}")
        if context is None or context.group is None:
            plan = self._base
            key = 0
        else:
            plan = self._plans.get(context.group) or self._plan(context.group)
            key = context.timestamp is not None
        if not text:
            return []
        if key:
            self._context_scans += 1
            if plan.conversation:
                if len(text) > CACHE_MAX_CHARS or not self.cache_size or context is None:
                    return self._scan(text, context, plan, key)
                return self._scan_in_context(text, context, plan)
            if plan.conversation is None:
                return self._scan(text, context, plan, key)
            # (No conversation detector in this policy: the window changes nothing.)
        if len(text) > CACHE_MAX_CHARS or not self.cache_size:
            return self._scan(text, context, plan, 0)
        # A short message scanned without a conversation window: its findings depend on the
        # text and the plan alone, and the same short replies (收到, 好的, 辛苦了) make up most
        # of a group's traffic. Two generations of at most ``cache_size`` texts each: a hit in
        # the older one moves up, and the older one is dropped whole when the newer one is full.
        hit = plan.recent.get(text)
        if hit is not None:
            if key:
                self._context_hits += 1
            return list(hit[0])
        hit = plan.older.get(text)
        if hit is not None:
            if key:
                self._context_hits += 1
            found = list(hit[0])
        else:
            found = self._scan(text, context, plan, 0)
            hit = (tuple(found), None)
        if len(plan.recent) >= self.cache_size:
            plan.older = plan.recent
            plan.recent = {}
        plan.recent[text] = hit
        return found

    def _scan_in_context(self, text: str, context: MessageContext, plan: _Plan) -> list[Finding]:
        """Return ``scan``'s result for a short ``text`` with a conversation window.

        The message-level findings come from the cache (or a scan without the window, then
        remembered); the conversation detectors run on every message, on a document that
        carries the cached normal form and per-text values (``text_memo``). Only when one of
        them reports does the message get a full scan that merges both, in the order and with
        the masking of a scan without the cache — so the cache never changes a result.
        """
        hit = plan.recent.get(text)
        fresh = hit is None  # (a hit in the older generation moves up, as in ``scan``)
        if hit is None:
            hit = plan.older.get(text)
        memo = None
        if hit is not None:
            self._context_hits += 1
            memo = hit[1]
        if memo is not None:
            doc = Document.normalized_as(text, context, memo[0], memo[1])
            if memo[2]:
                doc.__dict__.update(memo[2])
        elif hit is not None:  # known from a scan without a window
            doc = self._ready(text, context)
        else:
            # Not known: the message-level scan first, and the conversation detectors read the
            # document it made (normalised once, n-grams made once), if it made one.
            made: list[Document] = []
            findings = tuple(self._scan(text, context, plan, 0, made=made))
            doc = made[0] if made else self._ready(text, context)
        reported: dict[Detector, list[Finding]] | None = None
        for detector, check in zip(plan.conversation or (), plan.checks, strict=True):
            found = check(doc)
            if found:
                if reported is None:
                    reported = {}
                reported[detector] = found
        if hit is None or memo is None:
            if hit is not None:
                findings = hit[0]
            norm = doc.normalized
            slots = doc.__dict__
            values = tuple((name, slots[name]) for name in plan.memo_names if slots.get(name) is not None)
            # (A text that normalisation leaves alone is kept once.)
            hit = (findings, (text if norm == text else norm, doc.offsets, values))
            fresh = True
        if fresh:
            if len(plan.recent) >= self.cache_size:
                plan.older = plan.recent
                plan.recent = {}
            plan.recent[text] = hit
        if reported is None:
            return list(hit[0])
        # A conversation finding (rare): merged the way a scan without the cache merges it.
        return self._scan(text, context, plan, 1, reported, doc)

    def _scan(
        self,
        text: str,
        context: MessageContext | None,
        plan: _Plan,
        key: int,
        reported: dict[Detector, list[Finding]] | None = None,
        shared: Document | None = None,
        made: list[Document] | None = None,
    ) -> list[Finding]:
        """Return ``scan``'s result for a non-empty ``text`` under ``plan``, without the cache.

        ``key`` is 1 when the conversation detectors run (a group and a timestamp), else 0.
        ``reported`` holds what the conversation detectors already reported for this message:
        they are not run again (they count every message they see). ``shared`` is the document
        they read: the detectors here read it too (its normal form, its n-grams are made once).
        The document made here, if one is, is appended to ``made``.
        """
        # ONE pass over the raw text finds the trigger characters of the detectors without
        # phrases, the characters normalisation would change and the non-ASCII digits.
        chars: list[str] = plan.char_re.findall(text)
        # OR of the bits of the characters found, in C: map and reduce, no Python loop.
        mask = reduce(or_, map(plan.char_bits.__getitem__, chars)) if chars else 0
        # count_digits(text, chars), inline: the ASCII digits counted in C (looked for first:
        # most short messages have none), the others off the characters found.
        ndigits = 0
        if _ASCII_DIGIT.search(text) is not None:
            ndigits = len(text.encode("ascii", "ignore").translate(None, _ASCII_NON_DIGITS))
        if chars and not text.isascii():
            ndigits += sum(map(_DIGIT_LIKE.__contains__, chars))
        if ndigits:
            mask |= plan.digit_bits
        # (No anchor class: some phrase detector has no anchors, so phrases may be anywhere.)
        anchored = plan.anchor_re is None or plan.anchor_re.search(text) is not None
        if anchored:
            mask |= plan.phrase_bits
        key |= mask << 1
        gates = plan.selected.get(key)
        if gates is None:
            gates = plan.select(key)
        if not gates:
            return []
        cluster = -1  # measured when a detector needs it
        doc: Document | None = None
        # The phrase pass runs on the normalised text before any Document exists: most messages
        # that reach it match no phrase, and then no document is ever made.
        normalized: tuple[str, Sequence[int]] | None = None
        ready: Document | None = None  # what ``prepare`` made of this text
        encoded = ""
        matched: Sequence[list[Match[Any]]] | None = None
        found: list[Finding] = []
        for detector, min_digits, min_cluster, regex, slot, check in gates:
            if reported is not None and detector.needs_context:
                found.extend(reported.get(detector, ()))
                continue
            if min_digits or min_cluster:
                if ndigits < min_digits or ndigits < min_cluster:
                    continue  # (a cluster of n digits needs n digits)
                if min_cluster:
                    if cluster < 0:
                        cluster = largest_digit_cluster(text)
                    if cluster < min_cluster:
                        continue
            if regex is not None and regex.search(text) is None:
                continue
            # The first detector that needs the normalised text reads phrases: most messages hold
            # none, and the skeleton says so without normalising the text
            # (``qunguan.audit.skeleton``). Once the text is normalised, the exact pass costs less.
            if (
                slot >= 0
                and matched is None
                and normalized is None
                and plan.skeleton is not None
                and plan.phrases is not None
                and not plan.skeleton.may_match(text, chars)
            ):
                matched = plan.phrases.none
            if slot >= 0 and matched is not None and not matched[slot]:
                continue  # none of its phrases occurs: it would find nothing
            if normalized is None:
                if shared is None:
                    ready = self._prepared.get(text)
                    if ready is None:
                        normalized = _normalize_module.normalize(text, chars)
                    else:
                        normalized = (ready.normalized, ready.offsets)
                else:
                    normalized = (shared.normalized, shared.offsets)
            if matched is None and plan.phrases is not None:
                if anchored:
                    encoded = encode(normalized[0])
                    matched = plan.phrases.search(encoded)
                else:
                    # No anchor in the raw text, so no phrase of any set in the normalised one:
                    # the detectors that read phrases (the abuse model reads the lexicon's)
                    # are told so without a pass.
                    matched = plan.phrases.none
            if slot >= 0 and matched is not None and not matched[slot]:
                continue  # none of its phrases occurs: it would find nothing
            if doc is None:
                doc = Document.normalized_as(text, context, *normalized) if shared is None else shared
                if ready is not None:
                    doc.__dict__.update(ready.__dict__)
                if made is not None:
                    made.append(doc)
                if plan.phrases is not None and matched is not None:
                    plan.phrases.attach(doc, encoded, matched)
            # (``scan`` looked up now, not when the plan was made: tests may spy on it.)
            found.extend(detector.scan(doc) if check is None else check(doc))
        if not found:
            return found
        return self._finish(text, found, plan.policy)

    def _finish(self, text: str, found: list[Finding], policy: Policy) -> list[Finding]:
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
        if len(kept) > 1:
            kept = _mask_quotes(text, kept)
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


def _check_of(detector: Detector) -> Callable[[Document], list[Finding]]:
    """Return a function giving ``detector``'s findings in a document as a list (its ``check``,
    where it has one: the conversation detectors, which run on every message)."""
    check: Callable[[Document], list[Finding]] | None = getattr(detector, "check", None)
    if check is not None:
        return check
    return lambda doc: list(detector.scan(doc))


def _mask_quotes(text: str, findings: list[Finding]) -> list[Finding]:
    """Return ``findings`` with each whole-message finding's quote cut from the masked text.

    A verdict on the whole message (the abuse model, chatter …) quotes the message's head as
    evidence; evidence must be safe to show and log, so a phone or ID number another detector
    found in that head is masked in the quote too.
    """
    if not any(is_message_level(f.category, f.rule) for f in findings):
        return findings
    masked = redact(text, findings)
    if masked == text:
        return findings
    out = []
    for f in findings:
        if is_message_level(f.category, f.rule) and masked[f.start : f.end] != text[f.start : f.end]:
            f = replace(f, evidence=_abridge(masked[f.start : f.end], f.evidence))
        out.append(f)
    return out


def _abridge(masked: str, quote: str) -> str:
    """Return ``masked`` cut like the detector cut its ``quote`` (same length, same ellipsis)."""
    flat = " ".join(masked.split())
    if not quote.endswith("…"):
        return flat[: max(len(quote), 1)] if len(flat) > len(quote) else flat
    limit = len(quote) - 1
    return flat if len(flat) <= limit else flat[:limit] + "…"


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


class _CharBits(dict[str, int]):
    """Trigger character → detector bits; 0 for any other character the one pass finds.

    A miss is remembered: ``__missing__`` is a Python call, dearer than the lookup itself.
    """

    def __missing__(self, ch: str) -> int:
        self[ch] = 0
        return 0


def _char_class(chars: Iterable[str]) -> re.Pattern[str] | None:
    """Return one character class of ``chars`` (None for none).

    Astral characters (𝟏, 🄰, CJK compatibility ideographs) go in as ONE range: sre tests a
    non-BMP member of a class one by one after its bitmap, for every character of the text,
    and hundreds of them made the pass ten times slower. An astral character found that is no
    trigger maps to no detector (``_CharBits``).
    """
    chars = sorted(chars)
    if not chars:
        return None
    bmp = "".join(re.escape(c) for c in chars if ord(c) < 0x10000)
    astral = "\U00010000-\U0010ffff" if any(ord(c) >= 0x10000 for c in chars) else ""
    return re.compile(f"[{bmp}{astral}]")
