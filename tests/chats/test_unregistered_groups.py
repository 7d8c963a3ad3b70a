"""Unregistered groups (未登记群组): seen in imports or by a bot, a breach of 1(1) until resolved."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.chats.actions import do_import_chat_file
from qunguan.chats.models import ChatMessage, Finding
from qunguan.gateway.sync import SeenGroup, record_sync
from qunguan.registry import access
from qunguan.registry.checks import run_checks
from qunguan.registry.errors import RegistryError
from qunguan.unregistered.access import access_unregistered, visible_unregistered
from qunguan.unregistered.actions import do_dismiss_unregistered_group, do_register_unregistered_group
from qunguan.unregistered.models import SightingSource, SightingStatus, UnregisteredGroup

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
STRAY = "999888777"


def _client(user):
    client = Client()
    client.force_login(user, backend=MODEL_BACKEND)
    return client


def _stray_export(chat_file, name="stray.pipe"):
    return chat_file(
        f"2024-09-02T09:00:05|{STRAY}|10001001|王建国|收到|u1",
        f"2024-09-03T10:00:00|{STRAY}|10001002|李芳|我的身份证号是11010519491231002X|u2",
        name=name,
    )


def _registration(cast):
    return {
        "platform": "qq",
        "account": STRAY,
        "name": "作曲系研究生群",
        "unit": cast.composition,
        "member_scope": "作曲系研究生",
        "purpose": "课程通知",
        "owner": cast.teacher_a,
        "member_count": 20,
        "status": "active",
    }


def test_a_unit_managers_import_records_the_group_for_their_unit(cast, chat_file):
    do_import_chat_file(cast.manager_a, _stray_export(chat_file))
    row = UnregisteredGroup.objects.get()
    assert (row.platform, row.account, row.unit, row.source) == ("qq", STRAY, cast.composition, "import")
    assert row.message_count == 2
    assert (row.first_seen.day, row.last_seen.day) == (2, 3)
    assert row.status == SightingStatus.OPEN
    entry = AuditLogEntry.objects.get(event_type=AuditEvent.UNREGISTERED_GROUP_SEEN)
    assert entry.actor == cast.manager_a
    assert STRAY in entry.summary


def test_importing_again_counts_only_new_messages(cast, chat_file):
    path = _stray_export(chat_file)
    do_import_chat_file(cast.manager_a, path)
    do_import_chat_file(cast.manager_a, path)
    more = chat_file(f"2024-09-04T08:00:00|{STRAY}|10001001|王建国|明白|u3", name="more.pipe")
    do_import_chat_file(cast.manager_a, more)
    row = UnregisteredGroup.objects.get()
    assert row.message_count == 3
    assert row.last_seen.day == 4
    assert AuditLogEntry.objects.filter(event_type=AuditEvent.UNREGISTERED_GROUP_SEEN).count() == 1


def test_only_the_supervisor_sees_a_group_from_an_import_without_a_unit(cast, chat_file):
    do_import_chat_file(None, _stray_export(chat_file))  # the operator's qunguan import
    row = UnregisteredGroup.objects.get()
    assert row.unit is None
    assert list(visible_unregistered(cast.supervisor)) == [row]
    for user in (cast.manager_a, cast.manager_b, cast.head_a, cast.group_admin, cast.outsider):
        assert not visible_unregistered(user).exists()
        with pytest.raises(access.NotFound):
            access_unregistered(user, row.pk)


def test_a_sibling_unit_manager_neither_sees_nor_resolves_the_group(cast, chat_file):
    do_import_chat_file(cast.manager_a, _stray_export(chat_file))
    row = UnregisteredGroup.objects.get()
    assert list(visible_unregistered(cast.head_a)) == [row]
    with pytest.raises(access.NotFound):
        access_unregistered(cast.manager_b, row.pk)
    with pytest.raises(access.Forbidden):
        access_unregistered(cast.head_a, row.pk, resolve=True)
    with pytest.raises(RegistryError) as err:
        do_dismiss_unregistered_group(cast.manager_b, row, reason="与工作无关")
    assert err.value.code == "out_of_scope"


def test_the_open_group_is_a_breach_for_those_who_see_it(cast, chat_file):
    do_import_chat_file(cast.manager_a, _stray_export(chat_file))
    for user, expected in ((cast.supervisor, 1), (cast.manager_a, 1), (cast.manager_b, 0)):
        breaches = run_checks(access.visible_groups(user), unregistered=visible_unregistered(user))
        found = [b for b in breaches if b.kind == "unregistered_group"]
        assert len(found) == expected
    (breach,) = [
        b
        for b in run_checks(
            access.visible_groups(cast.manager_a), unregistered=visible_unregistered(cast.manager_a)
        )
        if b.kind == "unregistered_group"
    ]
    assert (breach.clause, breach.group_id, breach.platform, breach.account) == ("1(1)", 0, "qq", STRAY)
    assert breach.unit_name == "作曲系"
    assert "已存入 2 条消息" in breach.detail
    # Callers that pass no unregistered groups (the group list, approvals) see no such breach.
    assert not [
        b for b in run_checks(access.visible_groups(cast.supervisor)) if b.kind == "unregistered_group"
    ]


def test_check_json_names_the_unregistered_account(cast, chat_file):
    do_import_chat_file(cast.manager_a, _stray_export(chat_file))
    out = StringIO()
    call_command("check", "--json", "--kind", "unregistered_group", stdout=out)
    (item,) = json.loads(out.getvalue())
    row = UnregisteredGroup.objects.get()
    assert item == {
        "kind": "unregistered_group",
        "clause": "1(1)",
        "title": "未登记的群组",
        "group": {"id": None, "platform": "qq", "account": STRAY, "name": f"QQ群 {STRAY}"},
        "unit": {"id": cast.composition.pk, "name": "作曲系"},
        "message": item["message"],
        "unregistered": row.pk,
    }
    out = StringIO()
    call_command("check", "--json", "--unit", "声乐系", "--kind", "unregistered_group", stdout=out)
    assert json.loads(out.getvalue()) == []


def test_check_json_keeps_its_shape_for_group_breaches(cast):
    out = StringIO()
    call_command("check", "--json", "--kind", "no_admin", "--kind", "incomplete_registration", stdout=out)
    for item in json.loads(out.getvalue()):
        assert set(item) == {"kind", "clause", "title", "group", "unit", "message"}
        assert isinstance(item["group"]["id"], int)


def test_registering_binds_the_stored_messages_and_findings(cast, chat_file):
    do_import_chat_file(cast.manager_a, _stray_export(chat_file))
    row = UnregisteredGroup.objects.get()
    group = do_register_unregistered_group(cast.manager_a, row, **_registration(cast))
    row.refresh_from_db()
    assert (row.status, row.group, row.resolved_by) == (SightingStatus.REGISTERED, group, cast.manager_a)
    assert set(ChatMessage.objects.values_list("group", flat=True)) == {group.pk}
    assert set(Finding.objects.values_list("group", flat=True)) == {group.pk}
    entry = AuditLogEntry.objects.get(event_type=AuditEvent.UNREGISTERED_GROUP_REGISTERED)
    assert "归入 2 条已导入消息" in entry.summary
    assert AuditLogEntry.objects.filter(event_type=AuditEvent.GROUP_REGISTERED).count() >= 1
    assert not [
        b
        for b in run_checks(
            access.visible_groups(cast.supervisor), unregistered=visible_unregistered(cast.supervisor)
        )
        if b.kind == "unregistered_group"
    ]
    with pytest.raises(RegistryError) as err:
        do_dismiss_unregistered_group(cast.manager_a, row, reason="重复")
    assert err.value.code == "bad_state"


def test_dismissing_needs_a_reason_and_is_logged(cast, chat_file):
    do_import_chat_file(cast.manager_a, _stray_export(chat_file))
    row = UnregisteredGroup.objects.get()
    with pytest.raises(RegistryError) as err:
        do_dismiss_unregistered_group(cast.manager_a, row, reason="  ")
    assert err.value.message == "请填写认定为非工作群的理由。"
    do_dismiss_unregistered_group(cast.manager_a, row, reason="教师个人兴趣群")
    row.refresh_from_db()
    assert (row.status, row.reason) == (SightingStatus.NOT_WORK, "教师个人兴趣群")
    entry = AuditLogEntry.objects.get(event_type=AuditEvent.UNREGISTERED_GROUP_DISMISSED)
    assert entry.summary == f"认定“QQ群 {STRAY}”为非工作群：教师个人兴趣群"
    # Seen again later, it stays dismissed.
    more = chat_file(f"2024-09-05T08:00:00|{STRAY}|10001001|王建国|周末愉快|u9", name="more.pipe")
    do_import_chat_file(cast.manager_a, more)
    row.refresh_from_db()
    assert (row.status, row.message_count) == (SightingStatus.NOT_WORK, 3)


def test_the_gateways_sync_feeds_the_same_record(cast):
    record_sync(
        "10001", [SeenGroup("777000111", "兴趣交流群", 12), SeenGroup("600100200", "作曲系教职工群", 45)]
    )
    row = UnregisteredGroup.objects.get()
    assert (row.account, row.name, row.source, row.bot, row.unit) == (
        "777000111",
        "兴趣交流群",
        SightingSource.GATEWAY,
        "10001",
        None,
    )
    record_sync("10001", [SeenGroup("777000111", "兴趣交流群", 12)])
    assert UnregisteredGroup.objects.count() == 1


# ------------------------------------------------------------------------------------------ web


def test_the_dashboard_lists_the_breach_with_a_link_to_resolve_it(cast, chat_file):
    do_import_chat_file(cast.manager_a, _stray_export(chat_file))
    row = UnregisteredGroup.objects.get()
    page = _client(cast.manager_a).get("/").content.decode()
    assert 'data-breach="unregistered_group"' in page
    assert f"/unregistered/{row.pk}/" in page
    assert 'data-breach="unregistered_group"' not in _client(cast.manager_b).get("/").content.decode()


def test_the_registration_form_is_prefilled_and_registers_in_one_step(cast, chat_file):
    do_import_chat_file(cast.manager_a, _stray_export(chat_file))
    row = UnregisteredGroup.objects.get()
    client = _client(cast.manager_a)
    page = client.get(f"/unregistered/{row.pk}/register/").content.decode()
    assert f'value="{STRAY}"' in page
    assert f'<option value="{cast.composition.pk}" selected>' in page
    form = {
        "name": "作曲系研究生群",
        "platform": "qq",
        "account": STRAY,
        "unit": cast.composition.pk,
        "member_scope": "作曲系研究生",
        "purpose": "课程通知",
        "owner": cast.teacher_a.pk,
        "member_count": 20,
        "status": "active",
        "naming_convention": "{姓名}",
    }
    response = client.post(f"/unregistered/{row.pk}/register/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    row.refresh_from_db()
    assert row.status == SightingStatus.REGISTERED
    assert response["Location"] == f"/groups/{row.group_id}/"


def test_dismissing_on_the_web(cast, chat_file):
    do_import_chat_file(cast.manager_a, _stray_export(chat_file))
    row = UnregisteredGroup.objects.get()
    client = _client(cast.manager_a)
    assert client.post(f"/unregistered/{row.pk}/dismiss/", {"reason": ""}).status_code == 302
    row.refresh_from_db()
    assert row.status == SightingStatus.OPEN
    client.post(f"/unregistered/{row.pk}/dismiss/", {"reason": "个人兴趣群"})
    row.refresh_from_db()
    assert row.status == SightingStatus.NOT_WORK
    assert (
        _client(cast.manager_b).post(f"/unregistered/{row.pk}/dismiss/", {"reason": "x"}).status_code == 404
    )


def test_check_table_lists_the_unregistered_group(cast, chat_file):
    do_import_chat_file(None, _stray_export(chat_file))
    out = StringIO()
    call_command("check", "--kind", "unregistered_group", stdout=out)
    text = out.getvalue()
    assert f"QQ群 {STRAY}" in text
    assert "（未归属单位）" in text
    assert "共 1 处违规，涉及 1 个群组" in text
