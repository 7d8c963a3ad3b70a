"""Which groups hold an account with an open incident: read for the registry checks (3(6))."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from qunguan.incidents.models import AccountIncident, IncidentState
from qunguan.registry.models import Group

# Which group platforms an account of each incident platform lives on.
GROUP_PLATFORMS = {"qq": ("qq",), "wechat": ("wechat", "wecom")}


def latest_snapshot_ids(group_ids: Iterable[int]) -> dict[int, int]:
    """Return group id → id of its latest member list."""
    from qunguan.members.models import MemberSnapshot

    latest: dict[int, int] = {}
    rows = MemberSnapshot.objects.filter(group__in=list(group_ids)).order_by("group", "-taken_at", "-pk")
    for snap_id, group_id in rows.values_list("pk", "group_id"):
        latest.setdefault(group_id, snap_id)
    return latest


def groups_with_account(platform: str, account: str, groups: Iterable[Group] | None = None) -> list[Group]:
    """Return the groups whose latest member list has ``account`` on ``platform``."""
    from qunguan.members.models import Member

    qs = Group.objects.filter(platform__in=GROUP_PLATFORMS.get(platform, (platform,)))
    if groups is not None:
        qs = qs.filter(pk__in=[g.pk for g in groups])
    latest = latest_snapshot_ids(qs.values_list("pk", flat=True))
    hits = Member.objects.filter(snapshot__in=latest.values(), platform_id=account).values_list(
        "snapshot__group_id", flat=True
    )
    return list(Group.objects.filter(pk__in=set(hits)).select_related("unit").order_by("unit__path", "name"))


def incident_facts(rows: Sequence[Group]) -> dict[int, tuple[str, ...]]:
    """Return group id → labels of the open incidents of accounts in its latest member list."""
    open_incidents = list(AccountIncident.objects.exclude(state=IncidentState.CLOSED))
    if not open_incidents or not rows:
        return {}
    from qunguan.members.models import Member

    platform_of = {g.pk: g.platform for g in rows}
    latest = latest_snapshot_ids(platform_of)
    by_account: dict[str, list[AccountIncident]] = defaultdict(list)
    for incident in open_incidents:
        by_account[incident.account].append(incident)
    out: dict[int, list[str]] = defaultdict(list)
    members = Member.objects.filter(snapshot__in=latest.values(), platform_id__in=list(by_account))
    for group_id, account in members.values_list("snapshot__group_id", "platform_id"):
        for incident in by_account[account]:
            if platform_of[group_id] in GROUP_PLATFORMS.get(incident.platform, ()):
                out[group_id].append(
                    f"{incident.get_platform_display()} {account}（{incident.get_kind_display()}）"
                )
    return {k: tuple(sorted(set(v))) for k, v in out.items()}
