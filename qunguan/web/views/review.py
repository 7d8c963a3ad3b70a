"""审查队列: the findings waiting for a decision, one finding in its conversation, and the actions.

Views parse, fetch through ``qunguan.chats.access`` (out of scope → 404), check who may act
(read only → 403), call an action of ``qunguan.chats.review`` and redirect. The detail page
carries the list's filters in its query string, so "next" (j), "previous" (k) and the page a
decision leads to stay inside the queue the reviewer was working through.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qunguan.audit.finding import Severity
from qunguan.audit.labels import SEVERITY_LABELS, category_label
from qunguan.auditlog.log import entries_for
from qunguan.chats import access, allowlist, cases, review
from qunguan.chats import sender_warnings as warnings
from qunguan.chats.models import AllowListKind, ChatMessage, Finding, FindingStatus
from qunguan.chats.privacy import Segment, masked_segments, pseudonym, real_sender, shown_evidence
from qunguan.registry import access as registry_access
from qunguan.registry.errors import RegistryError
from qunguan.web.forms import REVIEW_STATUS_ALL, FindingNoteForm, ReviewFilterForm
from qunguan.web.paging import CappedPaginator, capped_count
from qunguan.web.unit_options import use_plain_unit_options
from qunguan.web.views.common import PER_PAGE, event_label, query_without

# Most severe first, then newest: a critical ID-number leak from yesterday outranks today's chatter.
# ``sent_at`` is the finding's copy of its message's time: the index ``chats_finding_queue`` holds
# this whole order, so a page of the queue needs neither a join nor a sort.
ORDER = ("-severity", "-sent_at", "-pk")
NEIGHBOURS = 5
# In the list a message is cut to this many characters either side of the finding's span.
EXCERPT_CONTEXT = 40
# Session key: ids of findings whose sender this session revealed (each reveal was logged).
REVEALED_KEY = "qunguan_revealed_findings"
SEVERITY_CSS = {1: "low", 2: "medium", 3: "high", 4: "critical"}
# A stand-in id: the detail URL is reversed once per list with it, then each row's id put in.
_URL_ID = 987654321

Action = Callable[..., Any]
ACTIONS: dict[str, tuple[Action, Action, str]] = {
    # name: (single action, bulk action, message after success)
    "dismiss": (review.do_dismiss_finding, review.do_dismiss_findings, "已标为误报"),
    "confirm": (review.do_confirm_finding, review.do_confirm_findings, "已确认为违规"),
    "escalate": (review.do_escalate_finding, review.do_escalate_findings, "已上报本单位"),
    "reopen": (review.do_reopen_finding, review.do_reopen_findings, "已重新打开"),
}
# The keyword each action's note is passed as.
NOTE_ARG = {"dismiss": "reason", "confirm": "note", "escalate": "note", "reopen": "reason"}


def finding_or_404(user: Any, finding_id: Any) -> Finding:
    """Return the finding through ``access.access_finding``; raise Http404."""
    try:
        return access.access_finding(user, finding_id)
    except access.NotFound:
        raise Http404("审查发现不存在或不在您的管理范围内。") from None


def _require_reviewer(user: Any) -> None:
    if not access.can_see_findings(user):
        raise PermissionDenied("您没有可查看的审查发现。")


def _status_and_severity(form: ReviewFilterForm) -> tuple[str | None, int | None]:
    """Return the status (None: every status) and the severity (None: any) the filters ask for."""
    data = form.cleaned_data if form.is_valid() else {}
    status = data.get("status") or FindingStatus.OPEN
    return (None if status == REVIEW_STATUS_ALL else str(status)), data.get("severity")


def _filtered(user: Any, form: ReviewFilterForm) -> QuerySet[Finding]:
    """Return the user's findings narrowed by the filters (open findings when no status is given)."""
    qs = access.visible_findings(user)
    data = form.cleaned_data if form.is_valid() else {}
    status, _severity = _status_and_severity(form)
    if status is not None:
        qs = qs.filter(status=status)
    if data.get("unit") is not None:
        qs = qs.filter(group__unit__path__startswith=data["unit"].path)
    if data.get("group") is not None:
        qs = qs.filter(group=data["group"])
    if data.get("category"):
        qs = qs.filter(category=data["category"])
    if data.get("severity") is not None:
        qs = qs.filter(severity=data["severity"])
    if data.get("date_from"):
        qs = qs.filter(sent_at__date__gte=data["date_from"])
    if data.get("date_to"):
        qs = qs.filter(sent_at__date__lte=data["date_to"])
    return qs


def _queue(user: Any, form: ReviewFilterForm) -> QuerySet[Finding]:
    """Return the review queue: the filtered findings, one per message and category
    (``review.queue_leads``) — a decision on the one listed moves the others with it."""
    status, severity = _status_and_severity(form)
    return review.queue_leads(_filtered(user, form), status=status, severity=severity)


def _after(finding: Finding) -> Q:
    """Findings that come after ``finding`` in ``ORDER`` (keyset: no offset, no id list)."""
    s, t, pk = finding.severity, finding.sent_at, finding.pk
    return Q(severity__lt=s) | Q(severity=s, sent_at__lt=t) | Q(severity=s, sent_at=t, pk__lt=pk)


def _before(finding: Finding) -> Q:
    s, t, pk = finding.severity, finding.sent_at, finding.pk
    return Q(severity__gt=s) | Q(severity=s, sent_at__gt=t) | Q(severity=s, sent_at=t, pk__gt=pk)


def _next_in_queue(queue: QuerySet[Finding], finding: Finding) -> Finding | None:
    return queue.filter(_after(finding)).exclude(pk=finding.pk).order_by(*ORDER).first()


def _previous_in_queue(queue: QuerySet[Finding], finding: Finding) -> Finding | None:
    reverse_order = tuple(o[1:] if o.startswith("-") else f"-{o}" for o in ORDER)
    return queue.filter(_before(finding)).exclude(pk=finding.pk).order_by(*reverse_order).first()


def _excerpt(segments: list[Segment]) -> list[Segment]:
    """Cut long text to ``EXCERPT_CONTEXT`` characters around the marked span."""
    if len(segments) == 1 and not segments[0].marked:
        text = segments[0].text
        return [Segment(text[: 2 * EXCERPT_CONTEXT] + ("…" if len(text) > 2 * EXCERPT_CONTEXT else ""))]
    out: list[Segment] = []
    seen_mark = False
    for seg in segments:
        if seg.marked:
            out.append(seg)
            seen_mark = True
        elif not seen_mark and len(seg.text) > EXCERPT_CONTEXT:
            out.append(Segment("…" + seg.text[-EXCERPT_CONTEXT:]))
        elif seen_mark and len(seg.text) > EXCERPT_CONTEXT:
            out.append(Segment(seg.text[:EXCERPT_CONTEXT] + "…"))
        else:
            out.append(seg)
    return out


def _segments_html(segments: list[Segment], css: str) -> SafeString:
    """Return the excerpt's HTML: the finding's span in ``<mark>``, every text escaped.

    What ``{% for seg in segments %}…{% endfor %}`` rendered, joined here: fifty rows of a few
    segments each were a third of the queue's page time in template nodes.
    """
    return mark_safe(  # noqa: S308 — every text escaped here
        "".join(
            [
                f'<mark class="sev-{escape(css)}">{escape(s.text)}</mark>' if s.marked else escape(s.text)
                for s in segments
            ]
        )
    )


def _where(finding: Finding) -> str:
    if finding.group is not None:
        return finding.group.name
    return _("未登记群组：%(name)s") % {"name": finding.message.group_name or finding.message.group_account}


def _badge(finding: Finding) -> dict[str, str]:
    return {
        "css": SEVERITY_CSS.get(finding.severity, "medium"),
        "label": SEVERITY_LABELS.get(Severity(finding.severity), str(finding.severity)),
    }


class _QueueRowHTML:
    """A row of the review queue as HTML, written here rather than by template nodes.

    The row the template wrote, byte for byte (``tests/web/test_hot_page_rows.py`` holds them
    equal); ``escape`` is what the template's autoescape does to a plain string.
    """

    def __init__(self, detail_query: str, *, page_can_act: bool) -> None:
        self.query = f"?{escape(detail_query)}" if detail_query else ""
        self.page_can_act = page_can_act
        self.choose = escape(_("选择"))

    @staticmethod
    def same_note(same: int) -> str:
        """The note of a row that stands for more than one finding of its message and category."""
        if same <= 1:
            return ""
        return f' <span class="muted small same-row">{escape(_("本消息共 %(n)s 处") % {"n": same})}</span>'

    def of(
        self,
        f: Finding,
        *,
        url: str,
        category: str,
        same: int,
        badge: dict[str, str],
        where: str,
        sender: str,
        text: SafeString,
        can_act: bool,
    ) -> SafeString:
        check = ""
        if self.page_can_act:
            box = (
                f'<input type="checkbox" name="finding" value="{f.pk}" aria-label="{self.choose}">'
                if can_act
                else ""
            )
            check = f'<td class="check">{box}</td>'
        sent = f"{timezone.localtime(f.message.sent_at):%Y-%m-%d %H:%M}"
        return mark_safe(  # noqa: S308 — every value escaped here; ``text`` is safe HTML already
            f'\n    <tr data-finding="{f.pk}">\n'
            f"      {check}\n"
            f'      <td><span class="badge sev-{escape(badge["css"])}">{escape(badge["label"])}</span></td>\n'
            f"      <td>{escape(category)}{self.same_note(same)}</td>\n"
            f'      <td class="msg-text"><a href="{escape(url)}{self.query}" class="review-open">{text}</a></td>\n'
            f'      <td class="mono">{escape(sender)}</td>\n'
            f"      <td>{escape(where)}</td>\n"
            f'      <td class="nowrap">{sent}</td>\n'
            f'      <td><span class="status finding-{escape(f.status)}">{escape(f.get_status_display())}</span></td>\n'
            "    </tr>\n  "
        )


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    _require_reviewer(user)
    form = ReviewFilterForm(request.GET or None, user=user)
    use_plain_unit_options(form.fields["unit"])
    # The page's ids first (read off the queue's index, no join), then those 50 findings with
    # their messages: joining before the LIMIT would read a message for every finding sorted.
    # Counted only up to ``paging.COUNT_CAP``: a school's queue holds tens of thousands.
    page = CappedPaginator(
        _queue(user, form).order_by(*ORDER).values_list("pk", flat=True), PER_PAGE
    ).get_page(request.GET.get("page"))
    status, severity = _status_and_severity(form)
    ids = list(page.object_list)
    found = Finding.objects.select_related("message", "group__unit").prefetch_related("message__findings")
    by_id = found.in_bulk(ids)
    findings = [by_id[pk] for pk in ids if pk in by_id]
    actionable = set(access.actionable_findings(user).filter(pk__in=ids).values_list("pk", flat=True))
    query = query_without(request, "page")
    # The detail link of each row: the URL reversed once, the id put in per row.
    head, tail = reverse("review_detail", args=[_URL_ID]).split(str(_URL_ID))
    detail_query = query_without(request, "page")
    # Each row as HTML, the check box column only when the reviewer may act on some row.
    row_html = _QueueRowHTML(detail_query, page_can_act=bool(actionable))
    rows = []
    for f in findings:
        badge = _badge(f)
        of_message = f.message.findings.all()
        same = review.same_row(f, of_message, status=status, severity=severity)
        segments = _excerpt(masked_segments(f.message, of_message, f, also=same))
        rows.append(
            row_html.of(
                f,
                url=f"{head}{f.pk}{tail}",
                category=category_label(f.category),
                same=len(same),
                badge=badge,
                where=_where(f),
                sender=pseudonym(f.message),
                text=_segments_html(segments, badge["css"]),
                can_act=f.pk in actionable,
            )
        )
    return render(
        request,
        "web/review_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query,
            "detail_query": detail_query,
            "can_act": bool(actionable),
            "status_filter": (form.cleaned_data.get("status") if form.is_valid() else "") or "open",
        },
    )


def _conversation(finding: Finding, show_sender: bool) -> list[dict[str, Any]]:
    """Return the finding's message with up to five messages either side, oldest first."""
    msg = finding.message
    if msg.group_id is not None:
        same = ChatMessage.objects.filter(group_id=msg.group_id)
    else:
        # An unregistered group is known only by what the export called it.
        same = ChatMessage.objects.filter(
            group__isnull=True,
            platform=msg.platform,
            group_account=msg.group_account,
            group_name=msg.group_name,
        )
    same = same.prefetch_related("findings")
    t = msg.sent_at
    before = list(
        same.filter(Q(sent_at__lt=t) | Q(sent_at=t, pk__lt=msg.pk)).order_by("-sent_at", "-pk")[:NEIGHBOURS]
    )
    after = list(
        same.filter(Q(sent_at__gt=t) | Q(sent_at=t, pk__gt=msg.pk)).order_by("sent_at", "pk")[:NEIGHBOURS]
    )
    current = ChatMessage.objects.prefetch_related("findings").get(pk=msg.pk)
    revealed_key = pseudonym(msg) if show_sender else None
    rows = []
    for m in [*reversed(before), current, *after]:
        alias = pseudonym(m)
        is_current = m.pk == msg.pk
        rows.append(
            {
                "message": m,
                "current": is_current,
                "sender": real_sender(m) if alias == revealed_key else alias,
                "segments": masked_segments(m, m.findings.all(), finding if is_current else None),
            }
        )
    return rows


@login_required
def review_detail(request: HttpRequest, finding_id: int) -> HttpResponse:
    user = request.user
    _require_reviewer(user)
    finding = finding_or_404(user, finding_id)
    form = ReviewFilterForm(request.GET or None, user=user)
    queue = _queue(user, form)
    revealed = finding.pk in request.session.get(REVEALED_KEY, [])
    can_act = access.can_act_on_finding(user, finding)
    history = [
        {"entry": e, "label": event_label(e.event_type)} for e in entries_for("finding", finding.pk)[:50]
    ]
    return render(
        request,
        "web/review_detail.html",
        {
            "finding": finding,
            "category": category_label(finding.category),
            "evidence": shown_evidence(finding, finding.message.findings.all()),
            "severity": _badge(finding),
            "where": _where(finding),
            "sender": real_sender(finding.message) if revealed else pseudonym(finding.message),
            "revealed": revealed,
            "conversation": _conversation(finding, revealed),
            "next": _next_in_queue(queue, finding),
            "previous": _previous_in_queue(queue, finding),
            "query": request.GET.urlencode(),
            "can_act": can_act,
            # The same message's open findings of this category, which a decision here moves too.
            "siblings": len(review.siblings(finding)) if can_act and finding.status == "open" else 0,
            "can_reveal": access.can_reveal_sender(user, finding),
            "note_form": FindingNoteForm(),
            "history": history,
            "can_allowlist_unit": can_act
            and finding.group is not None
            and (
                registry_access.is_supervisor(user)
                or any(finding.group.unit.path.startswith(p) for p in access._acting_paths(user))
            ),
            "can_allowlist_school": can_act and registry_access.is_supervisor(user),
            "phrase_allowed": finding.category not in allowlist.NO_PHRASE_CATEGORIES,
            "warning_text": warnings.default_text(finding),
            "warnings_count": warnings.warnings_of_sender(user, finding.message),
            "finding_cases": list(cases.visible_cases(user).filter(findings=finding)),
            "open_cases": list(cases.open_cases_for(user, finding).exclude(findings=finding)[:10]),
        },
    )


def _queue_url(name: str, query: str, *args: Any) -> str:
    url = reverse(name, args=args or None)
    return f"{url}?{query}" if query else url


@require_POST
@login_required
def review_act(request: HttpRequest, finding_id: int, action: str) -> HttpResponse:
    """Apply ``action`` to one finding, then go on to the next finding of the same queue."""
    user = request.user
    if action not in ACTIONS:
        raise Http404("没有这个操作。")
    finding = finding_or_404(user, finding_id)
    if not access.can_act_on_finding(user, finding):
        raise PermissionDenied("您只能查看该审查发现，无权处理。")
    single, _bulk, done = ACTIONS[action]
    form = FindingNoteForm(request.POST)
    query = request.GET.urlencode()
    if not form.is_valid():
        messages.error(request, _("说明不能超过 1000 个字。"))
        return redirect(_queue_url("review_detail", query, finding.pk))
    note = form.cleaned_data["note"]
    try:
        single(user, finding, **{NOTE_ARG[action]: note})
    except RegistryError as err:
        messages.error(request, err.message)
        return redirect(_queue_url("review_detail", query, finding.pk))
    messages.success(request, _("审查发现 #%(id)s %(done)s。") % {"id": finding.pk, "done": done})
    queue = _queue(user, ReviewFilterForm(request.GET or None, user=user))
    following = _next_in_queue(queue, finding)
    if following is not None:
        return redirect(_queue_url("review_detail", query, following.pk))
    return redirect(_queue_url("review_list", query))


@require_POST
@login_required
def review_reveal(request: HttpRequest, finding_id: int) -> HttpResponse:
    """Reveal the finding's sender for this session (logged), then show the finding again."""
    user = request.user
    finding = finding_or_404(user, finding_id)
    if not access.can_reveal_sender(user, finding):
        raise PermissionDenied("您无权查看发送者身份。")
    try:
        review.do_reveal_sender(user, finding)
    except RegistryError as err:
        messages.error(request, err.message)
    else:
        revealed = [int(x) for x in request.session.get(REVEALED_KEY, [])]
        if finding.pk not in revealed:
            request.session[REVEALED_KEY] = [*revealed, finding.pk][-500:]
    return redirect(_queue_url("review_detail", request.GET.urlencode(), finding.pk))


@require_POST
@login_required
def review_bulk(request: HttpRequest) -> HttpResponse:
    """Apply one action to the findings ticked in the list."""
    user = request.user
    _require_reviewer(user)
    action = request.POST.get("action", "")
    query = request.GET.urlencode()
    if action not in ACTIONS:
        messages.error(request, _("请选择要执行的操作。"))
        return redirect(_queue_url("review_list", query))
    ids = [int(x) for x in request.POST.getlist("finding") if x.isdigit()]
    if not ids:
        messages.error(request, _("请先勾选审查发现。"))
        return redirect(_queue_url("review_list", query))
    findings = list(access.visible_findings(user).filter(pk__in=ids).select_related("group__unit"))
    if len(findings) != len(set(ids)):
        raise Http404("审查发现不存在或不在您的管理范围内。")
    if not all(access.can_act_on_finding(user, f) for f in findings):
        raise PermissionDenied("您只能查看这些审查发现，无权处理。")
    _single, bulk, done = ACTIONS[action]
    form = FindingNoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("说明不能超过 1000 个字。"))
        return redirect(_queue_url("review_list", query))
    note = form.cleaned_data["note"]
    try:
        changed = bulk(user, findings, **{NOTE_ARG[action]: note})
    except RegistryError as err:
        messages.error(request, err.message)
    else:
        skipped = len(findings) - len(changed)
        if skipped:
            text = _("%(n)s 条审查发现%(done)s；另有 %(skipped)s 条的状态不允许此操作，未处理。")
        else:
            text = _("%(n)s 条审查发现%(done)s。")
        messages.success(request, text % {"n": len(changed), "done": done, "skipped": skipped})
    return redirect(_queue_url("review_list", query))


def _acted(request: HttpRequest, finding: Finding, text: str) -> HttpResponse:
    """After a handling step on one finding: say so and go on to the next in the same queue."""
    user = request.user
    query = request.GET.urlencode()
    messages.success(request, text)
    queue = _queue(user, ReviewFilterForm(request.GET or None, user=user))
    following = _next_in_queue(queue, finding)
    if following is not None:
        return redirect(_queue_url("review_detail", query, following.pk))
    return redirect(_queue_url("review_list", query))


def _actable_or_403(user: Any, finding_id: int) -> Finding:
    finding = finding_or_404(user, finding_id)
    if not access.can_act_on_finding(user, finding):
        raise PermissionDenied("您只能查看该审查发现，无权处理。")
    return finding


@require_POST
@login_required
def review_allowlist(request: HttpRequest, finding_id: int) -> HttpResponse:
    """Dismiss as a false positive and allow-list the phrase or the sender + rule (per unit or school)."""
    user = request.user
    finding = _actable_or_403(user, finding_id)
    kind = request.POST.get("kind", AllowListKind.PHRASE)
    scope = request.POST.get("scope", allowlist.SCOPE_UNIT)
    try:
        entry = allowlist.do_dismiss_and_allowlist(
            user,
            finding,
            kind=kind,
            scope=scope,
            phrase=request.POST.get("phrase", ""),
            reason=request.POST.get("note", ""),
        )
    except RegistryError as err:
        messages.error(request, err.message)
        return redirect(_queue_url("review_detail", request.GET.urlencode(), finding.pk))
    where = entry.unit.name if entry.unit else _("全校")
    text = _("审查发现 #%(id)s 已标为误报，并加入%(where)s白名单；以后导入的消息不再报告。") % {
        "id": finding.pk,
        "where": where,
    }
    return _acted(request, finding, text)


@require_POST
@login_required
def review_warn(request: HttpRequest, finding_id: int) -> HttpResponse:
    """Warn the finding's sender: the warning is recorded and waits for the bot gateway to send it."""
    user = request.user
    finding = _actable_or_403(user, finding_id)
    try:
        warning = warnings.do_warn_sender(user, finding, text=request.POST.get("text", ""))
    except RegistryError as err:
        messages.error(request, err.message)
        return redirect(_queue_url("review_detail", request.GET.urlencode(), finding.pk))
    text = _("已记录对发送者的警告 #%(id)s（待发送，由机器人发出）。") % {"id": warning.pk}
    return _acted(request, finding, text)


@require_POST
@login_required
def review_case(request: HttpRequest, finding_id: int) -> HttpResponse:
    """Open a case about the finding's sender, or attach the finding to one of the sender's cases."""
    user = request.user
    finding = _actable_or_403(user, finding_id)
    case_id = request.POST.get("case", "")
    try:
        if case_id:
            try:
                case = cases.access_case(user, case_id)
            except cases.NotFound:
                raise Http404("个案不存在或不在您的管理范围内。") from None
            cases.do_attach_finding(user, case, finding, note=request.POST.get("note", ""))
            messages.success(
                request, _("审查发现 #%(f)s 已关联到个案 #%(c)s。") % {"f": finding.pk, "c": case.pk}
            )
        else:
            case = cases.do_open_case(
                user, finding, title=request.POST.get("title", ""), note=request.POST.get("note", "")
            )
            messages.success(request, _("已立案：个案 #%(c)s。") % {"c": case.pk})
    except RegistryError as err:
        messages.error(request, err.message)
        return redirect(_queue_url("review_detail", request.GET.urlencode(), finding.pk))
    return redirect("case_detail", case.pk)


def open_findings_count(user: Any) -> tuple[int, bool] | None:
    """Return the user's open findings for the dashboard as ``(count, capped)`` (see
    ``paging.capped_count``: above ``COUNT_CAP`` the count is the cap), or None when the user
    has no queue."""
    if not access.can_see_findings(user):
        return None
    return capped_count(access.visible_findings(user).filter(status=FindingStatus.OPEN))


__all__ = [
    "open_findings_count",
    "review_act",
    "review_allowlist",
    "review_bulk",
    "review_case",
    "review_detail",
    "review_list",
    "review_reveal",
    "review_warn",
]
