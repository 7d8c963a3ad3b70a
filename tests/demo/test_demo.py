"""The demo school: built through the actions, every breach kind present, safe to load twice."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError

from qunguan.accounts.models import User
from qunguan.auditlog import log
from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.chats.models import ChatMessage, Finding, ImportBatch
from qunguan.demo.build import LOGINS, PASSWORD
from qunguan.demo.chats import CHATTER_RUN, RUN_EVERY
from qunguan.registry import access
from qunguan.registry.checks import CHECKS, run_checks
from qunguan.registry.models import Group, GroupStatus, Person, Unit
from qunguan.unregistered.models import UnregisteredGroup
from tests.demo.conftest import run_demo


def test_demo_builds_a_school_of_the_promised_size(demo):
    assert 18 <= Unit.objects.count() <= 22
    assert 250 <= Person.objects.count() <= 500
    assert 55 <= Group.objects.count() <= 70
    assert set(Group.objects.values_list("platform", flat=True)) == {"qq", "wechat", "wecom"}


def test_demo_school_is_fictional(demo):
    names = " ".join(Unit.objects.values_list("name", flat=True))
    assert "蓉城音乐学院" in names
    assert "四川" not in names


def test_every_unit_has_a_head_and_a_liaison(demo):
    assert not Unit.objects.filter(head__isnull=True).exists()
    assert not Unit.objects.filter(liaison__isnull=True).exists()


def test_demo_builds_every_breach_kind(demo):
    kinds = {b.kind for b in run_checks(Group.objects.all(), unregistered=UnregisteredGroup.objects.all())}
    assert kinds == set(CHECKS)


@pytest.mark.parametrize(
    ("group_name", "why"),
    [
        ("蓉城音乐学院全体教职工群", "over 150 with an oversize approval on file"),
        ("器乐系专业课学生群", "exactly 150 members"),
        ("期末考试巡考协调群", "overdue temporary group with a retention approval"),
        ("2026艺术节志愿者群", "temporary group not yet ended"),
        ("舞蹈学院汇报演出群", "temporary group whose work ends today"),
    ],
)
def test_demo_near_misses_stay_silent(demo, group_name, why):
    assert Group.objects.filter(name=group_name).exists()
    flagged = {b.group_name for b in run_checks(Group.objects.all())}
    assert group_name not in flagged, why


def test_demo_dissolved_groups_are_not_checked(demo):
    dissolved = set(Group.objects.filter(status=GroupStatus.DISSOLVED).values_list("name", flat=True))
    assert len(dissolved) >= 2
    assert not dissolved & {b.group_name for b in run_checks(Group.objects.all())}


def test_most_demo_groups_have_a_rules_document(demo):
    groups = list(Group.objects.all())
    with_rules = [g for g in groups if g.rules_document]
    assert len(with_rules) >= 0.9 * len(groups)
    first = demo.media_root / with_rules[0].rules_document.name
    assert first.read_bytes()[:2] == b"PK"  # a .docx is a zip file


def test_demo_is_written_through_the_actions(demo):
    assert AuditLogEntry.objects.filter(object_type="group").count() >= Group.objects.count()
    created = AuditLogEntry.objects.filter(object_type="person", event_type=AuditEvent.PERSON_CREATED)
    assert created.count() == Person.objects.count()
    assert set(AuditLogEntry.objects.values_list("actor_label", flat=True)) == {"system"}
    assert list(log.verify()) == []


def test_demo_phones_are_test_numbers(demo):
    phones = Person.objects.values_list("phone", flat=True)
    assert all(p.startswith(("13800138", "13900139")) and len(p) == 11 for p in phones)


def test_demo_logins_are_printed_and_their_password_works(demo):
    for login in LOGINS:
        assert login.username in demo.output
        user = User.objects.get(username=login.username)
        assert user.check_password(PASSWORD)
        validate_password(PASSWORD, user)  # the demo password passes the production validators
        assert access.roles_of(user)
    assert PASSWORD in demo.output


def test_demo_unit_managers_are_siblings(demo):
    zuoqu, shengyue = (User.objects.get(username=n) for n in ("zuoqu", "shengyue"))
    composition = access.managed_units(zuoqu).get(name="作曲系")
    assert not access.visible_groups(zuoqu).filter(unit__name="声乐系").exists()
    assert composition.parent == access.managed_units(shengyue).get(name="声乐系").parent


def test_demo_if_empty_is_idempotent_and_still_prints_logins(demo):
    counts = (
        Unit.objects.count(),
        Person.objects.count(),
        Group.objects.count(),
        AuditLogEntry.objects.count(),
    )
    out = run_demo("--if-empty")
    after = (
        Unit.objects.count(),
        Person.objects.count(),
        Group.objects.count(),
        AuditLogEntry.objects.count(),
    )
    assert after == counts
    assert "跳过" in out
    assert all(login.username in out for login in LOGINS)


def test_demo_refuses_a_database_that_has_units(demo):
    with pytest.raises(CommandError, match="演示数据只能载入空数据库"):
        run_demo()


def test_demo_groups_have_imported_conversations_with_findings(demo):
    assert ImportBatch.objects.filter(format="generic", rejected=0).count() >= 5
    # Every message is bound to its registered group, but for the one unregistered class group.
    unbound = ChatMessage.objects.filter(group__isnull=True)
    assert set(unbound.values_list("group_account", flat=True)) == {"786543210"}
    assert UnregisteredGroup.objects.get().account == "786543210"
    assert ChatMessage.objects.values("group").distinct().count() >= 5
    found = set(Finding.objects.values_list("category", flat=True))
    assert {"privacy.phone", "secret.doc_number", "ad"} <= found
    assert "条聊天记录" in demo.output


def test_demo_chatter_is_reported_once_per_run_not_line_by_line(demo):
    groups = ChatMessage.objects.values("group").distinct().count()
    runs = len(range(0, groups, RUN_EVERY))
    chatter = Finding.objects.filter(category="offtopic")
    assert list(chatter.values_list("rule", flat=True)) == ["offtopic.burst"] * runs
    assert all(f.message.text in CHATTER_RUN for f in chatter.select_related("message"))
    # Before: one finding per chatty line, 307 of the 438 findings of 960 messages.
    assert Finding.objects.count() * 1000 / ChatMessage.objects.count() < 150
