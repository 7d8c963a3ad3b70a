"""Forms of the web UI. They parse and validate input only; changes go through actions.

Choice querysets come from ``qunguan.registry.access`` so a form can never offer (or accept)
a unit or person outside the user's scope.
"""

from __future__ import annotations

import datetime as dt
from pathlib import PurePath
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from qunguan.audit.finding import Severity
from qunguan.audit.labels import CATEGORY_LABELS, SEVERITY_LABELS
from qunguan.chats.models import FindingStatus
from qunguan.registry import access
from qunguan.registry.checks import CHECKS
from qunguan.registry.errors import RegistryError
from qunguan.registry.models import Group, GroupStatus, Person, Platform, Unit

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# Signatures of the file types a rules document may have (the first bytes of the file).
RULES_TYPES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF",),
    "doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "docx": (b"PK\x03\x04",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
}
RULES_TYPE_ERROR = _("只能上传 PDF、DOC、DOCX、JPG 或 PNG 格式的文件。")
RULES_CONTENT_ERROR = _("文件内容与扩展名不符，请上传真实的 PDF、Word 或图片文件。")
ROSTER_TYPE_ERROR = _("只能上传 CSV 或 XLSX 格式的花名册。")
SELFCHECK_TYPE_ERROR = _("只能上传 DOCX 格式的文档。")


def _extension(upload: UploadedFile) -> str:
    return PurePath(upload.name or "").suffix.lower().lstrip(".")


def _check_size(upload: UploadedFile) -> None:
    limit = settings.QUNGUAN_MAX_UPLOAD_BYTES
    if upload.size is not None and upload.size > limit:
        raise forms.ValidationError(
            _("文件不能超过 %(mb)s MB。") % {"mb": round(limit / (1024 * 1024), 1)}, code="too_large"
        )


class FastSelect(forms.Select):
    """A ``<select>`` whose options are joined in Python rather than rendered one template each.

    The same HTML as Django's ``Select`` for a single choice without option groups; a school's
    unit tree has a couple of thousand units, and one template per option made the unit filter
    cost more than the rest of a page.
    """

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> Any:
        final = self.build_attrs(self.attrs, attrs)
        chosen = {"" if v is None else str(v) for v in self.format_value(value)}
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (key, mark_safe(" selected") if key in chosen else "", label)
                for key, label in ((str(v), lbl) for v, lbl in self.choices)
            ),
        )
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt({k: v for k, v in final.items() if v is not None}),
            options,
        )


class UnitChoiceField(forms.ModelChoiceField):
    """Units shown as an indented tree: "　　作曲2023级1班（班级）"."""

    widget = FastSelect

    def label_from_instance(self, obj: Any) -> str:
        return "　" * obj.depth + f"{obj.name}（{obj.get_kind_display()}）"


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.number}）· {obj.unit.name}"


class PersonMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.number}）· {obj.unit.name}"


class RegistryErrorMixin:
    """Show a ``RegistryError`` on the field it names (or on the form when it names none)."""

    def add_registry_error(self, err: RegistryError) -> None:
        field = err.field if err.field in self.fields else None  # type: ignore[attr-defined]
        self.add_error(field, err.message)  # type: ignore[attr-defined]


class GroupForm(RegistryErrorMixin, forms.Form):
    """Register or edit a group (登记 / 修改群组)."""

    name = forms.CharField(label=_("群名称"), max_length=100)
    platform = forms.ChoiceField(label=_("平台"), choices=Platform.choices)
    account = forms.CharField(label=_("群号/账号"), max_length=64)
    unit = UnitChoiceField(label=_("所属单位"), queryset=Unit.objects.none())
    is_official = forms.BooleanField(label=_("本单位官方群"), required=False)
    member_scope = forms.CharField(label=_("成员范围"), max_length=200, required=False)
    purpose = forms.CharField(label=_("主要功能或用途"), max_length=300, required=False)
    naming_convention = forms.CharField(
        label=_("群名片规范"),
        max_length=100,
        required=False,
        initial="{姓名}",
        help_text=_(
            "用于实名核验（第一条第三款），如 {班级}-{姓名}、{学号}{姓名}、{姓名}-{单位}；留空即 {姓名}。"
        ),
    )
    owner = PersonChoiceField(label=_("创建者（群主）"), queryset=Person.objects.none(), required=False)
    admins = PersonMultipleChoiceField(
        label=_("管理员"),
        queryset=Person.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("按住 Ctrl 可多选。"),
    )
    created_on = forms.DateField(label=_("创建时间"), required=False, widget=DATE_WIDGET)
    member_count = forms.IntegerField(label=_("现有人数"), min_value=0, initial=0)
    status = forms.ChoiceField(label=_("状态"), choices=[])
    end_date = forms.DateField(
        label=_("结束日期"), required=False, widget=DATE_WIDGET, help_text=_("临时群必须填写。")
    )
    running_normally = forms.BooleanField(label=_("正常运行"), required=False, initial=True)
    notes = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, user: Any, group: Group | None = None, **kwargs: Any) -> None:
        if group is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(group)
        super().__init__(*args, **kwargs)
        unit_field: Any = self.fields["unit"]
        unit_field.queryset = access.managed_units(user).order_by("path")
        people = access.visible_people(user).select_related("unit").order_by("unit__path", "name")
        owner_field: Any = self.fields["owner"]
        owner_field.queryset = people
        admins_field: Any = self.fields["admins"]
        admins_field.queryset = people
        statuses = [(GroupStatus.ACTIVE.value, GroupStatus.ACTIVE.label)]
        statuses.append((GroupStatus.TEMPORARY.value, GroupStatus.TEMPORARY.label))
        if group is not None and group.status == GroupStatus.DISSOLVED:
            statuses.append((GroupStatus.DISSOLVED.value, GroupStatus.DISSOLVED.label))
        status_field: Any = self.fields["status"]
        status_field.choices = statuses

    @staticmethod
    def initial_for(group: Group) -> dict[str, Any]:
        return {
            "name": group.name,
            "platform": group.platform,
            "account": group.account,
            "unit": group.unit_id,
            "is_official": group.is_official,
            "member_scope": group.member_scope,
            "purpose": group.purpose,
            "naming_convention": group.naming_convention,
            "owner": group.owner_id,
            "admins": list(group.admins.values_list("pk", flat=True)),
            "created_on": group.created_on,
            "member_count": group.member_count,
            "status": group.status,
            "end_date": group.end_date,
            "running_normally": group.running_normally,
            "notes": group.notes,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("status") == GroupStatus.TEMPORARY and not data.get("end_date"):
            self.add_error("end_date", _("临时群必须填写结束日期。"))
        return data

    def action_data(self) -> tuple[dict[str, Any], list[Person]]:
        """Return (fields for the action, admins) from the cleaned data."""
        data = dict(self.cleaned_data)
        admins = list(data.pop("admins", []) or [])
        data["naming_convention"] = (data.get("naming_convention") or "").strip() or "{姓名}"
        return data, admins


class DissolveForm(forms.Form):
    on = forms.DateField(label=_("解散日期"), widget=DATE_WIDGET)
    reason = forms.CharField(label=_("原因"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"on": timezone.localdate()})
        super().__init__(*args, **kwargs)

    def clean_on(self) -> dt.date:
        on: dt.date = self.cleaned_data["on"]
        if on > timezone.localdate():
            raise forms.ValidationError(_("解散日期不能晚于今天。"))
        return on


class RulesUploadForm(forms.Form):
    """The group's management rules document (管理办法): PDF, Word or a scanned image."""

    document = forms.FileField(label=_("管理办法文件"), help_text=_("支持 PDF、DOC、DOCX、JPG、PNG。"))

    def clean_document(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["document"]
        ext = _extension(upload)
        if ext not in RULES_TYPES:
            raise forms.ValidationError(RULES_TYPE_ERROR, code="type")
        _check_size(upload)
        head = upload.read(16)
        upload.seek(0)
        if not head.startswith(RULES_TYPES[ext]):
            raise forms.ValidationError(RULES_CONTENT_ERROR, code="content")
        return upload


class RosterUploadForm(forms.Form):
    file = forms.FileField(label=_("花名册文件"), help_text=_("CSV（UTF-8）或 XLSX。"))

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if _extension(upload) not in {"csv", "xlsx"}:
            raise forms.ValidationError(ROSTER_TYPE_ERROR, code="type")
        _check_size(upload)
        return upload


class SelfCheckForm(forms.Form):
    """保密自查: paste the text, or upload a .docx, before publishing it."""

    text = forms.CharField(
        label=_("待发布的文字"),
        required=False,
        max_length=50000,
        widget=forms.Textarea(attrs={"rows": 10, "placeholder": _("把准备发到群里的通知、材料粘贴在这里。")}),
    )
    document = forms.FileField(label=_("或上传 Word 文档（.docx）"), required=False)

    def clean_document(self) -> UploadedFile | None:
        upload: UploadedFile | None = self.cleaned_data.get("document")
        if upload is None:
            return None
        if _extension(upload) != "docx":
            raise forms.ValidationError(SELFCHECK_TYPE_ERROR, code="type")
        _check_size(upload)
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("text") or "").strip() and not data.get("document") and not self.errors:
            raise forms.ValidationError(_("请粘贴文字或上传一个 .docx 文档。"))
        return data


class GroupFilterForm(forms.Form):
    """Filters of the registry list (群组登记); every field is optional."""

    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    unit = UnitChoiceField(label=_("单位（含下级）"), queryset=Unit.objects.none(), required=False)
    platform = forms.ChoiceField(label=_("平台"), required=False)
    status = forms.ChoiceField(label=_("状态"), required=False)
    official = forms.ChoiceField(
        label=_("官方群"), required=False, choices=[("", "全部"), ("yes", "是"), ("no", "否")]
    )
    breach = forms.ChoiceField(label=_("违规项"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field: Any = self.fields["unit"]
        unit_field.queryset = access.visible_units(user).order_by("path")
        unit_field.empty_label = "全部"
        platform_field: Any = self.fields["platform"]
        platform_field.choices = [("", "全部"), *Platform.choices]
        status_field: Any = self.fields["status"]
        status_field.choices = [("", "全部（不含已解散）"), *GroupStatus.choices]
        breach_field: Any = self.fields["breach"]
        breach_field.choices = [("", "全部"), *((c.kind, c.title) for c in CHECKS.values())]


class PeopleFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    unit = UnitChoiceField(label=_("单位（含下级）"), queryset=Unit.objects.none(), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field: Any = self.fields["unit"]
        unit_field.queryset = access.visible_units(user).order_by("path")
        unit_field.empty_label = "全部"


class GroupChoiceField(forms.ModelChoiceField):
    widget = FastSelect

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.account}）"


# Above this many groups a filter asks for the group's account (群号) instead of offering a list:
# a list of thousands of groups is heavier than the page it sits on, and nobody scrolls it.
GROUP_SELECT_LIMIT = 500


class GroupAccountField(forms.CharField):
    """A group of ``queryset`` given by its account (群号), or by its id as the list offers it."""

    def __init__(self, *, queryset: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"placeholder": _("群号")}))
        super().__init__(**kwargs)
        self.queryset = queryset

    def prepare_value(self, value: Any) -> Any:
        return value.account if isinstance(value, Group) else value

    def clean(self, value: Any) -> Group | None:
        text = (super().clean(value) or "").strip()
        if not text:
            return None
        matches = list(self.queryset.filter(account=text)[:2])
        if len(matches) > 1:
            raise forms.ValidationError(_("群号 %(account)s 对应多个平台的群组。") % {"account": text})
        if not matches:
            raise forms.ValidationError(_("您的范围内没有群号为 %(account)s 的群组。") % {"account": text})
        return matches[0]


# The queue's status filter: one of the finding statuses, or all of them. Absent means "open":
# the queue's purpose is what still waits for a decision.
REVIEW_STATUS_ALL = "all"


class ReviewFilterForm(forms.Form):
    """Filters of the review queue (审查队列); every field is optional."""

    unit = UnitChoiceField(label=_("单位（含下级）"), queryset=Unit.objects.none(), required=False)
    group = GroupChoiceField(label=_("群组"), queryset=Group.objects.none(), required=False)
    category = forms.ChoiceField(label=_("类别"), required=False)
    severity = forms.TypedChoiceField(label=_("严重程度"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label=_("状态"), required=False)
    date_from = forms.DateField(label=_("发送日期自"), required=False, widget=DATE_WIDGET)
    date_to = forms.DateField(label=_("至"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field: Any = self.fields["unit"]
        unit_field.queryset = access.visible_units(user).order_by("path")
        unit_field.empty_label = "全部"
        groups = access.visible_groups(user).order_by("name")
        if groups.count() > GROUP_SELECT_LIMIT:
            self.fields["group"] = GroupAccountField(label=_("群组（群号）"), queryset=groups, required=False)
        else:
            group_field: Any = self.fields["group"]
            group_field.queryset = groups
            group_field.empty_label = "全部"
        category_field: Any = self.fields["category"]
        category_field.choices = [("", "全部"), *CATEGORY_LABELS.items()]
        severity_field: Any = self.fields["severity"]
        severity_field.choices = [("", "全部"), *((int(s), SEVERITY_LABELS[s]) for s in reversed(Severity))]
        status_field: Any = self.fields["status"]
        status_field.choices = [*FindingStatus.choices, (REVIEW_STATUS_ALL, "全部")]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("结束日期不能早于开始日期。"))
        return data


class FindingNoteForm(forms.Form):
    """The note of a decision (误报原因 / 处理说明 / 上报说明); the action decides if it is required."""

    note = forms.CharField(label=_("说明"), required=False, max_length=1000, widget=forms.Textarea)
