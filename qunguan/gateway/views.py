"""Bot pages (QQ机器人): bot accounts and the groups they sit in, group announcements and cards,
and the supervisor's school-wide sanction list. Parse, access, act, render."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qunguan.gateway import access as gateway_access
from qunguan.gateway import presence
from qunguan.gateway.actions import (
    do_apply_sanction,
    do_lift_sanction,
    do_post_announcement,
    do_set_member_card,
)
from qunguan.gateway.forms import AnnouncementForm, CardForm, LiftForm, SanctionForm
from qunguan.gateway.models import BotAccount, BotGroup, GatewayAction, Sanction
from qunguan.members.removals import mask_account
from qunguan.registry import access
from qunguan.registry.errors import RegistryError
from qunguan.registry.models import Group
from qunguan.web.views.common import group_or_404, paginate, require_supervisor

RECENT_ACTIONS = 100


def _action_rows(user: Any, actions: list[GatewayAction]) -> list[dict[str, Any]]:
    """Rows for an action table; the target QQ is masked unless the user may see personal data."""
    rows = []
    for action in actions:
        unit = action.group.unit if action.group is not None else None
        show = access.can_see_personal_data(user, unit) if unit is not None else access.is_supervisor(user)
        rows.append({"a": action, "target": action.user_id if show else mask_account(action.user_id)})
    return rows


@login_required
def bot_list(request: HttpRequest) -> HttpResponse:
    """Each bot account the user may see, connected or not, with the groups it sits in and the
    actions still waiting or failed."""
    user = request.user
    now = timezone.now()
    visible = gateway_access.visible_bot_groups(user).select_related("group", "group__unit")
    places = list(visible)
    by_bot: dict[str, list[BotGroup]] = defaultdict(list)
    for place in sorted(places, key=lambda p: (p.group is None, p.account)):
        by_bot[place.self_id].append(place)
    known = {b.self_id: b for b in gateway_access.visible_bots(user)}
    ids = sorted(set(known) | {p.self_id for p in places})
    bots = [
        {
            "self_id": self_id,
            "account": known.get(self_id),
            "connected": self_id in known and presence.is_connected(known[self_id], now),
            "groups": by_bot.get(self_id, []),
            "unregistered": sum(1 for p in by_bot.get(self_id, []) if p.group is None),
        }
        for self_id in ids
    ]
    page = paginate(request, gateway_access.attention_actions(user))
    return render(
        request,
        "gateway/bot_list.html",
        {
            "bots": bots,
            "page": page,
            "rows": _action_rows(user, list(page.object_list)),
            "is_supervisor": access.is_supervisor(user),
        },
    )


def _group_bots(group: Group) -> list[dict[str, Any]]:
    places = BotGroup.objects.filter(account=group.account).order_by("self_id") if group.account else []
    known = {b.self_id: b for b in BotAccount.objects.filter(self_id__in=[p.self_id for p in places])}
    now = timezone.now()
    return [
        {
            "place": p,
            "account": known.get(p.self_id),
            "connected": p.self_id in known and presence.is_connected(known[p.self_id], now),
        }
        for p in places
    ]


def _render_group(
    request: HttpRequest,
    group: Group,
    announce: AnnouncementForm | None = None,
    card: CardForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    can_control = gateway_access.can_control_group(user, group)
    actions = list(
        gateway_access.visible_actions(user)
        .filter(group=group)
        .select_related("group__unit")
        .order_by("-id")[:RECENT_ACTIONS]
    )
    return render(
        request,
        "gateway/bot_group.html",
        {
            "group": group,
            "bots": _group_bots(group),
            "can_control": can_control,
            "announce_form": (announce or AnnouncementForm()) if can_control else None,
            "card_form": (card or CardForm()) if can_control else None,
            "rows": _action_rows(user, actions),
        },
        status=status,
    )


@login_required
def bot_group(request: HttpRequest, group_id: int) -> HttpResponse:
    """A registered group's bot page: the bots in it, announcement and card forms, its bot actions."""
    group = group_or_404(request.user, group_id)
    return _render_group(request, group)


def _controlled_group(request: HttpRequest, group_id: int) -> Group:
    group = group_or_404(request.user, group_id)
    if not gateway_access.can_control_group(request.user, group):
        raise PermissionDenied(_("只有该群所在单位的联络人、党委宣传部和本群管理员可以通过机器人操作该群。"))
    return group


def _sent_message(request: HttpRequest, action: GatewayAction, done: str) -> None:
    """Tell the user whether the bot will act now or the action waits for the bot to connect."""
    if action.self_id in presence.connected_ids():
        messages.success(
            request,
            _("%(done)s，机器人账号 %(bot)s 将在几秒内执行，结果见下方记录。")
            % {"done": done, "bot": action.self_id},
        )
    else:
        messages.warning(
            request,
            _("%(done)s，但机器人账号 %(bot)s 当前未连接：操作已排队，机器人连接网关后自动执行。")
            % {"done": done, "bot": action.self_id},
        )


@login_required
@require_POST
def bot_announce(request: HttpRequest, group_id: int) -> HttpResponse:
    """Post a group announcement (群公告) through a bot in the group."""
    group = _controlled_group(request, group_id)
    form = AnnouncementForm(request.POST)
    if form.is_valid():
        try:
            action = do_post_announcement(request.user, group, text=form.cleaned_data["text"])
        except RegistryError as err:
            form.add_error(err.field if err.field in form.fields else None, err.message)
        else:
            _sent_message(request, action, _("群公告已提交"))
            return redirect("bot_group", group_id=group.pk)
    return _render_group(request, group, announce=form, status=400)


@login_required
@require_POST
def bot_card(request: HttpRequest, group_id: int) -> HttpResponse:
    """Set a member's card (群名片) through a bot in the group."""
    group = _controlled_group(request, group_id)
    form = CardForm(request.POST)
    if form.is_valid():
        try:
            action = do_set_member_card(
                request.user, group, qq=form.cleaned_data["qq"], card=form.cleaned_data["card"]
            )
        except RegistryError as err:
            form.add_error(err.field if err.field in form.fields else None, err.message)
        else:
            _sent_message(request, action, _("群名片修改已提交"))
            return redirect("bot_group", group_id=group.pk)
    return _render_group(request, group, card=form, status=400)


@login_required
def sanction_list(request: HttpRequest) -> HttpResponse:
    """The school-wide sanction list (一处违规，全校联动): apply one, list them; supervisor only."""
    require_supervisor(request.user)
    form = SanctionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                sanction = do_apply_sanction(
                    request.user,
                    qq=data["qq"],
                    kind=data["kind"],
                    reason=data["reason"],
                    minutes=data["minutes"] or 0,
                )
            except RegistryError as err:
                form.add_error(err.field if err.field in form.fields else None, err.message)
            else:
                count = sanction.actions.count()
                messages.success(
                    request,
                    _("已对 QQ %(qq)s 实施“%(kind)s”，涉及 %(count)d 个群，机器人连接后逐一执行。")
                    % {"qq": sanction.qq, "kind": sanction.get_kind_display(), "count": count},
                )
                return redirect("sanction_list")
        status = 400
    sanctions = Sanction.objects.select_related("created_by", "lifted_by").order_by("-id")
    page = paginate(request, sanctions)
    rows = [{"s": s, "outcomes": _outcomes(s)} for s in page.object_list]
    return render(
        request,
        "gateway/sanction_list.html",
        {"form": form, "page": page, "rows": rows, "lift_form": LiftForm()},
        status=status,
    )


def _outcomes(sanction: Sanction) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for action in sanction.actions.all():
        counts[action.get_status_display()] += 1
    return dict(counts)


@login_required
@require_POST
def sanction_lift(request: HttpRequest, sanction_id: int) -> HttpResponse:
    """Lift a sanction (解除处置) with a reason; supervisor only."""
    require_supervisor(request.user)
    try:
        sanction = gateway_access.access_sanction(request.user, sanction_id)
    except access.NotFound:
        raise Http404(_("该处置不存在。")) from None
    form = LiftForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请写明解除理由。"))
        return redirect("sanction_list")
    try:
        do_lift_sanction(request.user, sanction, reason=form.cleaned_data["reason"])
    except RegistryError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("已解除对 QQ %(qq)s 的处置。") % {"qq": sanction.qq})
    return redirect("sanction_list")
