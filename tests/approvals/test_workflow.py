"""The approval workflow (审批): one state machine for every kind, who may take each step,
what each step records and whom it tells."""

from __future__ import annotations

import datetime as dt

import pytest

from qunguan.approvals import actions
from qunguan.approvals.models import ApprovalState
from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.notify.models import Notification
from qunguan.registry.checks import run_checks
from qunguan.registry.errors import RegistryError
from qunguan.registry.models import Group
from tests.approvals.conftest import PNG, scan

pytestmark = pytest.mark.django_db


def oversize_request(cast, group, **kw):
    kw.setdefault("reason", "作曲系师生共用通知群，需容纳全体师生")
    kw.setdefault("max_members", 200)
    return actions.do_create_request(cast.manager_a, group, kind="oversize", **kw)


def events_of(approval):
    return [
        e.event_type
        for e in AuditLogEntry.objects.filter(object_type="approval", object_id=str(approval.pk)).order_by(
            "seq"
        )
    ]


def breach_kinds(group):
    return {b.kind for b in run_checks(Group.objects.filter(pk=group.pk))}


def test_liaison_drafts_a_request_with_the_nearest_unit_head_as_approver(cast, oversize_group):
    approval = oversize_request(cast, oversize_group)
    assert approval.state == ApprovalState.DRAFT
    assert approval.approver == cast.head_a
    assert events_of(approval) == [AuditEvent.APPROVAL_REQUEST_CREATED]


def test_oversize_request_goes_from_draft_to_filed_and_the_breach_goes_away(cast, oversize_group):
    assert "oversize" in breach_kinds(oversize_group)
    approval = oversize_request(cast, oversize_group)
    actions.do_submit_request(cast.manager_a, approval)
    assert "oversize" in breach_kinds(oversize_group)  # submitted is not yet approved
    actions.do_approve_request(cast.head_a, approval, on=dt.date(2025, 3, 3))
    assert approval.state == ApprovalState.APPROVED
    assert approval.decided_on == dt.date(2025, 3, 3)
    assert "oversize" not in breach_kinds(oversize_group)
    actions.do_attach_file(cast.manager_a, approval, scan())
    actions.do_file_request(cast.supervisor, approval)
    assert approval.state == ApprovalState.FILED
    assert approval.filed_by == cast.supervisor
    assert "oversize" not in breach_kinds(oversize_group)
    assert events_of(approval) == [
        AuditEvent.APPROVAL_REQUEST_CREATED,
        AuditEvent.APPROVAL_REQUEST_SUBMITTED,
        AuditEvent.APPROVAL_REQUEST_APPROVED,
        AuditEvent.APPROVAL_ATTACHMENT_ADDED,
        AuditEvent.APPROVAL_REQUEST_FILED,
    ]


def test_growing_past_the_approved_limit_is_a_breach_again(cast, oversize_group):
    approval = oversize_request(cast, oversize_group, max_members=190)
    actions.do_submit_request(cast.manager_a, approval)
    actions.do_approve_request(cast.head_a, approval)
    from qunguan.registry.actions import do_update_group

    do_update_group(cast.manager_a, oversize_group, member_count=195)
    assert "oversize" in breach_kinds(oversize_group)


def test_rejected_request_is_revised_and_resubmitted(cast, oversize_group):
    approval = oversize_request(cast, oversize_group)
    actions.do_submit_request(cast.manager_a, approval)
    actions.do_reject_request(cast.head_a, approval, reason="请说明为何不能按班级分群")
    assert approval.state == ApprovalState.REJECTED
    assert approval.reject_reason == "请说明为何不能按班级分群"
    actions.do_revise_request(
        cast.manager_a, approval, reason="全系统一通知，按班级分群会漏发", max_members=185
    )
    actions.do_submit_request(cast.manager_a, approval)
    assert approval.state == ApprovalState.SUBMITTED
    assert approval.submissions == 2
    actions.do_approve_request(cast.head_a, approval)
    assert approval.max_members == 185
    assert AuditEvent.APPROVAL_REQUEST_REVISED in events_of(approval)


def test_reject_needs_a_reason(cast, oversize_group):
    approval = oversize_request(cast, oversize_group)
    actions.do_submit_request(cast.manager_a, approval)
    with pytest.raises(RegistryError, match="驳回须填写理由。") as err:
        actions.do_reject_request(cast.head_a, approval, reason="  ")
    assert err.value.field == "reason"


@pytest.mark.parametrize(
    ("who", "step"),
    [
        ("manager_b", "create"),
        ("head_a", "create"),
        ("group_admin", "create"),
        ("outsider", "create"),
        ("head_a", "submit"),
        ("manager_b", "submit"),
        ("manager_a", "approve"),
        ("supervisor", "approve"),
        ("manager_b", "approve"),
        ("manager_a", "reject"),
        ("head_a", "file"),
        ("manager_a", "file"),
    ],
)
def test_each_step_belongs_to_one_role(cast, oversize_group, who, step):
    user = getattr(cast, who)
    approval = oversize_request(cast, oversize_group)
    if step in ("approve", "reject", "file"):
        actions.do_submit_request(cast.manager_a, approval)
    if step == "file":
        actions.do_approve_request(cast.head_a, approval)
    calls = {
        "create": lambda: actions.do_create_request(user, oversize_group, kind="oversize", reason="x"),
        "submit": lambda: actions.do_submit_request(user, approval),
        "approve": lambda: actions.do_approve_request(user, approval),
        "reject": lambda: actions.do_reject_request(user, approval, reason="不同意"),
        "file": lambda: actions.do_file_request(user, approval),
    }
    with pytest.raises(RegistryError) as err:
        calls[step]()
    assert err.value.code == "out_of_scope"


@pytest.mark.parametrize(
    ("state_steps", "step", "message"),
    [
        ((), "approve", "审批申请当前为“草稿”，不能批准。"),
        ((), "file", "审批申请当前为“草稿”，不能备案。"),
        (("submit",), "submit", "审批申请当前为“已提交”，不能提交。"),
        (("submit", "approve"), "reject", "审批申请当前为“已批准”，不能驳回。"),
        (("submit", "approve"), "revise", "审批申请当前为“已批准”，不能修改。"),
    ],
)
def test_steps_out_of_order_are_refused(cast, oversize_group, state_steps, step, message):
    approval = oversize_request(cast, oversize_group)
    for s in state_steps:
        {
            "submit": lambda: actions.do_submit_request(cast.manager_a, approval),
            "approve": lambda: actions.do_approve_request(cast.head_a, approval),
        }[s]()
    calls = {
        "submit": lambda: actions.do_submit_request(cast.manager_a, approval),
        "approve": lambda: actions.do_approve_request(cast.head_a, approval),
        "reject": lambda: actions.do_reject_request(cast.head_a, approval, reason="不同意"),
        "file": lambda: actions.do_file_request(cast.supervisor, approval),
        "revise": lambda: actions.do_revise_request(cast.manager_a, approval, reason="改"),
    }
    with pytest.raises(RegistryError) as err:
        calls[step]()
    assert err.value.code == "bad_state"
    assert err.value.message == message


def test_submit_needs_reason_and_limit(cast, oversize_group):
    approval = actions.do_create_request(cast.manager_a, oversize_group, kind="oversize")
    with pytest.raises(RegistryError, match="请填写申请的人数上限。"):
        actions.do_submit_request(cast.manager_a, approval)
    actions.do_revise_request(cast.manager_a, approval, max_members=200)
    with pytest.raises(RegistryError, match="请填写申请理由。"):
        actions.do_submit_request(cast.manager_a, approval)


def test_limit_at_or_below_150_needs_no_approval(cast, oversize_group):
    with pytest.raises(RegistryError, match="批准人数上限须大于 150 人，否则无需审批。"):
        oversize_request(cast, oversize_group, max_members=150)


def test_approver_must_head_the_unit_or_a_unit_above(cast, oversize_group):
    with pytest.raises(RegistryError, match="审批人须为“作曲系”或其上级单位的负责人。"):
        oversize_request(cast, oversize_group, approver=cast.manager_b)


def test_oversize_is_filed_only_with_the_signed_scan(cast, oversize_group):
    approval = oversize_request(cast, oversize_group)
    actions.do_submit_request(cast.manager_a, approval)
    actions.do_approve_request(cast.head_a, approval)
    with pytest.raises(RegistryError, match="超150人审批须附负责人签字盖章的扫描件后才能备案。"):
        actions.do_file_request(cast.supervisor, approval)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("签批单.docx", b"PK\x03\x04", "附件“签批单.docx”：只能上传 PDF、JPG 或 PNG 格式的扫描件。"),
        (
            "签批单.pdf",
            b"MZ\x90\x00 not a pdf",
            "附件“签批单.pdf”：文件内容不是真实的 PDF 文件，请上传签字盖章后的扫描件。",
        ),
        (
            "签批单.png",
            b"%PDF-1.4",
            "附件“签批单.png”：文件内容不是真实的 PNG 文件，请上传签字盖章后的扫描件。",
        ),
        ("签批单.jpg", b"", "附件“签批单.jpg”：文件是空的。"),
    ],
)
def test_attachments_are_checked_by_content_not_only_extension(cast, oversize_group, name, content, message):
    approval = oversize_request(cast, oversize_group)
    with pytest.raises(RegistryError) as err:
        actions.do_attach_file(cast.manager_a, approval, scan(name, content))
    assert err.value.message == message
    assert err.value.field == "file"
    assert not approval.attachments.exists()


def test_attachment_size_is_limited(cast, oversize_group, settings):
    settings.QUNGUAN_MAX_UPLOAD_BYTES = 1024
    approval = oversize_request(cast, oversize_group)
    with pytest.raises(RegistryError, match="文件不能超过 1 KB。"):
        actions.do_attach_file(cast.manager_a, approval, scan("大.png", PNG + b"\x00" * 2000))


def test_attachment_is_stored_under_the_data_directory(cast, oversize_group, settings):
    approval = oversize_request(cast, oversize_group)
    attachment = actions.do_attach_file(cast.manager_a, approval, scan("签批单.png", PNG))
    assert attachment.file_type == "png"
    assert attachment.file.path.startswith(str(settings.MEDIA_ROOT))
    assert attachment.file.name.startswith(f"approvals/{approval.pk}/")


def test_nobody_attaches_to_a_filed_request(cast, oversize_group):
    approval = oversize_request(cast, oversize_group)
    actions.do_attach_file(cast.manager_a, approval, scan())
    actions.do_submit_request(cast.manager_a, approval)
    actions.do_approve_request(cast.head_a, approval)
    actions.do_file_request(cast.supervisor, approval)
    with pytest.raises(RegistryError, match="不能再上传附件"):
        actions.do_attach_file(cast.supervisor, approval, scan())


def test_comments_by_anyone_who_sees_the_request(cast, oversize_group):
    approval = oversize_request(cast, oversize_group)
    actions.do_comment(cast.head_a, approval, "请附上全系人数说明")
    actions.do_comment(cast.supervisor, approval, "收到")
    assert [c.body for c in approval.comments.all()] == ["请附上全系人数说明", "收到"]
    with pytest.raises(RegistryError) as err:
        actions.do_comment(cast.manager_b, approval, "路过")
    assert err.value.code == "out_of_scope"
    with pytest.raises(RegistryError, match="留言不能为空。"):
        actions.do_comment(cast.manager_a, approval, "   ")


def test_each_step_notifies_the_next_person(cast, oversize_group):
    approval = oversize_request(cast, oversize_group)
    actions.do_submit_request(cast.manager_a, approval)
    to_head = Notification.objects.get(recipient=cast.head_a)
    assert to_head.subject == "待审批：“作曲系全体师生群”的超150人建群审批（第三条第二款）"
    assert to_head.link == f"/approvals/{approval.pk}/"
    actions.do_reject_request(cast.head_a, approval, reason="人数说明不足")
    assert Notification.objects.filter(recipient=cast.manager_a, subject__startswith="已驳回").exists()
    actions.do_submit_request(cast.manager_a, approval)
    assert Notification.objects.filter(recipient=cast.head_a, subject__startswith="待审批").count() == 2
    actions.do_approve_request(cast.head_a, approval)
    assert Notification.objects.filter(recipient=cast.supervisor, subject__startswith="已批准").exists()
    actions.do_attach_file(cast.manager_a, approval, scan())
    actions.do_file_request(cast.supervisor, approval)
    assert Notification.objects.filter(recipient=cast.manager_a, subject__startswith="已备案").exists()
    assert not Notification.objects.filter(recipient__in=[cast.manager_b, cast.outsider]).exists()


def test_refused_step_notifies_nobody(cast, oversize_group):
    approval = oversize_request(cast, oversize_group)
    with pytest.raises(RegistryError):
        actions.do_approve_request(cast.head_a, approval)
    assert not Notification.objects.exists()
