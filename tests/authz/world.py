"""The world the authorization matrix runs in: the fixed cast plus, for every kind of object a
URL names, one object of side A (作曲系) and one of side B (声乐系), all made through the actions.

Side A's request is signed by head_a; side B's by a head of 声乐系 who is not one of the roles
the matrix plays, so that every role is outside side B's request unless it manages 声乐系.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from qunguan.accounts.actions import do_grant_role
from qunguan.accounts.models import Role
from qunguan.api.actions import do_create_api_token
from qunguan.approvals.actions import do_attach_file, do_create_request, do_submit_request
from qunguan.approvals.models import Approval, ApprovalAttachment
from qunguan.campaigns.actions import do_open_campaign, do_upload_scan
from qunguan.campaigns.models import Campaign, Filing, FilingEntry
from qunguan.chats import allowlist, cases
from qunguan.chats.actions import auditor, do_import_chat_file
from qunguan.chats.models import AllowListEntry, Case, Finding
from qunguan.incidents.actions import do_report_incident
from qunguan.incidents.models import AccountIncident
from qunguan.members.actions import do_import_members
from qunguan.notify.actions import do_notify
from qunguan.notify.models import Delivery, Notification
from qunguan.registry.actions import do_dissolve_group, do_register_group, do_upload_group_rules
from qunguan.registry.models import Group, Unit
from tests.conftest import Cast, make_user
from tests.notify.failing import failed_delivery

SIDES = ("A", "B")
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"


def pdf(name: str = "扫描件.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


class World:
    """The cast, the roles' users, and the objects of each side, each kind made on first use.

    Building every kind for every test would spend most of the matrix's time on objects the
    endpoint under test never names; pages without an object (lists, dashboards) ask for all of
    them with ``build_all`` so that they render real rows.
    """

    def __init__(self, cast: Cast, users: dict[str, Any], chat_file: Callable[..., Path]) -> None:
        self.cast = cast
        self.users = users
        self.tokens: dict[str, int] = {}
        self._chat_file = chat_file
        self._made: dict[str, dict[str, Any]] = {}

    def _kind(self, kind: str) -> dict[str, Any]:
        if kind not in self._made:
            self._made[kind] = {}
            BUILDERS[kind](self, self._made[kind])
        return self._made[kind]

    def close(self) -> None:
        """Leave no conversation memory of this world's messages to the next test's imports."""
        if "chat" in self._made:
            auditor.cache_clear()

    def build_all(self) -> None:
        for kind in BUILDERS:
            self._kind(kind)

    @property
    def findings(self) -> dict[str, Finding]:
        return self._kind("chat")["findings"]

    @property
    def approvals(self) -> dict[str, Approval]:  # submitted, awaiting the head
        return self._kind("approvals")["submitted"]

    @property
    def drafts(self) -> dict[str, Approval]:  # drafts the liaison may still change
        return self._kind("approvals")["drafts"]

    @property
    def attachments(self) -> dict[str, ApprovalAttachment]:
        return self._kind("approvals")["attachments"]

    @property
    def incidents(self) -> dict[str, AccountIncident]:
        return self._kind("incidents")["by_side"]

    @property
    def cases(self) -> dict[str, Case]:
        return self._kind("cases")["by_side"]

    @property
    def campaign(self) -> Campaign:
        return self._kind("campaign")["campaign"]

    @property
    def filings(self) -> dict[str, Filing]:
        return self._kind("campaign")["filings"]

    @property
    def entries(self) -> dict[str, FilingEntry]:
        return self._kind("campaign")["entries"]

    @property
    def allowed(self) -> dict[str, AllowListEntry]:  # allow-list entries in force
        return self._kind("allowlist")["by_side"]

    @property
    def notifications(self) -> dict[str, Notification]:
        return self._kind("notifications")["by_side"]

    @property
    def dissolved(self) -> dict[str, Group]:  # dissolved with evidence
        return self._kind("dissolved")["by_side"]

    @property
    def failed_deliveries(self) -> dict[str, Delivery]:  # failed after retries, to the side's people
        return self._kind("failed_deliveries")["by_side"]

    def new_failed_delivery(self, side: str) -> Delivery:
        """Return a fresh failed delivery to a person of the side (head_a of 作曲系, the liaison of
        声乐系): resending one uses it up."""
        recipient = self.cast.head_a if side == "A" else self.cast.manager_b
        made = self._made.setdefault("failed_deliveries", {"by_side": {}})
        made["by_side"][side] = failed_delivery(recipient)
        return made["by_side"][side]

    def unit(self, side: str) -> Unit:
        return self.cast.composition if side == "A" else self.cast.vocal

    def group(self, side: str) -> Group:
        return self.cast.group_a if side == "A" else self.cast.group_b

    def kwargs(self, route: str, side: str) -> dict[str, Any]:
        """Return the URL arguments naming the object of ``side``."""
        a = side == "A"
        values: dict[str, Callable[[], Any]] = {
            "group_id": lambda: self.group(side).pk,
            "unit_id": lambda: self.unit(side).pk,
            "person_id": lambda: (self.cast.teacher_a if a else self.cast.teacher_b).pk,
            "finding_id": lambda: self.findings[side].pk,
            "token_id": lambda: self.tokens[side],
            "approval_id": lambda: self.approvals[side].pk,
            "attachment_id": lambda: self.attachments[side].pk,
            "incident_id": lambda: self.incidents[side].pk,
            "case_id": lambda: self.cases[side].pk,
            "campaign_id": lambda: self.campaign.pk,
            "filing_id": lambda: self.filings[side].pk,
            "entry_id": lambda: self.entries[side].pk,
            "notification_id": lambda: self.notifications[side].pk,
            "delivery_id": lambda: self.failed_deliveries[side].pk,
            "fmt": lambda: "xlsx",
            "action": lambda: "confirm",
            "step": lambda: "comment",
        }
        return {k: v() for k, v in values.items() if re.search(rf"[<{{](?:\w+:)?{k}[>}}]", route)}

    def new_allowlist_entry(self, side: str) -> AllowListEntry:
        """Return the side's allow-list entry in force, allow-listing one more finding's sender
        when the last entry was removed."""
        current = self.allowed.get(side)
        if current is not None and AllowListEntry.objects.filter(pk=current.pk, active=True).exists():
            return current
        finding = self._kind("chat")["spare"][side].pop()
        entry = allowlist.do_dismiss_and_allowlist(None, finding, kind="sender_rule", scope="unit")
        self.allowed[side] = entry
        return entry


def _chat_lines(cast: Cast) -> list[str]:
    a, b = cast.group_a.account, cast.group_b.account
    lines = [
        f"2024-09-02T09:10:00|{a}|10001010|赵四|我的手机号 13812345678|a1",
        f"2024-09-03T10:00:00|wechat:{b}|20002001|孙六|电话 13912345678|b1",
    ]
    # Spare findings for the allow-list: each removal uses up an entry (at most three a side).
    for n in range(4):
        lines.append(f"2024-09-04T10:{n:02d}:00|{a}|1000{n + 20}|周{n}|联系 1381234{n:04d}|a{n + 2}")
        lines.append(f"2024-09-04T11:{n:02d}:00|wechat:{b}|2000{n + 20}|吴{n}|联系 1391234{n:04d}|b{n + 2}")
    return lines


def _dissolved_group(cast: Cast, side: str) -> Group:
    unit = cast.composition if side == "A" else cast.vocal
    owner = cast.teacher_a if side == "A" else cast.teacher_b
    group = do_register_group(
        None,
        platform="qq",
        account="600900100" if side == "A" else "600900200",
        name=f"{unit.name}迎新临时群",
        unit=unit,
        member_scope="新生与辅导员",
        purpose="迎新通知",
        owner=owner,
        created_on=dt.date(2024, 8, 20),
        status="temporary",
        end_date=dt.date(2024, 9, 30),
        member_count=30,
        admins=[owner],
    )
    return do_dissolve_group(
        None, group, on=timezone.localdate(), reason="迎新结束", evidence=pdf("解散证明.pdf")
    )


def _build_chat(world: World, made: dict[str, Any]) -> None:
    cast = world.cast
    # A fresh auditor: its conversation detectors remember the messages of earlier imports (see
    # tests/chatfixtures.fresh_auditor); only the tests that import pay for building one.
    auditor.cache_clear()
    do_import_chat_file(None, world._chat_file(*_chat_lines(cast)))
    made["findings"] = {
        side: Finding.objects.get(group=group, category="privacy.phone", message__text__contains=phone)
        for side, group, phone in (("A", cast.group_a, "13812345678"), ("B", cast.group_b, "13912345678"))
    }
    made["spare"] = {
        side: list(
            Finding.objects.filter(group=group, category="privacy.phone", message__text__startswith="联系")
        )
        for side, group in (("A", cast.group_a), ("B", cast.group_b))
    }


def _build_approvals(world: World, made: dict[str, Any]) -> None:
    made.update(submitted={}, drafts={}, attachments={})
    for side in SIDES:
        group = world.group(side)
        approval = do_create_request(None, group, kind="oversize", reason="学科交流需要", max_members=200)
        made["attachments"][side] = do_attach_file(None, approval, pdf())
        made["submitted"][side] = do_submit_request(None, approval)
        made["drafts"][side] = do_create_request(
            None, group, kind="oversize", reason="扩大成员范围", max_members=180
        )
    assert made["submitted"]["A"].approver == world.cast.head_a
    assert made["submitted"]["B"].approver.username == "shengyue-head"


def _build_incidents(world: World, made: dict[str, Any]) -> None:
    # Each side's group holds the account 10001004 in its latest member list.
    made["by_side"] = {
        side: do_report_incident(None, platform=platform, account="10001004", kind="lost")
        for side, platform in (("A", "qq"), ("B", "wechat"))
    }


def _build_cases(world: World, made: dict[str, Any]) -> None:
    made["by_side"] = {
        side: cases.do_open_case(None, world.findings[side], title="个人信息外泄") for side in SIDES
    }


def _build_allowlist(world: World, made: dict[str, Any]) -> None:
    made["by_side"] = {}
    for side in SIDES:
        world.new_allowlist_entry(side)


def _build_dissolved(world: World, made: dict[str, Any]) -> None:
    made["by_side"] = {side: _dissolved_group(world.cast, side) for side in SIDES}


def _build_campaign(world: World, made: dict[str, Any]) -> None:
    year = timezone.localdate().year
    cast = world.cast
    made["campaign"] = do_open_campaign(
        None, year=year, deadline=dt.date(year, 12, 31), units=[cast.composition, cast.vocal]
    )
    made.update(filings={}, entries={})
    for side in SIDES:
        filing = Filing.objects.get(campaign=made["campaign"], unit=world.unit(side))
        made["filings"][side] = do_upload_scan(None, filing, pdf("登记表.pdf"))
        made["entries"][side] = filing.entries.get(group=world.group(side))


def _build_failed_deliveries(world: World, made: dict[str, Any]) -> None:
    made["by_side"] = {}
    for side in SIDES:
        world.new_failed_delivery(side)


def _build_notifications(world: World, made: dict[str, Any]) -> None:
    owners = (("A", world.cast.manager_a), ("B", world.cast.manager_b))
    made["by_side"] = {
        side: do_notify([owner], subject="请核对本单位群组", body="请尽快核对。")[0] for side, owner in owners
    }


BUILDERS: dict[str, Callable[[World, dict[str, Any]], None]] = {
    "chat": _build_chat,
    "approvals": _build_approvals,
    "incidents": _build_incidents,
    "cases": _build_cases,
    "allowlist": _build_allowlist,
    "dissolved": _build_dissolved,
    "campaign": _build_campaign,
    "notifications": _build_notifications,
    "failed_deliveries": _build_failed_deliveries,
}


def build_world(cast: Cast, chat_file: Callable[..., Path]) -> World:
    """Return the world with its cast, users, member lists, rules documents and API tokens; the
    other objects are made when first named."""
    reviewer = make_user("shenhe", "作曲系 审核员")
    do_grant_role(None, reviewer, Role.REVIEWER, unit=cast.composition)
    head_b = make_user("shengyue-head", "声乐系 主任")
    do_grant_role(None, head_b, Role.UNIT_HEAD, unit=cast.vocal)
    for group in (cast.group_a, cast.group_b):
        members = io.BytesIO("群名片,QQ号或微信号\n王建国,10001001\n路人甲,10001004\n".encode())
        do_import_members(None, group, members, filename="members.csv")
        do_upload_group_rules(None, group, pdf("管理办法.pdf"))
    users = {
        "outsider": cast.outsider,
        "group_admin": cast.group_admin,
        "reviewer": reviewer,
        "head_a": cast.head_a,
        "manager_a": cast.manager_a,
        "manager_b": cast.manager_b,
        "supervisor": cast.supervisor,
    }
    world = World(cast, users, chat_file)
    world.tokens = {
        "A": do_create_api_token(cast.manager_a, cast.manager_a, name="A")[0].pk,
        "B": do_create_api_token(cast.manager_b, cast.manager_b, name="B")[0].pk,
    }
    return world
