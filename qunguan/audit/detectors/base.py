"""The contract every detector follows.

A detector is a small class: it names the categories it can report, and ``scan`` yields
``Finding`` objects for one ``Document``. The engine decides which detectors run (policy,
prefilter triggers); a detector never needs to know about the others.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from qunguan.audit import normalize as _normalize_module
from qunguan.audit.finding import Finding

if TYPE_CHECKING:
    from typing import Self

    from qunguan.audit.phrases import PhraseSet
    from qunguan.audit.policy import Policy


_NO_EXTRA: Mapping[str, Any] = MappingProxyType({})


class MessageContext(NamedTuple):
    """What is known about a message besides its text (all optional; immutable).

    ``group`` is the platform group account (群号), ``sender`` the sender's platform id;
    ``timestamp`` is seconds since the epoch. The conversation detector uses them to look at
    a window of messages rather than one message alone. ``extra`` holds what a transport knows
    more (``mentions``: the ids a message @-mentions); by default an empty read-only mapping.

    A named tuple: an import makes one per message, and a tuple is made several times faster
    than a frozen dataclass.
    """

    group: str | None = None
    sender: str | None = None
    timestamp: float | None = None
    extra: Mapping[str, Any] = _NO_EXTRA


class Document:
    """One text under audit, with its normalised form computed at most once.

    ``normalized`` is the text after normalisation (see ``qunguan.audit.normalize``) and
    ``to_original(i)`` maps an index in the normalised text back to the original text, so
    every finding's span can refer to what the user actually wrote.
    """

    # ``__dict__`` stays: detectors cache per-message work there (digit runs, n-grams).
    __slots__ = ("__dict__", "_norm", "_offsets", "context", "text")

    def __init__(self, text: str, context: MessageContext | None = None) -> None:
        self.text = text
        self.context = context
        self._norm: str | None = None
        self._offsets: Sequence[int] = ()

    @classmethod
    def normalized_as(
        cls, text: str, context: MessageContext | None, normalized: str, offsets: Sequence[int]
    ) -> Document:
        """Return a document whose normalisation ``normalize(text)`` was already computed."""
        doc = cls.__new__(cls)
        doc.text = text
        doc.context = context
        doc._norm = normalized
        doc._offsets = offsets
        return doc

    def _normalize(self) -> str:
        # Looked up on the module at call time so that tests can spy on normalisation.
        norm, self._offsets = _normalize_module.normalize(self.text)
        self._norm = norm
        return norm

    @property
    def normalized(self) -> str:
        norm = self._norm
        return norm if norm is not None else self._normalize()

    @property
    def offsets(self) -> Sequence[int]:
        """Return the offset map: ``offsets[i]`` is the original index of normalised char ``i``.

        A ``range`` when normalisation removed and expanded nothing (the common case).
        """
        if self._norm is None:
            self._normalize()
        return self._offsets

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Return the original-text span for the normalised span ``[start, end)``."""
        offsets = self.offsets
        if not offsets:
            return (0, 0)
        o_start = offsets[start] if start < len(offsets) else len(self.text)
        o_end = offsets[end - 1] + 1 if 0 < end <= len(offsets) else o_start
        return (o_start, max(o_start, o_end))


class Detector(ABC):
    """Base class of all detectors.

    Subclasses set ``name`` (unique, used in policy files) and ``categories`` (taxonomy
    names they may report) and implement ``scan``.
    """

    name: ClassVar[str]
    categories: ClassVar[tuple[str, ...]]

    # Prefilter (see qunguan.audit.engine): the engine runs ``scan`` only when the RAW text
    # contains at least one of ``trigger_chars`` (empty = no character condition) AND has at
    # least ``min_digits`` digit-like characters (ASCII, full-width, Chinese 〇一二…, 幺, 两).
    # Both are checked with one combined pass per message, so a detector that declares tight
    # triggers costs nothing on the messages it cannot match. Traditional and full-width
    # variants of the trigger characters are added by the engine.
    trigger_chars: ClassVar[str] = ""
    min_digits: ClassVar[int] = 0
    # Optional second gate, a regex searched in the RAW text only when the first gate passed
    # (e.g. "ten digit-like characters close together" for phone numbers). Keep it cheap and
    # permissive: a miss here is a miss of the detector.
    trigger_regex: ClassVar[str | None] = None
    # Optional: the RAW text must hold this many digit-like characters with at most three
    # separators between neighbours (``normalize.raw_digit_cluster(n, 3)``). The engine finds
    # the largest such cluster once per message for all detectors that ask.
    min_digit_cluster: ClassVar[int] = 0
    # True for detectors backed by a statistical model; the benchmark's rule-only run and
    # ``Policy.use_models = false`` leave them out.
    uses_model: ClassVar[bool] = False
    # True for detectors that look at a window of a group's messages and report nothing for a
    # message without ``context.group`` and ``context.timestamp``: the engine skips them then.
    needs_context: ClassVar[bool] = False
    # Literal phrases every finding of the detector contains (in the normalised text), or None.
    # The engine searches the phrases of all its detectors in one pass and skips a detector
    # none of whose phrases occurs (see qunguan.audit.phrases).
    phrases: PhraseSet[Any] | None = None

    @classmethod
    def from_policy(cls, policy: Policy) -> Self:
        """Return an instance configured from ``policy`` (lexicon paths, thresholds …).

        The default ignores the policy; detectors that read deployment data override it.
        """
        return cls()

    @abstractmethod
    def scan(self, doc: Document) -> Iterator[Finding]:
        """Yield the findings in ``doc``; never raise on any input string."""
