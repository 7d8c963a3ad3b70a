"""Changes through the web UI: each form calls its action, which writes the audit log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.registry.models import Group, GroupStatus

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def group_data(cast, **overrides):
    data = {
        "name": "作曲系2024级新生群",
        "platform": "qq",
        "account": "700800900",
        "unit": cast.composition.pk,
        "member_scope": "作曲系2024级新生",
        "purpose": "新生入学通知",
        "owner": cast.teacher_a.pk,
        "admins": [cast.teacher_a.pk],
        "member_count": 40,
        "created_on": "2024-09-01",
        "status": "active",
        "running_normally": "on",
        "notes": "",
    }
    data.update(overrides)
    return data


def events_for(group):
    return list(
        AuditLogEntry.objects.filter(object_type="group", object_id=str(group.pk))
        .order_by("seq")
        .values_list("event_type", flat=True)
    )


def test_register_writes_an_audit_entry_and_shows_the_group(cast, client_for):
    client = client_for(cast.manager_a)
    response = client.post(reverse("group_register"), group_data(cast))
    group = Group.objects.get(account="700800900")
    assert response.status_code == 302
    assert response["Location"] == reverse("group_detail", args=[group.pk])
    assert events_for(group) == [AuditEvent.GROUP_REGISTERED]
    entry = AuditLogEntry.objects.get(object_type="group", object_id=str(group.pk))
    assert entry.actor_label == "zuoqu"
    page = client.get(response["Location"]).text
    assert "已登记群组“作曲系2024级新生群”。" in page
    assert "登记群组" in page  # history


def test_registering_an_oversize_group_shows_a_breach_on_the_dashboard(cast, client_for):
    client = client_for(cast.manager_a)
    client.post(reverse("group_register"), group_data(cast, member_count=180))
    page = client.get(reverse("dashboard")).text
    assert "超过150人且无审批备案" in page
    assert "现有 180 人，超过 150 人，未见负责人签批备案" in page


def test_edit_writes_an_audit_entry_with_before_and_after(cast, client_for):
    client = client_for(cast.manager_a)
    data = group_data(
        cast,
        name=cast.group_a.name,
        account=cast.group_a.account,
        is_official="on",
        member_scope=cast.group_a.member_scope,
        purpose=cast.group_a.purpose,
        created_on="2022-09-01",
        member_count=50,
    )
    response = client.post(reverse("group_edit", args=[cast.group_a.pk]), data)
    assert response.status_code == 302
    cast.group_a.refresh_from_db()
    assert cast.group_a.member_count == 50
    entry = AuditLogEntry.objects.filter(object_id=str(cast.group_a.pk)).order_by("-seq").first()
    assert entry.event_type == AuditEvent.GROUP_CHANGED
    assert entry.before == {"member_count": 45}
    assert entry.after == {"member_count": 50}
    page = client.get(reverse("group_detail", args=[cast.group_a.pk])).text
    assert "<del>45</del> → <ins>50</ins>" in page


def test_duplicate_account_error_is_shown_on_the_account_field(cast, client_for):
    response = client_for(cast.manager_a).post(
        reverse("group_register"), group_data(cast, account=cast.group_a.account)
    )
    assert response.status_code == 200
    field = response.context["form"]["account"]
    assert field.errors == ["QQ群 600100200 已经登记过。"]


def test_temporary_group_needs_an_end_date(cast, client_for):
    response = client_for(cast.manager_a).post(
        reverse("group_register"), group_data(cast, status="temporary")
    )
    assert response.context["form"]["end_date"].errors == ["临时群必须填写结束日期。"]


def test_dissolve_writes_an_audit_entry(cast, client_for):
    client = client_for(cast.manager_a)
    response = client.post(
        reverse("group_dissolve", args=[cast.group_a.pk]), {"on": "2024-07-01", "reason": "工作结束"}
    )
    assert response.status_code == 302
    cast.group_a.refresh_from_db()
    assert cast.group_a.status == GroupStatus.DISSOLVED
    assert cast.group_a.dissolved_on == dt.date(2024, 7, 1)
    assert events_for(cast.group_a)[-1] == AuditEvent.GROUP_DISSOLVED
    page = client.get(reverse("group_detail", args=[cast.group_a.pk])).text
    assert "已将群组“作曲系教职工群”标记为解散。" in page
    assert "<ins>工作结束</ins>" in page


def test_dissolve_only_by_post(cast, client_for):
    assert (
        client_for(cast.manager_a).get(reverse("group_dissolve", args=[cast.group_a.pk])).status_code == 405
    )


@pytest.mark.parametrize("name", ["rules.exe", "rules.txt", "rules.html", "rules"])
def test_upload_type_check(cast, client_for, name):
    upload = SimpleUploadedFile(name, b"%PDF-1.4 not really", content_type="application/pdf")
    response = client_for(cast.manager_a).post(
        reverse("group_rules_upload", args=[cast.group_a.pk]), {"document": upload}
    )
    assert response.status_code == 200
    assert response.context["form"]["document"].errors == ["只能上传 PDF、DOC、DOCX、JPG 或 PNG 格式的文件。"]
    assert "只能上传 PDF、DOC、DOCX、JPG 或 PNG 格式的文件。" in response.text


def test_upload_content_must_match_the_extension(cast, client_for):
    upload = SimpleUploadedFile("rules.pdf", b"MZ\x90\x00 an executable")
    response = client_for(cast.manager_a).post(
        reverse("group_rules_upload", args=[cast.group_a.pk]), {"document": upload}
    )
    assert response.context["form"]["document"].errors == [
        "文件内容与扩展名不符，请上传真实的 PDF、Word 或图片文件。"
    ]


def test_upload_size_is_limited(cast, client_for, settings):
    settings.QUNGUAN_MAX_UPLOAD_BYTES = 1024 * 1024
    upload = SimpleUploadedFile("rules.pdf", b"%PDF" + b"0" * (1024 * 1024))
    response = client_for(cast.manager_a).post(
        reverse("group_rules_upload", args=[cast.group_a.pk]), {"document": upload}
    )
    assert response.context["form"]["document"].errors == ["文件不能超过 1.0 MB。"]


def test_uploaded_rules_are_downloadable_only_in_scope(cast, client_for):
    content = b"%PDF-1.4\n% group rules\n"
    client = client_for(cast.manager_a)
    response = client.post(
        reverse("group_rules_upload", args=[cast.group_a.pk]),
        {"document": SimpleUploadedFile("管理办法.pdf", content, content_type="application/pdf")},
    )
    assert response.status_code == 302
    assert events_for(cast.group_a)[-1] == AuditEvent.GROUP_RULES_UPLOADED
    download = client_for(cast.group_admin).get(reverse("group_rules_download", args=[cast.group_a.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content
    assert "attachment" in download["Content-Disposition"]
    other = client_for(cast.manager_b).get(reverse("group_rules_download", args=[cast.group_a.pk]))
    assert other.status_code == 404


def test_media_files_are_not_served_publicly(cast, client_for):
    assert client_for(cast.supervisor).get("/media/group-rules/").status_code == 404


def test_csrf_is_enforced(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.manager_a, backend=MODEL_BACKEND)
    response = client.post(reverse("group_register"), group_data(cast))
    assert response.status_code == 403
    assert "请求已过期" in response.text
    assert not Group.objects.filter(account="700800900").exists()


def test_every_form_carries_a_csrf_token(cast, client_for):
    client = client_for(cast.supervisor)
    for url in (
        reverse("group_register"),
        reverse("group_detail", args=[cast.group_a.pk]),
        reverse("selfcheck"),
    ):
        page = client.get(url).text
        assert page.count('method="post"') == page.count("csrfmiddlewaretoken"), url


def test_filing_export_returns_an_attachment(cast, client_for):
    response = client_for(cast.manager_a).get(reverse("filing_export", args=[cast.composition.pk, "xlsx"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    assert response.content[:2] == b"PK"


def test_the_naming_convention_for_real_name_checks_is_edited_with_the_group(cast, client_for):
    client = client_for(cast.manager_a)
    client.post(reverse("group_register"), group_data(cast, naming_convention="{班级}-{姓名}"))
    assert Group.objects.get(account="700800900").naming_convention == "{班级}-{姓名}"
    blank = client.post(
        reverse("group_register"), group_data(cast, account="700800901", naming_convention="")
    )
    assert blank.status_code == 302
    assert Group.objects.get(account="700800901").naming_convention == "{姓名}"
    bad = client.post(
        reverse("group_register"), group_data(cast, account="700800902", naming_convention="{年级}")
    )
    assert bad.status_code == 200
    assert bad.context["form"]["naming_convention"].errors
    assert not Group.objects.filter(account="700800902").exists()
