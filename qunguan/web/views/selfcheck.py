"""保密自查 (regulation 2(3)): check a text before it is published to a group.

The text (or a .docx) is scanned by the audit engine; the page shows each finding with its
masked evidence, the text with the hits highlighted, and a redacted copy safe to publish.
Nothing is stored: the text lives only in this request.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from qunguan.audit import Auditor, redact
from qunguan.audit.documents import DocumentError, docx_text
from qunguan.audit.labels import CATEGORY_LABELS, SEVERITY_LABELS
from qunguan.web.forms import SelfCheckForm

SEVERITY_CLASSES = {1: "low", 2: "medium", 3: "high", 4: "critical"}


@dataclass(frozen=True)
class Segment:
    text: str
    hit: bool
    severity: str = ""
    title: str = ""


@functools.cache
def _auditor() -> Auditor:
    # Building the auditor loads lexicons and models once; scanning is then cheap.
    return Auditor()


def segments(text: str, findings: list[Any]) -> list[Segment]:
    """Split ``text`` into plain and highlighted runs; overlapping findings merge into one run."""
    spans: list[list[Any]] = []
    for f in sorted(findings, key=lambda f: (f.start, -f.end)):
        if not 0 <= f.start < f.end <= len(text):
            continue
        sev = int(f.severity)
        label = CATEGORY_LABELS.get(f.category, f.category)
        if spans and f.start < spans[-1][1]:
            last = spans[-1]
            last[1] = max(last[1], f.end)
            last[2] = max(last[2], sev)
            last[3].append(label)
        else:
            spans.append([f.start, f.end, sev, [label]])
    out: list[Segment] = []
    pos = 0
    for start, end, sev, labels in spans:
        if start > pos:
            out.append(Segment(text[pos:start], False))
        out.append(Segment(text[start:end], True, SEVERITY_CLASSES.get(sev, "medium"), "、".join(labels)))
        pos = end
    if pos < len(text):
        out.append(Segment(text[pos:], False))
    return out


@login_required
def selfcheck(request: HttpRequest) -> HttpResponse:
    form = SelfCheckForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data.get("text") or ""
        document = form.cleaned_data.get("document")
        if document is not None:
            try:
                text = docx_text(document)
            except DocumentError:
                form.add_error("document", _("无法读取该 Word 文档，请确认它是 .docx 格式且未加密。"))
                return render(request, "web/selfcheck.html", context)
        findings = _auditor().scan(text)
        context.update(
            {
                "checked": True,
                "findings": [
                    {
                        "f": f,
                        "category": CATEGORY_LABELS.get(f.category, f.category),
                        "severity": SEVERITY_CLASSES.get(int(f.severity), "medium"),
                        "severity_label": SEVERITY_LABELS.get(f.severity, ""),
                        "line": text.count("\n", 0, f.start) + 1,
                    }
                    for f in findings
                ],
                "segments": segments(text, findings),
                "redacted": redact(text, findings),
                "length": len(text),
            }
        )
    return render(request, "web/selfcheck.html", context)
