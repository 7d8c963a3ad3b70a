"""The approval workflow through the web forms: every step × every kind of request × every role ×
a request inside and outside the role's scope → the allow or deny the API's rule states.

Who may take a step is not written here a second time: each web step is matched to the REST
operation that takes the same step, and the expectation is that operation's rule in
``test_url_matrix.API``, so the web and the API cannot drift apart. A step is posted as a
browser posts it, with the CSRF token (``enforce_csrf_checks``).

- allowed: the request moves on (or gains its comment or scan) and the step's audit entry is
  written; the request is then used up and the next allowed role gets a fresh one;
- refused: 404 outside the role's scope, the login page for the anonymous visitor, and for a
  role that sees the request but may not take the step the detail page again carrying the
  action's Chinese refusal (a 403 where the view checks the role itself); nothing changes and
  no audit entry is written.

The cast, the world and a signed-in browser per role are built once for the module; each test
runs in its own savepoint.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone

from qunguan.accounts.actions import do_grant_role
from qunguan.accounts.models import Role
from qunguan.approvals.actions import (
    do_approve_request,
    do_attach_file,
    do_create_request,
    do_submit_request,
)
from qunguan.approvals.models import Approval, ApprovalKind, ApprovalState
from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.registry.actions import do_create_person, do_create_unit, do_dissolve_group, do_register_group
from qunguan.registry.models import Group, GroupStatus, Person
from tests.authz.test_url_matrix import API, ROLES, Rule
from tests.authz.world import SIDES, World, build_world, pdf
from tests.conftest import build_cast

KINDS = tuple(ApprovalKind.values)  # oversize, handover, retention, official


@dataclass(frozen=True)
class Step:
    """One web step: the API operation that governs it, what it needs, what it does."""

    api: str  # the key of the rule in test_url_matrix.API
    needs: str  # the state the request must be in for the step to succeed
    event: AuditEvent
    becomes: str | None  # the state afterwards (None: unchanged)
    form: Callable[[], dict[str, Any]] = field(default=dict)


STEPS: dict[str, Step] = {
    "submit": Step(
        "POST /api/approvals/{approval_id}/submit",
        ApprovalState.DRAFT,
        AuditEvent.APPROVAL_REQUEST_SUBMITTED,
        ApprovalState.SUBMITTED,
    ),
    "approve": Step(
        "POST /api/approvals/{approval_id}/approve",
        ApprovalState.SUBMITTED,
        AuditEvent.APPROVAL_REQUEST_APPROVED,
        ApprovalState.APPROVED,
    ),
    "reject": Step(
        "POST /api/approvals/{approval_id}/reject",
        ApprovalState.SUBMITTED,
        AuditEvent.APPROVAL_REQUEST_REJECTED,
        ApprovalState.REJECTED,
        form=lambda: {"reason": "材料不全"},
    ),
    "file": Step(
        "POST /api/approvals/{approval_id}/file",
        ApprovalState.APPROVED,
        AuditEvent.APPROVAL_REQUEST_FILED,
        ApprovalState.FILED,
    ),
    "comment": Step(
        "POST /api/approvals/{approval_id}/comments",
        ApprovalState.SUBMITTED,
        AuditEvent.APPROVAL_COMMENTED,
        None,
        form=lambda: {"body": "请补充材料"},
    ),
    "attach": Step(
        "POST /api/approvals/{approval_id}/attachments",
        ApprovalState.SUBMITTED,
        AuditEvent.APPROVAL_ATTACHMENT_ADDED,
        None,
        form=lambda: {"file": pdf("签批单.pdf")},
    ),
}


# ----------------------------------------------------------------------------------- the world


class Requests:
    """Fresh requests of each kind, side and state, made through the actions.

    Over-150 and handover requests are about the side's own group (group_a, group_b); a
    retention request about a temporary group of the side's unit, an official-group request
    about a group of a new class of the side's unit (approving one makes that class's group
    official, so each request gets its own). On side A the group admin administers every
    group a request is about, as it administers group_a: the API rule's scope holds for all.
    """

    def __init__(self, world: World) -> None:
        self.world = world
        self.numbers = itertools.count(1)
        cast = world.cast
        self.successor = {
            side: do_create_person(
                None, number=f"T{side}900", name=f"接任者{side}", kind="staff", unit=world.unit(side)
            )
            for side in SIDES
        }
        self.temporary = {side: self.new_group(side, temporary=True) for side in SIDES}
        self.teacher = {"A": cast.teacher_a, "B": cast.teacher_b}

    def new_group(self, side: str, *, temporary: bool = False, unit: Any = None, admin: bool = True) -> Group:
        n = next(self.numbers)
        owner: Person = self.world.cast.teacher_a if side == "A" else self.world.cast.teacher_b
        group = do_register_group(
            None,
            platform="qq",
            account=str(680000000 + n * 10 + (side == "B")),
            name=f"审批矩阵群{side}{n}",
            unit=unit or self.world.unit(side),
            member_scope="本单位教职工",
            purpose="工作通知",
            owner=owner,
            created_on=dt.date(2024, 9, 1),
            status="temporary" if temporary else "active",
            end_date=dt.date(2024, 12, 31) if temporary else None,
            member_count=40,
            admins=[owner],
        )
        if side == "A" and admin:
            do_grant_role(None, self.world.cast.group_admin, Role.GROUP_ADMIN, group=group)
        return group

    def group(self, kind: str, side: str) -> Group:
        if kind == ApprovalKind.RETENTION:
            return self.temporary[side]
        if kind == ApprovalKind.OFFICIAL:
            n = next(self.numbers)
            unit = do_create_unit(
                None,
                name=f"{self.world.unit(side).name}矩阵{n}班",
                kind="class",
                parent=self.world.unit(side),
            )
            return self.new_group(side, unit=unit)
        return self.world.group(side)

    def make(self, kind: str, side: str, state: str) -> Approval:
        """Return a new request of ``kind`` on side ``side`` in ``state`` (draft, submitted or approved)."""
        fields: dict[str, Any] = {
            ApprovalKind.OVERSIZE: {"max_members": 200},
            ApprovalKind.HANDOVER: {"new_owner": self.successor[side]},
            ApprovalKind.RETENTION: {"supervising_person": self.teacher[side]},
            ApprovalKind.OFFICIAL: {},
        }[ApprovalKind(kind)]
        approval = do_create_request(None, self.group(kind, side), kind=kind, reason="工作需要", **fields)
        if state == ApprovalState.DRAFT:
            return approval
        do_submit_request(None, approval)
        if state == ApprovalState.APPROVED:
            if kind == ApprovalKind.OVERSIZE:
                do_attach_file(None, approval, pdf("签批单.pdf"))  # 3(2): filed only with the scan
            do_approve_request(None, approval)
        assert approval.state == state
        return approval


@dataclass
class Stage:
    world: World
    requests: Requests
    clients: dict[str, Client] = field(default_factory=dict)  # one signed-in browser per role


def _no_chat_file(*lines: str, name: str = "") -> Path:
    raise AssertionError("the approval matrix imports no chats")


@pytest.fixture(scope="module")
def stage(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[Stage]:
    """The cast, the matrix's world and the requests' groups, built once and rolled back at the end."""
    media = tmp_path_factory.mktemp("approvals-matrix") / "uploads"
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=str(media), PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
        ),
    ):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            world = build_world(build_cast(), _no_chat_file)
            stage = Stage(world, Requests(world))
            stage.clients = {role: _client(world, role) for role in ROLES}
            yield stage
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


# ---------------------------------------------------------------------------------- the calls


def _client(world: World, role: str) -> Client:
    client = Client(enforce_csrf_checks=True)
    if role != "anonymous":
        client.force_login(world.users[role], backend="django.contrib.auth.backends.ModelBackend")
    # The CSRF cookie and form token a browser would carry from any page with a form.
    page = RequestFactory().get("/")
    client.csrf_form_token = get_token(page)  # type: ignore[attr-defined]
    client.cookies[settings.CSRF_COOKIE_NAME] = page.META["CSRF_COOKIE"]
    return client


def _post(client: Client, url: str, data: dict[str, Any]) -> Any:
    token = client.csrf_form_token  # type: ignore[attr-defined]
    response = client.post(url, {**data, "csrfmiddlewaretoken": token})
    client.cookies.pop("messages", None)  # each answer is judged by its own messages alone
    return response


def _outcome(response: Any) -> str:
    """Return "allow", "login", "403" (refused, as a status or as an error message) or "404"."""
    status = response.status_code
    if status in (403, 404):
        return str(status)
    if status != 302:
        return f"status {status}"
    if "/accounts/login/" in response["Location"]:
        return "login"
    levels = {m.level for m in messages.get_messages(response.wsgi_request)}
    return "403" if messages.ERROR in levels else "allow"


def _expect(rule: Rule, role: str, side: str) -> str:
    return rule.expect(role, side, "POST")


def _last_seq() -> int:
    last = AuditLogEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    return last or 0


def _state(approval: Approval) -> tuple[str, int, int]:
    approval.refresh_from_db()
    return approval.state, approval.comments.count(), approval.attachments.count()


# ---------------------------------------------------------------------------------- the specs


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("step_name", list(STEPS))
def test_web_approval_step_answers_each_role_as_the_api_rule_says(
    stage: Stage, db: Any, step_name: str, kind: str
) -> None:
    step = STEPS[step_name]
    rule = API[step.api]
    clients = stage.clients
    wrong: list[str] = []
    for side in SIDES:
        approval = stage.requests.make(kind, side, step.needs)
        for role in ROLES:
            want = _expect(rule, role, side)
            before, seq = _state(approval), _last_seq()
            url = reverse("approval_step", args=[approval.pk, step_name])
            got = _outcome(_post(clients[role], url, step.form()))
            after = _state(approval)
            new = list(AuditLogEntry.objects.filter(seq__gt=seq))
            if got != want:
                wrong.append(f"{role} on {side}: expected {want}, got {got}")
            elif want == "allow":
                state, comments, attachments = after
                moved = state == (step.becomes or before[0])
                gained = {
                    "comment": comments == before[1] + 1,
                    "attach": attachments == before[2] + 1,
                }.get(step_name, True)
                ours = [e for e in new if e.object_type == "approval" and e.object_id == str(approval.pk)]
                if not (moved and gained) or [e.event_type for e in ours] != [step.event]:
                    wrong.append(
                        f"{role} on {side}: allowed but state {after}, audit {[e.event_type for e in new]}"
                    )
                approval = stage.requests.make(kind, side, step.needs)  # used up: a fresh one
            elif after != before or new:
                wrong.append(
                    f"{role} on {side}: refused but state {before} → {after}, audit {len(new)} entries"
                )
    assert not wrong, f"{step_name} {kind}:\n  " + "\n  ".join(wrong)


def test_approval_takes_effect_on_the_registry_through_the_web(stage: Stage, db: Any) -> None:
    # The head's approval of a handover changes the group's owner; of an official request, marks it.
    head = stage.clients["head_a"]
    handover = stage.requests.make(ApprovalKind.HANDOVER, "A", ApprovalState.SUBMITTED)
    official = stage.requests.make(ApprovalKind.OFFICIAL, "A", ApprovalState.SUBMITTED)
    for approval in (handover, official):
        assert _outcome(_post(head, reverse("approval_step", args=[approval.pk, "approve"]), {})) == "allow"
    handover.group.refresh_from_db()
    official.group.refresh_from_db()
    assert handover.group.owner == stage.requests.successor["A"]
    assert official.group.is_official


def test_a_step_without_the_csrf_token_is_refused_and_changes_nothing(stage: Stage, db: Any) -> None:
    approval = stage.requests.make(ApprovalKind.OVERSIZE, "A", ApprovalState.SUBMITTED)
    head = stage.clients["head_a"]
    seq = _last_seq()
    response = head.post(reverse("approval_step", args=[approval.pk, "approve"]))
    assert response.status_code == 403
    assert _state(approval)[0] == ApprovalState.SUBMITTED
    assert _last_seq() == seq


# ------------------------------------------------------------- drafting and revising requests


def _request_form(stage: Stage, kind: str, side: str, reason: str) -> dict[str, Any]:
    """Return the request form as the liaison fills it in for ``kind``."""
    person = {
        ApprovalKind.OVERSIZE: {"max_members": "200"},
        ApprovalKind.HANDOVER: {"new_owner": str(stage.requests.successor[side].pk)},
        ApprovalKind.RETENTION: {"supervising_person": str(stage.requests.teacher[side].pk)},
        ApprovalKind.OFFICIAL: {},
    }[ApprovalKind(kind)]
    return {"kind": kind, "reason": reason, **person}


@pytest.mark.parametrize("kind", KINDS)
def test_web_request_forms_answer_each_role_as_the_api_rules_say(stage: Stage, db: Any, kind: str) -> None:
    # A new request (approval_new, like POST /api/approvals) and a revised draft (approval_edit,
    # like PATCH /api/approvals/{id}).
    rules = {"new": API["POST /api/approvals"], "edit": API["PATCH /api/approvals/{approval_id}"]}
    clients = stage.clients
    wrong: list[str] = []
    for side in SIDES:
        group = stage.requests.group(kind, side)
        draft = stage.requests.make(kind, side, ApprovalState.DRAFT)
        for role, (form_name, rule) in itertools.product(ROLES, rules.items()):
            want = _expect(rule, role, side)
            seq, count = _last_seq(), Approval.objects.count()
            reason = f"{role}的理由"
            if form_name == "new":
                url = reverse("approval_new") + f"?group={group.pk}"
            else:
                url = reverse("approval_edit", args=[draft.pk])
            got = _outcome(_post(clients[role], url, _request_form(stage, kind, side, reason)))
            new = [e.event_type for e in AuditLogEntry.objects.filter(seq__gt=seq)]
            draft.refresh_from_db()
            revised = draft.reason != "工作需要"
            if got != want:
                wrong.append(f"{form_name} as {role} on {side}: expected {want}, got {got}")
            elif want == "allow" and form_name == "new":
                made = Approval.objects.filter(group=group, reason=reason, state=ApprovalState.DRAFT)
                if not made.exists() or new != [AuditEvent.APPROVAL_REQUEST_CREATED]:
                    wrong.append(f"new as {role} on {side}: allowed but no draft, audit {new}")
            elif want == "allow":
                if draft.reason != reason or new != [AuditEvent.APPROVAL_REQUEST_REVISED]:
                    wrong.append(
                        f"edit as {role} on {side}: allowed but reason {draft.reason!r}, audit {new}"
                    )
            elif new or Approval.objects.count() != count or revised:
                wrong.append(f"{form_name} as {role} on {side}: refused but changed, audit {new}")
            if revised:
                draft = stage.requests.make(kind, side, ApprovalState.DRAFT)  # used up: a fresh one
    assert not wrong, f"{kind}:\n  " + "\n  ".join(wrong)


# ------------------------------------------------------------------ dissolving and restoring


def _dissolved(stage: Stage, side: str) -> Group:
    # Dissolved groups like the world's: not administered by the group admin (another group of the unit).
    group = stage.requests.new_group(side, temporary=True, admin=False)
    return do_dissolve_group(
        None, group, on=timezone.localdate(), reason="迎新结束", evidence=pdf("解散证明.pdf")
    )


GROUP_STEPS: dict[str, tuple[str, str, Callable[[Stage, str], Group], str, AuditEvent]] = {
    # web URL name: (API rule, its status afterwards, a fresh group, the event)
    "group_dissolution": (
        "POST /api/groups/{group_id}/dissolve",
        GroupStatus.DISSOLVED,
        lambda stage, side: stage.requests.new_group(side, temporary=True),
        "dissolve",
        AuditEvent.GROUP_DISSOLVED,
    ),
    "group_restore": (
        "POST /api/groups/{group_id}/restore",
        GroupStatus.TEMPORARY,
        _dissolved,
        "restore",
        AuditEvent.GROUP_RESTORED,
    ),
}


@pytest.mark.parametrize("name", list(GROUP_STEPS))
def test_web_dissolution_and_restore_answer_each_role_as_the_api_rule_says(
    stage: Stage, db: Any, name: str
) -> None:
    api_key, becomes, fresh, _, event = GROUP_STEPS[name]
    rule = API[api_key]
    clients = stage.clients
    form = {"on": timezone.localdate().isoformat(), "reason": "工作结束"}
    wrong: list[str] = []
    for side in SIDES:
        group = fresh(stage, side)
        for role in ROLES:
            want = _expect(rule, role, side)
            group.refresh_from_db()
            before, seq = group.status, _last_seq()
            got = _outcome(_post(clients[role], reverse(name, args=[group.pk]), form))
            group.refresh_from_db()
            new = list(AuditLogEntry.objects.filter(seq__gt=seq))
            if got != want:
                wrong.append(f"{role} on {side}: expected {want}, got {got}")
            elif want == "allow":
                if group.status != becomes or [e.event_type for e in new] != [event]:
                    wrong.append(
                        f"{role} on {side}: allowed but {group.status}, audit {[e.event_type for e in new]}"
                    )
                group = fresh(stage, side)
            elif group.status != before or new:
                wrong.append(
                    f"{role} on {side}: refused but {before} → {group.status}, audit {len(new)} entries"
                )
    assert not wrong, f"{name}:\n  " + "\n  ".join(wrong)
