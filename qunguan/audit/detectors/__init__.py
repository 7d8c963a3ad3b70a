"""The detector registry: ONE table naming every detector the auditor can run.

How to add a detector (copy an existing one, e.g. ``privacy.PhoneDetector``):

1. Write a ``Detector`` subclass in the module of its family
   (``qunguan/audit/detectors/<family>.py``). Give it a unique ``name`` (the key used in
   policy files: ``[detectors] disabled = ["<name>"]``), the ``categories`` it reports,
   prefilter hints (``trigger_chars``, ``min_digits``: see ``base.Detector``) and a
   ``scan(doc)`` that yields ``Finding`` objects with spans in the ORIGINAL text and masked
   evidence (``qunguan.audit.mask``). Set ``uses_model = True`` if it loads a model, and
   override ``from_policy`` if it reads deployment data (``policy.lexicon_extra`` …).
2. Import the class below and add it to ``_ALL`` — that is the only place to touch.
3. Add a parametrised test table ``tests/audit/test_<family>.py`` with near-miss negatives
   beside positives, and labelled cases under ``tests/data/audit/``.

Order in ``_ALL`` is the order detectors run in; it does not change results (the engine
sorts findings by span). Import model-backed detectors lazily inside the detector (load the
model in ``from_policy`` or on first ``scan``), so that importing this module stays cheap.
"""

from __future__ import annotations

from qunguan.audit.detectors.base import Detector, Document, MessageContext
from qunguan.audit.detectors.classifier import AbuseModelDetector, CueDetector, OfftopicModelDetector
from qunguan.audit.detectors.conversation import HarassmentDetector, OfftopicBurstDetector
from qunguan.audit.detectors.lexicon import LexiconDetector
from qunguan.audit.detectors.links import LinkDetector
from qunguan.audit.detectors.privacy import (
    AddressDetector,
    BankCardDetector,
    BirthDateDetector,
    IdCardDetector,
    PhoneDetector,
)
from qunguan.audit.detectors.secret import ClassifiedDetector, DocNumberDetector

_ALL: tuple[type[Detector], ...] = (
    # privacy — 第二条（四）个人信息
    IdCardDetector,
    PhoneDetector,
    BankCardDetector,
    BirthDateDetector,
    AddressDetector,
    # secret — 第二条（三）涉密信息
    DocNumberDetector,
    ClassifiedDetector,
    # lexicon — 第二条（二）（五）（六）黄色、暴力、低俗、违法、政治有害、广告、谩骂
    LexiconDetector,
    # links/ad — 广告、引流
    LinkDetector,
    # cues — 不实言论、煽动、泄愤
    CueDetector,
    # models — 谩骂攻击、闲聊
    AbuseModelDetector,
    OfftopicModelDetector,
    # conversation — 骚扰刷屏、扎堆闲聊 (stateful: needs every message with its MessageContext)
    HarassmentDetector,
    OfftopicBurstDetector,
)

DETECTORS: dict[str, type[Detector]] = {cls.name: cls for cls in _ALL}
if len(DETECTORS) != len(_ALL):  # pragma: no cover - a programming error caught at import
    raise RuntimeError("two detectors share a name")

__all__ = ["DETECTORS", "Detector", "Document", "MessageContext"]
