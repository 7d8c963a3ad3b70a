"""Forms of the account-incident pages (账号事件): parsing only; the actions decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from qunguan.incidents.models import IncidentKind, IncidentPlatform, IncidentState


class ReportForm(forms.Form):
    platform = forms.ChoiceField(label=_("平台"), choices=IncidentPlatform.choices)
    account = forms.CharField(label=_("QQ号/微信号"), max_length=64)
    kind = forms.ChoiceField(label=_("情况"), choices=IncidentKind.choices)
    description = forms.CharField(
        label=_("经过"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )


class StateForm(forms.Form):
    state = forms.ChoiceField(
        label=_("状态"), choices=[(k, v) for k, v in IncidentState.choices if k != IncidentState.OPEN]
    )
    resolution = forms.CharField(
        label=_("处理结果"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
