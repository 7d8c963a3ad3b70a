"""Forms of the approval pages: they parse input only; the actions decide and record.

Choices come from the scoped readers, so a form never offers a group, person or head outside
what the user may see.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qunguan.approvals.access import eligible_approvers
from qunguan.approvals.handover import prefill
from qunguan.approvals.models import Approval, ApprovalKind, ApprovalState
from qunguan.registry import access
from qunguan.registry.models import Group, GroupStatus
from qunguan.web.forms import (
    DATE_WIDGET,
    PersonChoiceField,
    PersonMultipleChoiceField,
    RegistryErrorMixin,
)


class ApproverChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


class RequestForm(RegistryErrorMixin, forms.Form):
    """A new or revised request (审批申请); the fields used depend on the kind."""

    kind = forms.ChoiceField(label=_("审批类型"), choices=ApprovalKind.choices)
    reason = forms.CharField(label=_("申请理由"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)
    approver = ApproverChoiceField(label=_("审批人（单位负责人）"), queryset=None, required=False)
    max_members = forms.IntegerField(
        label=_("申请人数上限"), required=False, min_value=1, help_text=_("超150人审批：批准后允许的最多人数")
    )
    new_owner = PersonChoiceField(label=_("新群主"), queryset=None, required=False)
    new_admins = PersonMultipleChoiceField(label=_("新管理员"), queryset=None, required=False)
    supervising_person = PersonChoiceField(
        label=_("专人监管"), queryset=None, required=False, help_text=_("临时群保留：负责监管该群的人")
    )
    valid_until = forms.DateField(
        label=_("有效期至"), required=False, widget=DATE_WIDGET, help_text=_("临时群保留至哪一天；不填为长期")
    )

    def __init__(
        self, *args: Any, user: Any, group: Group, approval: Approval | None = None, **kw: Any
    ) -> None:
        if approval is not None and "initial" not in kw:
            kw["initial"] = {
                "kind": approval.kind,
                "reason": approval.reason,
                "approver": approval.approver_id,
                "max_members": approval.max_members,
                "new_owner": approval.new_owner_id,
                "new_admins": list(approval.new_admins.values_list("pk", flat=True)),
                "supervising_person": approval.supervising_person_id,
                "valid_until": approval.valid_until,
            }
        initial = kw.get("initial") or {}
        if approval is None and initial.get("kind") == ApprovalKind.HANDOVER:
            # the link of an ownerless-group notice: say who left, keep the admins still there
            kw["initial"] = {**prefill(group), **{k: v for k, v in initial.items() if v}}
        super().__init__(*args, **kw)
        people = access.visible_people(user).filter(active=True).select_related("unit")
        for name in ("new_owner", "new_admins", "supervising_person"):
            self.fields[name].queryset = people  # type: ignore[attr-defined]
        self.fields["approver"].queryset = eligible_approvers(group.unit)  # type: ignore[attr-defined]
        kinds = [(k, label) for k, label in ApprovalKind.choices if k != "retention"]
        if group.status == GroupStatus.TEMPORARY:
            kinds = list(ApprovalKind.choices)
        self.fields["kind"].choices = kinds  # type: ignore[attr-defined]
        if approval is not None:
            self.fields["kind"].disabled = True

    def action_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["new_admins"] = list(data.get("new_admins") or [])
        return data


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("驳回理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class CommentForm(forms.Form):
    body = forms.CharField(label=_("留言"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("签字盖章扫描件"), help_text=_("PDF、JPG 或 PNG"))


class ApprovalFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态")), *ApprovalState.choices]
    )
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("全部类型")), *ApprovalKind.choices]
    )
