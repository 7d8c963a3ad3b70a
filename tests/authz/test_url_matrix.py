"""The authorization matrix: every URL and API operation × every role × an object inside and
outside the role's scope → the expected allow or deny.

The URLs come from the URL conf and the API's OpenAPI document, so a new endpoint without a
rule in ``WEB`` or ``API`` below fails ``test_every_endpoint_has_a_rule``. A rule says who
may use the endpoint on an object of side A (作曲系: group_a, its unit, teacher_a, a finding in
group_a, and for every other kind a URL names one object of each side, see ``world.py``) and
of side B (声乐系: group_b …):

- ``gate``: the roles that get past the page's role check at all (others: 403);
- ``see``: the roles that may see the object (others: 404, "not found" = "not yours");
- ``use``: the roles that may do what the endpoint does (visible but others: 403), on every
  method or only on those in ``use_on`` (a page that anyone who sees it may read, but not post).

``args``/``params`` name another object or add a query string; ``renew`` gives each call a fresh
object where the endpoint uses one up (removing an allow-list entry).

"Allowed" means any answer that is not a refusal: 200/201/204, a redirect that is not to the
login page, or 400/409/422 for a body the action then rejects on its own merits.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from qunguan.api.main import api
from qunguan.gateway.actions import do_apply_sanction
from qunguan.unregistered.models import UnregisteredGroup
from tests.authz.world import World, build_world, pdf
from tests.chatfixtures import chat_data_dir, chat_file, pipe_format
from tests.conftest import Cast

__all__ = ["chat_data_dir", "chat_file", "pipe_format"]

ROLES = (
    "anonymous",
    "outsider",
    "group_admin",
    "reviewer",
    "head_a",
    "manager_a",
    "manager_b",
    "supervisor",
)
EVERYONE = frozenset(ROLES) - {"anonymous"}
ROLE_HOLDERS = EVERYONE - {"outsider"}
SUPERVISOR = frozenset({"supervisor"})
UNIT_MANAGERS = frozenset({"supervisor", "manager_a", "manager_b"})

# Who sees and who manages the objects of each side (see qunguan/registry/access.py).
SEE_GROUP = {
    "A": frozenset({"supervisor", "manager_a", "head_a", "reviewer", "group_admin"}),
    "B": frozenset({"supervisor", "manager_b"}),
}
SEE_UNIT = SEE_GROUP  # a group admin sees the unit of its group
SEE_PERSON = {
    "A": frozenset({"supervisor", "manager_a", "head_a", "reviewer"}),
    "B": frozenset({"supervisor", "manager_b"}),
}
# Another group of the same unit (a dissolved one): the group admin holds only group_a.
SEE_OTHER_GROUP = SEE_PERSON
MANAGE = {"A": frozenset({"supervisor", "manager_a"}), "B": frozenset({"supervisor", "manager_b"})}
# Findings are handled by the unit's managers and reviewers and the group's admins, not its head.
ACT_ON_FINDING = {
    "A": frozenset({"supervisor", "manager_a", "reviewer", "group_admin"}),
    "B": frozenset({"supervisor", "manager_b"}),
}
OWN_TOKEN = {"A": frozenset({"manager_a"}), "B": frozenset({"manager_b"})}

# Approval requests are seen by whoever sees the group (and by the head chosen to sign them);
# the unit's liaison and 宣传部 draft, change and submit; only the chosen head approves or
# rejects (side B's head is not one of the roles played); only 宣传部 files.
SEE_APPROVAL = SEE_GROUP
APPROVER = {"A": frozenset({"head_a"}), "B": frozenset()}
ATTACH = {"A": MANAGE["A"] | {"head_a"}, "B": MANAGE["B"]}
BOTH_SIDES_SUPERVISOR = {"A": SUPERVISOR, "B": SUPERVISOR}
# Cases: seen like their group, changed by those who handle findings (unit heads read only).
SEE_CASE = SEE_GROUP
# Allow-list entries of a unit: seen by the unit's roles, removed by those who act for the unit.
REMOVE_ALLOWED = {"A": frozenset({"supervisor", "manager_a", "reviewer"}), "B": MANAGE["B"]}
# Campaigns take the supervisor and the unit roles; a filing is seen by the unit roles of its
# unit's subtree and filled in by its liaisons; 宣传部 alone accepts or returns it.
CAMPAIGN_ROLES = frozenset({"supervisor", "manager_a", "manager_b", "head_a", "reviewer"})
SEE_CAMPAIGN = {"A": CAMPAIGN_ROLES, "B": CAMPAIGN_ROLES}
SEE_FILING = SEE_PERSON
OWN_NOTIFICATION = OWN_TOKEN  # manager_a's notice (A) and manager_b's (B)
# Speaking through a bot (群公告、群名片): the unit's managers, 宣传部 and the group's admins.
BOT_CONTROL = {"A": frozenset({"supervisor", "manager_a", "group_admin"}), "B": frozenset()}

ALLOWED = frozenset({200, 201, 204, 400, 409, 422})


@dataclass(frozen=True)
class Rule:
    """Who may use one endpoint; ``see``/``use`` map a side ("A"/"B") to roles."""

    methods: tuple[str, ...] = ("GET",)
    gate: frozenset[str] = EVERYONE
    see: dict[str, frozenset[str]] | None = None  # None: the endpoint names no object
    use: dict[str, frozenset[str]] | None = None  # None: whoever sees may use
    use_on: tuple[str, ...] | None = None  # the methods ``use`` governs (None: all of them)
    body: Callable[[World, str, str], Any] | None = None  # (world, side, role) -> form or JSON
    upload: Callable[[], dict[str, Any]] | None = None  # a multipart upload rather than JSON
    args: Callable[[World, str], dict[str, Any]] | None = None  # URL arguments other than World.kwargs
    params: Callable[[World, str], dict[str, Any]] | None = None  # the query string
    renew: Callable[[World, str], Any] | None = None  # a fresh object before each call (used up)
    public: bool = False
    everyone: str | None = None  # the one outcome for every role, signed in or not
    allowed: frozenset[int] = ALLOWED  # the statuses that mean "done"
    hidden_as: str = "404"  # how an object outside the role's scope is refused

    def expect(self, role: str, side: str, method: str = "GET") -> str:
        """Return "allow", "login", "403" or "404" for ``role`` on the object of ``side``."""
        if self.everyone is not None:
            return self.everyone
        if self.public:
            return "allow"
        if role == "anonymous":
            return "login"
        if role not in self.gate:
            return "403"
        if self.see is not None and role not in self.see[side]:
            return self.hidden_as
        governed = self.use_on is None or method in self.use_on
        if self.use is not None and governed and role not in self.use[side]:
            return "403"
        return "allow"


def scoped(see: dict[str, frozenset[str]], use: dict[str, frozenset[str]] | None = None, **kw: Any) -> Rule:
    return Rule(see=see, use=use, **kw)


def _manager(w: World, side: str) -> Any:
    return w.cast.manager_a if side == "A" else w.cast.manager_b


def _sighting(w: World, side: str) -> int:
    """Return a fresh unregistered group seen by the side's unit manager."""
    from qunguan.unregistered.actions import Sighting, note_sightings

    account = str(770000000 + UnregisteredGroup.objects.count())
    (row,) = note_sightings([Sighting("qq", account, "兴趣群")], source="import", actor=_manager(w, side))
    return row.pk


def _dismissed_sighting(w: World, side: str) -> int:
    """Return a fresh unregistered group of the side, marked as not a work group."""
    from qunguan.unregistered.actions import do_dismiss_unregistered_group

    row = UnregisteredGroup.objects.get(pk=_sighting(w, side))
    do_dismiss_unregistered_group(_manager(w, side), row, reason="兴趣群")
    return row.pk


def _rejected_import(w: World, side: str) -> int:
    """Return an import by the side's unit manager that left a rejects file."""
    from qunguan.chats.actions import do_import_chat_file

    path = w._chat_file("坏行", name=f"rejects-{side}.pipe")
    return do_import_chat_file(_manager(w, side), path).batch.pk


# ----------------------------------------------------------------------------------------- web


WEB: dict[str, Rule] = {
    "healthz": Rule(public=True),
    "login": Rule(public=True),
    "logout": Rule(methods=("POST",), everyone="login"),  # back to the login page
    "dashboard": Rule(),
    "group_list": Rule(),
    "group_register": Rule(methods=("GET", "POST"), gate=UNIT_MANAGERS),
    "group_detail": scoped(SEE_GROUP),
    "group_edit": scoped(SEE_GROUP, MANAGE, methods=("GET", "POST")),
    "group_dissolve": scoped(SEE_GROUP, MANAGE, methods=("POST",)),
    "group_rules_upload": scoped(SEE_GROUP, MANAGE, methods=("GET", "POST")),
    "group_rules_download": scoped(SEE_GROUP),
    "group_members": scoped(SEE_GROUP),
    "group_members_import": scoped(SEE_GROUP, MANAGE, methods=("POST",)),
    # Anyone who sees the group gets the list, masked unless they may see personal data.
    "group_removals_download": scoped(SEE_GROUP),
    "unit_tree": Rule(),
    "filing_export": scoped(SEE_UNIT, MANAGE),
    "roster_list": Rule(),
    "roster_import": Rule(methods=("GET", "POST"), gate=UNIT_MANAGERS),
    "roster_import_confirm": Rule(methods=("POST",), gate=UNIT_MANAGERS),
    "selfcheck": Rule(methods=("GET", "POST")),
    # 上传聊天记录 and 未登记群组: an import's rejects go to whoever ran it and to 宣传部; an
    # unregistered group is seen by the unit roles of the unit it is attributed to, resolved by
    # the unit's managers (each call gets a fresh one: resolving uses it up).
    "chat_upload": Rule(methods=("GET", "POST"), gate=UNIT_MANAGERS),
    "chat_import_rejects": scoped(MANAGE, args=lambda w, side: {"batch_id": _rejected_import(w, side)}),
    "unregistered_list": Rule(),
    "unregistered_detail": scoped(SEE_PERSON, args=lambda w, side: {"sighting_id": _sighting(w, side)}),
    "unregistered_register": scoped(
        SEE_PERSON, MANAGE, methods=("GET", "POST"), args=lambda w, side: {"sighting_id": _sighting(w, side)}
    ),
    "unregistered_dismiss": scoped(
        SEE_PERSON, MANAGE, methods=("POST",), args=lambda w, side: {"sighting_id": _sighting(w, side)}
    ),
    "unregistered_reopen": scoped(
        SEE_PERSON,
        MANAGE,
        methods=("POST",),
        args=lambda w, side: {"sighting_id": _dismissed_sighting(w, side)},
    ),
    "review_list": Rule(gate=ROLE_HOLDERS),
    "review_bulk": scoped(
        SEE_GROUP,
        ACT_ON_FINDING,
        methods=("POST",),
        gate=ROLE_HOLDERS,
        body=lambda w, side, role: {"action": "confirm", "finding": [w.findings[side].pk]},
    ),
    "review_detail": scoped(SEE_GROUP, gate=ROLE_HOLDERS),
    "review_reveal": scoped(SEE_GROUP, ACT_ON_FINDING, methods=("POST",)),
    "review_act": scoped(SEE_GROUP, ACT_ON_FINDING, methods=("POST",)),
    "audit_log": Rule(gate=SUPERVISOR),
    # Operations: the readiness check is open like /healthz; the metrics answer loopback callers
    # (the test client is 127.0.0.1) or a bearer token, whoever is signed in: the refusal is
    # test_metrics_refuse_a_remote_caller_whatever_their_role below.
    "health": Rule(public=True),
    "metrics": Rule(public=True),
    # Single sign-on is off unless QUNGUAN_CAS_SERVER_URL is set: the login does not exist.
    "cas_login": Rule(everyone="404"),
    "cas_logout": Rule(methods=("POST",), everyone="login"),
    # 审批
    "approval_list": Rule(),
    "approval_new": scoped(
        SEE_APPROVAL,
        MANAGE,
        methods=("GET", "POST"),
        params=lambda w, side: {"group": w.group(side).pk, "kind": "oversize"},
        body=lambda w, side, role: {"kind": "oversize", "reason": "交流需要", "max_members": "200"},
    ),
    "approval_detail": scoped(SEE_APPROVAL),
    "approval_edit": scoped(
        SEE_APPROVAL,
        MANAGE,
        methods=("GET", "POST"),
        args=lambda w, side: {"approval_id": w.drafts[side].pk},
        body=lambda w, side, role: {"kind": "oversize", "reason": "扩大成员范围", "max_members": "190"},
    ),
    "approval_attachment": scoped(SEE_APPROVAL),
    # The steps answer refusals as a message on the detail page; who may take which step, of
    # each kind, is played through the web forms in test_web_approvals_matrix.py against the
    # API's rules below. A comment is open to whoever sees the request.
    "approval_step": scoped(
        SEE_APPROVAL, methods=("POST",), body=lambda w, side, role: {"body": "请补充材料"}
    ),
    "group_dissolution": scoped(
        SEE_GROUP,
        MANAGE,
        methods=("GET", "POST"),
        body=lambda w, side, role: {"on": timezone.localdate().isoformat(), "reason": "工作结束"},
    ),
    "group_dissolution_evidence": scoped(
        SEE_OTHER_GROUP, args=lambda w, side: {"group_id": w.dissolved[side].pk}
    ),
    "group_restore": scoped(
        SEE_OTHER_GROUP, MANAGE, methods=("POST",), args=lambda w, side: {"group_id": w.dissolved[side].pk}
    ),
    # 账号事件: anyone signed in reports; those who see a flagged group see the incident; 宣传部
    # and the liaisons of a flagged group handle it.
    "incident_list": Rule(),
    "incident_report": Rule(
        methods=("GET", "POST"),
        body=lambda w, side, role: {"platform": "qq", "account": "123456789", "kind": "lost"},
    ),
    "incident_detail": scoped(
        SEE_GROUP,
        MANAGE,
        methods=("GET", "POST"),
        use_on=("POST",),  # the page shows to whoever sees; moving the incident on is handling
        body=lambda w, side, role: {"state": "handling"},
    ),
    # 个案
    "case_list": Rule(gate=ROLE_HOLDERS),
    "case_detail": scoped(SEE_CASE),
    "case_note": scoped(
        SEE_CASE,
        ACT_ON_FINDING,
        methods=("POST",),
        body=lambda w, side, role: {"kind": "note", "text": "已谈话"},
    ),
    "case_handle": scoped(SEE_CASE, ACT_ON_FINDING, methods=("POST",)),
    "case_close": scoped(
        SEE_CASE,
        ACT_ON_FINDING,
        methods=("POST",),
        body=lambda w, side, role: {"outcome": "education", "note": "已批评教育"},
    ),
    # The review queue's other pages and actions on one finding.
    "review_dashboard": Rule(gate=ROLE_HOLDERS),
    "review_export": Rule(gate=ROLE_HOLDERS),
    "review_allowlist": scoped(
        SEE_GROUP,
        ACT_ON_FINDING,
        methods=("POST",),
        body=lambda w, side, role: {"kind": "sender_rule", "scope": "unit"},
    ),
    "review_warn": scoped(
        SEE_GROUP,
        ACT_ON_FINDING,
        methods=("POST",),
        body=lambda w, side, role: {"text": "请勿在群内发布个人信息。"},
    ),
    "review_case": scoped(SEE_GROUP, ACT_ON_FINDING, methods=("POST",)),
    "allowlist_list": Rule(gate=ROLE_HOLDERS),
    "allowlist_remove": scoped(
        SEE_GROUP,
        REMOVE_ALLOWED,
        methods=("POST",),
        args=lambda w, side: {"entry_id": w.allowed[side].pk},
        renew=lambda w, side: w.new_allowlist_entry(side),
    ),
    "message_search": Rule(gate=ROLE_HOLDERS, params=lambda w, side: {"q": "手机号"}),
    # 年度填报
    "campaign_list": Rule(gate=CAMPAIGN_ROLES),
    "campaign_open": Rule(
        methods=("POST",),
        gate=SUPERVISOR,
        body=lambda w, side, role: {"year": "2099", "deadline": "2099-03-10"},
    ),
    "campaign_board": scoped(SEE_CAMPAIGN),
    "campaign_close": scoped(SEE_CAMPAIGN, BOTH_SIDES_SUPERVISOR, methods=("POST",)),
    "campaign_deadline": scoped(SEE_CAMPAIGN, BOTH_SIDES_SUPERVISOR, methods=("POST",)),
    "campaign_summary": scoped(SEE_CAMPAIGN, BOTH_SIDES_SUPERVISOR),
    "campaign_filing": scoped(SEE_FILING),
    "campaign_entry": scoped(
        SEE_FILING, MANAGE, methods=("POST",), body=lambda w, side, role: {"do": "confirm"}
    ),
    "campaign_confirm_all": scoped(SEE_FILING, MANAGE, methods=("POST",)),
    "campaign_add_groups": scoped(SEE_FILING, MANAGE, methods=("POST",)),
    "campaign_scan": scoped(
        SEE_FILING, MANAGE, methods=("POST",), upload=lambda: {"scan": pdf("登记表.pdf")}
    ),
    "campaign_scan_download": scoped(SEE_FILING),
    "campaign_submit": scoped(SEE_FILING, MANAGE, methods=("POST",)),
    "campaign_decide": scoped(
        SEE_FILING,
        BOTH_SIDES_SUPERVISOR,
        methods=("POST",),
        body=lambda w, side, role: {"do": "return", "comment": "请补充"},
    ),
    # Unit roles of the filing's unit print the form to sign it; contacts masked for heads.
    "campaign_filing_export": scoped(SEE_FILING),
    # 通知: a person's inbox and settings are theirs alone.
    "inbox": Rule(),
    "inbox_detail": scoped(OWN_NOTIFICATION),
    "inbox_mark_read": scoped(OWN_NOTIFICATION, methods=("POST",)),
    "inbox_mark_all_read": Rule(methods=("POST",)),
    "notify_prefs": Rule(methods=("GET", "POST"), body=lambda w, side, role: {"channels": ["email"]}),
    # 发送失败: 宣传部 and the liaisons get the page; each liaison sees the people of their units.
    "failed_deliveries": Rule(gate=UNIT_MANAGERS),
    "resend_delivery": scoped(
        MANAGE, gate=UNIT_MANAGERS, methods=("POST",), renew=lambda w, side: w.new_failed_delivery(side)
    ),
    # QQ机器人: anyone signed in gets the page, scoped to the groups they see; a group's bot page
    # shows to whoever sees the group; announcements and cards are for the unit's managers, 宣传部
    # and the group's admins, of a QQ group only (side B's group is a WeChat group: nobody); the
    # sanction list is 宣传部's alone.
    "bot_list": Rule(),
    "bot_group": scoped(SEE_GROUP),
    "bot_announce": scoped(
        SEE_GROUP, BOT_CONTROL, methods=("POST",), body=lambda w, side, role: {"text": "本周五下午开会"}
    ),
    "bot_card": scoped(
        SEE_GROUP, BOT_CONTROL, methods=("POST",), body=lambda w, side, role: {"qq": "20002", "card": "张三"}
    ),
    "sanction_list": Rule(
        methods=("GET", "POST"),
        gate=SUPERVISOR,
        body=lambda w, side, role: {"qq": "20001", "kind": "mute", "minutes": "10", "reason": "刷屏"},
    ),
    "sanction_lift": Rule(
        methods=("POST",),
        gate=SUPERVISOR,
        args=lambda w, side: {
            "sanction_id": do_apply_sanction(None, qq="20001", kind="kick", reason="冒用身份").pk
        },
        body=lambda w, side, role: {"reason": "已核实"},
    ),
    # The API's own pages: the document and its viewer are open to signed-in users.
    # The API's own document and its viewer hold no data: open to all, like a login page.
    "api:openapi-json": Rule(public=True),
    "api:openapi-view": Rule(public=True),
}


# ----------------------------------------------------------------------------------------- API


def _group_body(world: World, side: str, role: str) -> dict[str, Any]:
    unit = world.cast.composition if side == "A" else world.cast.vocal
    number = 700100 + ROLES.index(role) * 10 + (side == "B")
    return {"platform": "qq", "account": str(number), "name": f"新群{number}", "unit_id": unit.pk}


API: dict[str, Rule] = {
    "GET /api/units": Rule(),
    "GET /api/units/{unit_id}": scoped(SEE_UNIT),
    "GET /api/units/{unit_id}/filing.{fmt}": scoped(SEE_UNIT, MANAGE),
    "GET /api/groups": Rule(),
    # The unit is named in the body: one outside the caller's scope is a 422 on unit_id.
    "POST /api/groups": scoped(
        SEE_UNIT, MANAGE, methods=("POST",), body=_group_body, allowed=frozenset({201}), hidden_as="422"
    ),
    "GET /api/groups/{group_id}": scoped(SEE_GROUP),
    "PATCH /api/groups/{group_id}": scoped(
        SEE_GROUP, MANAGE, methods=("PATCH",), body=lambda w, side, role: {"purpose": "工作通知与答疑"}
    ),
    "POST /api/groups/{group_id}/dissolve": scoped(
        SEE_GROUP, MANAGE, methods=("POST",), body=lambda w, side, role: {"reason": "工作结束"}
    ),
    "GET /api/groups/{group_id}/history": scoped(SEE_GROUP),
    "GET /api/people": Rule(),
    "GET /api/people/{person_id}": scoped(SEE_PERSON),
    "GET /api/checks": Rule(),
    "POST /api/audit/scan": Rule(methods=("POST",), body=lambda w, side, role: {"text": "明天下午三点开会"}),
    "POST /api/audit/scan-docx": Rule(methods=("POST",), upload=lambda: {"document": _docx_upload()}),
    "GET /api/me": Rule(),
    "GET /api/tokens": Rule(),
    "POST /api/tokens": Rule(methods=("POST",), body=lambda w, side, role: {"name": "同步脚本"}),
    "POST /api/tokens/{token_id}/revoke": scoped(OWN_TOKEN, methods=("POST",)),
    "GET /api/groups/{group_id}/members": scoped(SEE_GROUP),
    "POST /api/groups/{group_id}/restore": scoped(
        SEE_OTHER_GROUP, MANAGE, methods=("POST",), args=lambda w, side: {"group_id": w.dissolved[side].pk}
    ),
    # 审批
    "GET /api/approvals": Rule(),
    "GET /api/approvals/{approval_id}": scoped(SEE_APPROVAL),
    "POST /api/approvals": scoped(
        SEE_APPROVAL,
        MANAGE,
        methods=("POST",),
        body=lambda w, side, role: {
            "group_id": w.group(side).pk,
            "kind": "oversize",
            "reason": "交流需要",
            "max_members": 200,
        },
    ),
    "PATCH /api/approvals/{approval_id}": scoped(
        SEE_APPROVAL,
        MANAGE,
        methods=("PATCH",),
        args=lambda w, side: {"approval_id": w.drafts[side].pk},
        body=lambda w, side, role: {"reason": "扩大成员范围，补充说明"},
    ),
    "POST /api/approvals/{approval_id}/submit": scoped(
        SEE_APPROVAL, MANAGE, methods=("POST",), args=lambda w, side: {"approval_id": w.drafts[side].pk}
    ),
    "POST /api/approvals/{approval_id}/approve": scoped(SEE_APPROVAL, APPROVER, methods=("POST",)),
    "POST /api/approvals/{approval_id}/reject": scoped(
        SEE_APPROVAL, APPROVER, methods=("POST",), body=lambda w, side, role: {"reason": "材料不全"}
    ),
    "POST /api/approvals/{approval_id}/file": scoped(SEE_APPROVAL, BOTH_SIDES_SUPERVISOR, methods=("POST",)),
    "POST /api/approvals/{approval_id}/comments": scoped(
        SEE_APPROVAL, methods=("POST",), body=lambda w, side, role: {"body": "请补充材料"}
    ),
    "POST /api/approvals/{approval_id}/attachments": scoped(
        SEE_APPROVAL, ATTACH, methods=("POST",), upload=lambda: {"file": pdf()}
    ),
    "GET /api/approvals/{approval_id}/attachments/{attachment_id}": scoped(SEE_APPROVAL),
    # 年度填报: scoped exactly like the web pages (campaign_list, campaign_board, campaign_filing …)
    "GET /api/campaigns": Rule(gate=CAMPAIGN_ROLES),
    "GET /api/campaigns/{campaign_id}": scoped(SEE_CAMPAIGN),
    "POST /api/campaigns/{campaign_id}/deadline": scoped(
        SEE_CAMPAIGN,
        BOTH_SIDES_SUPERVISOR,
        methods=("POST",),
        body=lambda w, side, role: {"deadline": f"{w.campaign.year}-12-30", "reason": "假期顺延"},
    ),
    "GET /api/campaigns/filings/{filing_id}": scoped(SEE_FILING),
    "POST /api/campaigns/filings/{filing_id}/submit": scoped(SEE_FILING, MANAGE, methods=("POST",)),
    "POST /api/campaigns/filings/{filing_id}/accept": scoped(
        SEE_FILING, BOTH_SIDES_SUPERVISOR, methods=("POST",), body=lambda w, side, role: {"comment": ""}
    ),
    "POST /api/campaigns/filings/{filing_id}/return": scoped(
        SEE_FILING, BOTH_SIDES_SUPERVISOR, methods=("POST",), body=lambda w, side, role: {"comment": "请补充"}
    ),
    # 宣传部 alone opens and closes a campaign and exports its summary (campaign_open, campaign_close,
    # campaign_summary); the liaisons fill in their filing (campaign_entry, campaign_confirm_all,
    # campaign_add_groups, campaign_scan); whoever sees a filing downloads its scan and its form.
    "POST /api/campaigns": Rule(
        methods=("POST",),
        gate=SUPERVISOR,
        body=lambda w, side, role: {"year": 2099, "deadline": "2099-03-10"},
    ),
    "POST /api/campaigns/{campaign_id}/close": scoped(SEE_CAMPAIGN, BOTH_SIDES_SUPERVISOR, methods=("POST",)),
    "GET /api/campaigns/{campaign_id}/summary.xlsx": scoped(SEE_CAMPAIGN, BOTH_SIDES_SUPERVISOR),
    "POST /api/campaigns/filings/{filing_id}/entries/{entry_id}": scoped(
        SEE_FILING, MANAGE, methods=("POST",), body=lambda w, side, role: {"purpose": "教学通知与答疑"}
    ),
    "POST /api/campaigns/filings/{filing_id}/confirm-all": scoped(SEE_FILING, MANAGE, methods=("POST",)),
    "POST /api/campaigns/filings/{filing_id}/add-groups": scoped(SEE_FILING, MANAGE, methods=("POST",)),
    "POST /api/campaigns/filings/{filing_id}/scan": scoped(
        SEE_FILING, MANAGE, methods=("POST",), upload=lambda: {"scan": pdf("登记表.pdf")}
    ),
    "GET /api/campaigns/filings/{filing_id}/scan": scoped(SEE_FILING),
    "GET /api/campaigns/filings/{filing_id}/export.{fmt}": scoped(SEE_FILING),
    # QQ机器人: bots scoped by the groups the caller sees; the sanction list is 宣传部's alone.
    "GET /api/bots": Rule(),
    "GET /api/sanctions": Rule(gate=SUPERVISOR),
    "POST /api/sanctions": Rule(
        methods=("POST",),
        gate=SUPERVISOR,
        body=lambda w, side, role: {"qq": "20001", "kind": "mute", "minutes": 10, "reason": "刷屏"},
    ),
    "POST /api/sanctions/{sanction_id}/lift": Rule(
        methods=("POST",),
        gate=SUPERVISOR,
        args=lambda w, side: {
            "sanction_id": do_apply_sanction(None, qq="20001", kind="kick", reason="冒用身份").pk
        },
        body=lambda w, side, role: {"reason": "已核实"},
    ),
    # 站内信: each person's own inbox and settings; failed sendings as on the web page.
    "GET /api/notifications": Rule(),
    "GET /api/notifications/unread-count": Rule(),
    "POST /api/notifications/read-all": Rule(methods=("POST",)),
    "GET /api/notifications/preferences": Rule(),
    "PUT /api/notifications/preferences": Rule(
        methods=("PUT",), body=lambda w, side, role: {"channels": ["inbox"]}
    ),
    "GET /api/notifications/{notification_id}": scoped(OWN_NOTIFICATION),
    "POST /api/notifications/{notification_id}/read": scoped(OWN_NOTIFICATION, methods=("POST",)),
    "GET /api/notifications/failed-deliveries": Rule(gate=UNIT_MANAGERS),
    "POST /api/notifications/failed-deliveries/{delivery_id}/resend": scoped(
        MANAGE, gate=UNIT_MANAGERS, methods=("POST",), renew=lambda w, side: w.new_failed_delivery(side)
    ),
    # 账号事件
    # 未登记群组: seen by the unit roles of the unit it is attributed to, resolved by its managers.
    "GET /api/unregistered": Rule(),
    "GET /api/unregistered/{sighting_id}": scoped(
        SEE_PERSON, args=lambda w, side: {"sighting_id": _sighting(w, side)}
    ),
    "POST /api/unregistered/{sighting_id}/register": scoped(
        SEE_PERSON,
        MANAGE,
        methods=("POST",),
        args=lambda w, side: {"sighting_id": _sighting(w, side)},
        body=lambda w, side, role: {"purpose": "教研交流"},
    ),
    "POST /api/unregistered/{sighting_id}/dismiss": scoped(
        SEE_PERSON,
        MANAGE,
        methods=("POST",),
        args=lambda w, side: {"sighting_id": _sighting(w, side)},
        body=lambda w, side, role: {"reason": "兴趣群"},
    ),
    "POST /api/unregistered/{sighting_id}/reopen": scoped(
        SEE_PERSON,
        MANAGE,
        methods=("POST",),
        args=lambda w, side: {"sighting_id": _dismissed_sighting(w, side)},
    ),
    "GET /api/incidents": Rule(),
    "POST /api/incidents": Rule(
        methods=("POST",),
        body=lambda w, side, role: {"platform": "qq", "account": "123456789", "kind": "lost"},
    ),
    "POST /api/incidents/{incident_id}/state": scoped(
        SEE_GROUP, MANAGE, methods=("POST",), body=lambda w, side, role: {"state": "handling"}
    ),
    # 审查
    # The API's lists are scoped like /api/groups: someone with no role gets an empty page.
    "GET /api/review/findings": Rule(),
    "GET /api/review/findings/{finding_id}": scoped(SEE_GROUP),
    "POST /api/review/findings/{finding_id}/act": scoped(
        SEE_GROUP, ACT_ON_FINDING, methods=("POST",), body=lambda w, side, role: {"action": "confirm"}
    ),
    "POST /api/review/bulk": scoped(
        SEE_GROUP,
        ACT_ON_FINDING,
        methods=("POST",),
        body=lambda w, side, role: {"action": "confirm", "ids": [w.findings[side].pk]},
    ),
    "GET /api/review/cases": Rule(),
    "GET /api/review/cases/{case_id}": scoped(SEE_CASE),
    "POST /api/review/cases/{case_id}/notes": scoped(
        SEE_CASE,
        ACT_ON_FINDING,
        methods=("POST",),
        body=lambda w, side, role: {"kind": "note", "text": "已谈话"},
    ),
    "POST /api/review/cases/{case_id}/close": scoped(
        SEE_CASE,
        ACT_ON_FINDING,
        methods=("POST",),
        body=lambda w, side, role: {"outcome": "education", "note": "已批评教育"},
    ),
}


# ------------------------------------------------------------------------------- the endpoints


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern) and p.name:
            yield namespace + p.name, prefix + str(p.pattern)


def web_endpoints() -> dict[str, str]:
    """Return URL name → route for every named URL outside the API's operations."""
    names: dict[str, str] = {}
    for name, route in _walk(get_resolver().url_patterns):
        if route.startswith("api/") and name not in {"api:openapi-json", "api:openapi-view"}:
            continue  # the operations are taken from the OpenAPI document
        names.setdefault(name, route)
    return names


def api_operations() -> set[str]:
    """Return "METHOD /api/path" for every operation in the OpenAPI document."""
    schema = api.get_openapi_schema()
    return {
        f"{method.upper()} {path}"
        for path, item in schema["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }


def test_every_endpoint_has_a_rule() -> None:
    missing = sorted(set(web_endpoints()) - set(WEB)) + sorted(api_operations() - set(API))
    assert not missing, "endpoints without an authorization rule in tests/authz: " + ", ".join(missing)


def test_no_rule_names_an_endpoint_that_is_gone() -> None:
    stale = sorted(set(WEB) - set(web_endpoints())) + sorted(set(API) - api_operations())
    assert not stale, "rules for endpoints that no longer exist: " + ", ".join(stale)


# ----------------------------------------------------------------------------------- the world


@pytest.fixture
def world(cast: Cast, chat_file: Callable[..., Path], chat_data_dir: Path) -> Iterator[World]:
    chat_data_dir.mkdir(parents=True, exist_ok=True)  # a server's data directory exists (/health)
    made = build_world(cast, chat_file)
    yield made
    made.close()


def _client(world: World, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role], backend="django.contrib.auth.backends.ModelBackend")
    return client


def _outcome(response: Any, rule: Rule, *, api_call: bool) -> str:
    status = response.status_code
    if status >= 500:
        return f"server error {status}"
    if api_call and status == 401:
        return "login"
    if status == 302:
        return "login" if "/accounts/login/" in response["Location"] else "allow"
    if status in rule.allowed:
        return "allow"
    return str(status)


def _docx() -> bytes:
    from docx import Document  # python-docx

    buffer = io.BytesIO()
    document = Document()
    document.add_paragraph("周五下午召开全体教职工会议。")
    document.save(buffer)
    return buffer.getvalue()


def _docx_upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("通知.docx", _docx())


def _call(client: Client, method: str, url: str, rule: Rule, world: World, side: str, role: str) -> Any:
    if rule.params is not None:
        url += "?" + urlencode(rule.params(world, side))
    body = rule.body(world, side, role) if rule.body else {}
    if rule.upload is not None:
        return client.post(url, {**body, **rule.upload()})
    if method == "GET":
        return client.get(url)
    if url.startswith("/api/"):
        return client.generic(method, url, _json(body), content_type="application/json")
    return client.post(url, body)


def _json(body: Any) -> str:
    import json

    return json.dumps(body, default=lambda v: v.isoformat() if isinstance(v, dt.date) else str(v))


def _cases() -> Iterator[Any]:
    for name, rule in WEB.items():
        for method in rule.methods:
            yield pytest.param("web", name, method, id=f"{method} {name}")
    for key, rule in API.items():
        yield pytest.param("api", key, rule.methods[0], id=key)


@pytest.mark.parametrize(("kind", "key", "method"), list(_cases()))
def test_endpoint_answers_each_role_as_its_rule_says(world: World, kind: str, key: str, method: str) -> None:
    routes = web_endpoints()
    rule = WEB[key] if kind == "web" else API[key]
    sides = ("A", "B") if rule.see is not None else ("A",)
    if rule.see is None and not rule.public and rule.everyone is None:
        world.build_all()  # lists and dashboards show real rows of both sides
    wrong = []
    for role in ROLES:
        for side in sides:
            if rule.renew is not None:
                rule.renew(world, side)
            route = routes[key] if kind == "web" else key.split(" ", 1)[1]
            kwargs = {**world.kwargs(route, side), **(rule.args(world, side) if rule.args else {})}
            url = reverse(key, kwargs=kwargs) if kind == "web" else route.format(**kwargs)
            response = _call(_client(world, role), method, url, rule, world, side, role)
            got = _outcome(response, rule, api_call=kind == "api")
            want = rule.expect(role, side, method)
            if got != want:
                wrong.append(f"{role} on {side}: expected {want}, got {got}")
    assert not wrong, f"{method} {key}:\n  " + "\n  ".join(wrong)


def test_metrics_refuse_a_remote_caller_whatever_their_role(cast: Cast) -> None:
    # Being signed in, even as 宣传部, is no key to /metrics: only loopback or the bearer token.
    for user in (None, cast.outsider, cast.group_admin, cast.head_a, cast.manager_a, cast.supervisor):
        client = Client()
        if user is not None:
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        assert client.get("/metrics", REMOTE_ADDR="10.20.30.40").status_code == 403, user


def test_an_object_named_under_another_sides_parent_is_not_found(world: World) -> None:
    # Even 宣传部, who sees both sides, gets 404 for side B's attachment or filing entry named
    # under side A's request or filing: the child is fetched through its parent.
    client = _client(world, "supervisor")
    attachment = f"/api/approvals/{world.approvals['A'].pk}/attachments/{world.attachments['B'].pk}"
    assert client.get(attachment).status_code == 404
    web_attachment = reverse("approval_attachment", args=[world.approvals["A"].pk, world.attachments["B"].pk])
    assert client.get(web_attachment).status_code == 404
    entry = reverse("campaign_entry", args=[world.filings["A"].pk, world.entries["B"].pk])
    assert client.post(entry, {"do": "confirm"}).status_code == 404
