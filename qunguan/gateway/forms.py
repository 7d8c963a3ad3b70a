"""Forms of the bot pages (QQ机器人): parsing only; ``gateway.actions`` decides."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from qunguan.gateway.actions import ANNOUNCEMENT_MAX_CHARS, CARD_MAX_CHARS, MAX_MUTE_MINUTES
from qunguan.gateway.models import SanctionKind


class AnnouncementForm(forms.Form):
    text = forms.CharField(
        label=_("群公告内容"),
        max_length=ANNOUNCEMENT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class CardForm(forms.Form):
    qq = forms.CharField(label=_("成员QQ号"), max_length=12)
    card = forms.CharField(label=_("群名片"), max_length=CARD_MAX_CHARS, required=False)


class SanctionForm(forms.Form):
    qq = forms.CharField(label=_("QQ号"), max_length=12)
    kind = forms.ChoiceField(label=_("措施"), choices=SanctionKind.choices)
    minutes = forms.IntegerField(
        label=_("禁言分钟数"), required=False, min_value=1, max_value=MAX_MUTE_MINUTES, initial=60
    )
    reason = forms.CharField(label=_("理由"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}))


class LiftForm(forms.Form):
    reason = forms.CharField(label=_("解除理由"), max_length=300)
