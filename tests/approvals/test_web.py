"""The approval pages: scoped list with state filter, a request started from a group page,
the detail with its buttons per role, attachment downloads within scope; dissolve and restore."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from qunguan.approvals import actions
from qunguan.approvals.models import Approval, ApprovalState
from qunguan.registry import actions as registry
from qunguan.registry.models import GroupStatus
from tests.approvals.conftest import PDF, scan

pytestmark = pytest.mark.django_db


def request_for(cast, group, **kw):
    kw.setdefault("reason", "全系通知群")
    kw.setdefault("max_members", 200)
    return actions.do_create_request(cast.manager_a, group, kind="oversize", **kw)


def test_list_shows_only_requests_in_scope(cast, client_for, oversize_group):
    approval = request_for(cast, oversize_group)
    url = reverse("approval_list")
    for user, sees in [
        (cast.manager_a, True),
        (cast.head_a, True),
        (cast.supervisor, True),
        (cast.manager_b, False),
        (cast.outsider, False),
    ]:
        page = client_for(user).get(url).content.decode()
        assert (f'data-approval="{approval.pk}"' in page) is sees, user


def test_list_filters_by_state(cast, client_for, oversize_group):
    draft = request_for(cast, oversize_group)
    submitted = request_for(cast, oversize_group)
    actions.do_submit_request(cast.manager_a, submitted)
    page = client_for(cast.manager_a).get(reverse("approval_list"), {"state": "submitted"}).content.decode()
    assert f'data-approval="{submitted.pk}"' in page
    assert f'data-approval="{draft.pk}"' not in page


def test_detail_of_a_sibling_units_request_is_not_found(cast, client_for, oversize_group):
    approval = request_for(cast, oversize_group)
    assert client_for(cast.manager_b).get(reverse("approval_detail", args=[approval.pk])).status_code == 404


def test_request_is_started_from_the_group_page(cast, client_for, oversize_group):
    client = client_for(cast.manager_a)
    page = client.get(reverse("group_detail", args=[oversize_group.pk])).content.decode()
    assert f"{reverse('approval_new')}?group={oversize_group.pk}" in page
    response = client.post(
        reverse("approval_new") + f"?group={oversize_group.pk}",
        {
            "kind": "oversize",
            "reason": "全系通知",
            "max_members": "200",
            "approver": cast.head_a.pk,
            "submit": "1",
        },
    )
    approval = Approval.objects.get(group=oversize_group)
    assert response.status_code == 302
    assert response.url == reverse("approval_detail", args=[approval.pk])
    assert approval.state == ApprovalState.SUBMITTED


def test_new_request_form_shows_the_actions_error_on_its_field(cast, client_for, oversize_group):
    response = client_for(cast.manager_a).post(
        reverse("approval_new") + f"?group={oversize_group.pk}",
        {"kind": "oversize", "reason": "全系通知", "max_members": "120"},
    )
    assert response.status_code == 200
    assert "批准人数上限须大于 150 人，否则无需审批。" in response.content.decode()
    assert not Approval.objects.exists()


def test_head_cannot_start_a_request(cast, client_for, oversize_group):
    response = client_for(cast.head_a).get(reverse("approval_new"), {"group": oversize_group.pk})
    assert response.status_code == 403


def test_buttons_follow_the_role_and_state(cast, client_for, oversize_group):
    approval = request_for(cast, oversize_group)
    actions.do_submit_request(cast.manager_a, approval)
    url = reverse("approval_detail", args=[approval.pk])
    head_page = client_for(cast.head_a).get(url).content.decode()
    manager_page = client_for(cast.manager_a).get(url).content.decode()
    assert 'id="step-approve"' in head_page
    assert 'id="step-reject"' in head_page
    assert 'id="step-approve"' not in manager_page
    assert 'id="step-file"' not in client_for(cast.supervisor).get(url).content.decode()


def test_the_whole_flow_through_the_pages(cast, client_for, oversize_group):
    approval = request_for(cast, oversize_group)
    manager, head, supervisor = (client_for(u) for u in (cast.manager_a, cast.head_a, cast.supervisor))
    step = lambda c, s, data=None: c.post(reverse("approval_step", args=[approval.pk, s]), data or {})  # noqa: E731
    step(manager, "submit")
    step(head, "reject", {"reason": "请补充说明"})
    approval.refresh_from_db()
    assert approval.state == ApprovalState.REJECTED
    assert "请补充说明" in manager.get(reverse("approval_detail", args=[approval.pk])).content.decode()
    step(manager, "submit")
    step(head, "approve")
    step(manager, "attach", {"file": scan()})
    step(supervisor, "comment", {"body": "已收到扫描件"})
    response = step(supervisor, "file")
    approval.refresh_from_db()
    assert approval.state == ApprovalState.FILED
    page = supervisor.get(response.url).content.decode()
    for label in ("新建审批申请", "提交审批申请", "驳回审批申请", "批准审批申请", "上传审批附件", "审批备案"):
        assert label in page
    assert "已收到扫描件" in page


def test_refused_step_is_a_message_not_a_change(cast, client_for, oversize_group):
    approval = request_for(cast, oversize_group)
    client = client_for(cast.manager_a)
    response = client.post(reverse("approval_step", args=[approval.pk, "approve"]), follow=True)
    assert "只有选定的审批人作曲系 主任可以审批该申请。" in response.content.decode()
    approval.refresh_from_db()
    assert approval.state == ApprovalState.DRAFT


def test_attachment_downloads_only_within_scope(cast, client_for, oversize_group):
    approval = request_for(cast, oversize_group)
    attachment = actions.do_attach_file(cast.manager_a, approval, scan())
    url = reverse("approval_attachment", args=[approval.pk, attachment.pk])
    response = client_for(cast.head_a).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert client_for(cast.manager_b).get(url).status_code == 404
    assert client_for(cast.outsider).get(url).status_code == 404


def test_dissolve_with_evidence_and_restore(cast, client_for):
    client = client_for(cast.manager_a)
    url = reverse("group_dissolution", args=[cast.group_a.pk])
    response = client.post(
        url,
        {"on": timezone.localdate().isoformat(), "reason": "合并到新群", "evidence": scan("解散截图.pdf")},
    )
    assert response.status_code == 302
    cast.group_a.refresh_from_db()
    assert cast.group_a.status == GroupStatus.DISSOLVED
    assert cast.group_a.dissolution_evidence
    page = client.get(url).content.decode()
    assert 'id="restore"' in page
    client.post(reverse("group_restore", args=[cast.group_a.pk]))
    cast.group_a.refresh_from_db()
    assert cast.group_a.status == GroupStatus.ACTIVE


def test_sibling_manager_cannot_dissolve_or_restore(cast, client_for):
    registry.do_dissolve_group(cast.manager_a, cast.group_a, on=timezone.localdate())
    client = client_for(cast.manager_b)
    assert client.get(reverse("group_dissolution", args=[cast.group_a.pk])).status_code == 404
    assert client.post(reverse("group_restore", args=[cast.group_a.pk])).status_code == 404


def test_list_asks_the_unit_to_start_a_handover_for_an_owner_who_left(cast, client_for):
    registry.do_update_person(None, cast.teacher_a, active=False)
    page = client_for(cast.manager_a).get(reverse("approval_list")).content.decode()
    assert f"{reverse('approval_new')}?group={cast.group_a.pk}&amp;kind=handover" in page
    assert "群主 王建国、管理员 王建国已不在校/在岗" in page
    assert 'id="to-start"' not in client_for(cast.manager_b).get(reverse("approval_list")).content.decode()
    form = client_for(cast.manager_a).get(
        reverse("approval_new"), {"group": cast.group_a.pk, "kind": "handover"}
    )
    assert '<option value="handover" selected>' in form.content.decode()
