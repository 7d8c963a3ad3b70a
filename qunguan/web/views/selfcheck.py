"""保密自查 (regulation 2(3)): check a text before it is published to a group.

The text (or a .docx) is scanned by the audit engine; the page shows each finding with its
masked evidence, the text with the hits highlighted, and a redacted copy safe to publish.
Nothing is stored: the text lives only in this request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from qunguan.web.forms import SelfCheckForm

CATEGORY_LABELS = {
    "privacy.id_card": "身份证号",
    "privacy.phone": "电话号码",
    "privacy.address": "家庭住址",
    "privacy.birth_date": "出生日期",
    "privacy.bank_card": "银行卡号",
    "secret.doc_number": "文件文号",
    "secret.classified": "涉密标识",
    "porn": "色情低俗",
    "violence": "暴力恐怖",
    "vulgar": "低级趣味",
    "illegal": "违法信息",
    "political": "政治有害",
    "ad": "广告推销",
    "harassment": "骚扰",
    "rumor": "谣言/小道消息",
    "abuse": "谩骂/人身攻击",
    "incitement": "煽动",
    "venting": "泄愤",
    "offtopic": "闲聊",
}
SEVERITY_CLASSES = {1: "low", 2: "medium", 3: "high", 4: "critical"}
SEVERITY_LABELS = {1: "低", 2: "中", 3: "高", 4: "严重"}


@dataclass(frozen=True)
class Segment:
    text: str
    hit: bool
    severity: str = ""
    title: str = ""


def _engine() -> Any:
    try:
        from qunguan import audit
    except ImportError:
        return None
    return audit


_auditor: Any = None


def _get_auditor(audit: Any) -> Any:
    # Building the auditor loads lexicons and models once; scanning is then cheap.
    global _auditor
    if _auditor is None:
        _auditor = audit.Auditor()
    return _auditor


def read_docx(upload: Any) -> str:
    """Return the paragraphs and table cells of a .docx as plain text; raise ValueError if unreadable."""
    import docx

    try:
        document = docx.Document(upload)
    except Exception as exc:  # python-docx raises several types for a broken or fake file
        raise ValueError(str(exc)) from exc
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append("\t".join(cell.text for cell in row.cells))
    return "\n".join(parts)


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
    audit = _engine()
    form = SelfCheckForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form, "available": audit is not None}
    if request.method == "POST" and audit is not None and form.is_valid():
        text = form.cleaned_data.get("text") or ""
        document = form.cleaned_data.get("document")
        if document is not None:
            try:
                text = read_docx(document)
            except ValueError:
                form.add_error("document", _("无法读取该 Word 文档，请确认它是 .docx 格式且未加密。"))
                return render(request, "web/selfcheck.html", context)
        findings = _get_auditor(audit).scan(text)
        context.update(
            {
                "checked": True,
                "findings": [
                    {
                        "f": f,
                        "category": CATEGORY_LABELS.get(f.category, f.category),
                        "severity": SEVERITY_CLASSES.get(int(f.severity), "medium"),
                        "severity_label": SEVERITY_LABELS.get(int(f.severity), ""),
                        "line": text.count("\n", 0, f.start) + 1,
                    }
                    for f in findings
                ],
                "segments": segments(text, findings),
                "redacted": audit.redact(text, findings),
                "length": len(text),
            }
        )
    return render(request, "web/selfcheck.html", context)
