"""The one way a transport reaches campaigns and filings for a user.

The supervisor sees every filing; unit roles (manager, head, reviewer) see the filings of
units in their subtrees; nobody else sees any. ``access_filing`` raises the registry's
``NotFound`` for "does not exist" and "not yours" alike.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from qunguan.accounts.models import UNIT_ROLES
from qunguan.campaigns.models import Campaign, Filing
from qunguan.registry import access
from qunguan.registry.access import Forbidden, NotFound

__all__ = ["Forbidden", "NotFound", "access_campaign", "access_filing", "visible_filings"]


def _paths(user: Any) -> list[str]:
    return [a.unit.path for a in access.role_assignments(user) if a.role in UNIT_ROLES and a.unit is not None]


def visible_filings(user: Any) -> QuerySet[Filing]:
    """Return the filings ``user`` may see."""
    qs = Filing.objects.select_related("campaign", "unit")
    if access.is_supervisor(user):
        return qs
    q = Q(pk__in=[])
    for path in _paths(user):
        q |= Q(unit__path__startswith=path)
    return qs.filter(q)


def can_see_campaigns(user: Any) -> bool:
    """Whether ``user`` has any part in filing campaigns (supervisor or a unit role)."""
    return access.is_supervisor(user) or bool(_paths(user))


def access_campaign(user: Any, campaign_id: Any) -> Campaign:
    """Return the campaign if ``user`` takes part in campaigns; raise NotFound otherwise."""
    if not can_see_campaigns(user):
        raise NotFound
    try:
        return Campaign.objects.get(pk=int(campaign_id))
    except (Campaign.DoesNotExist, ValueError, TypeError):
        raise NotFound from None


def access_filing(user: Any, filing_id: Any, *, manage: bool = False) -> Filing:
    """Return the filing if visible (and, with ``manage``, if the user may fill it in); raise NotFound/Forbidden."""
    try:
        filing = visible_filings(user).get(pk=int(filing_id))
    except (Filing.DoesNotExist, ValueError, TypeError):
        raise NotFound from None
    if manage and not access.can_manage_unit(user, filing.unit):
        raise Forbidden
    return filing
