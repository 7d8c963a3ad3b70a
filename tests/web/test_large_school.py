"""A large school: the dashboard and registry list show a shared check result, still in scope.

``qunguan.web.breaches`` shares the school-wide check result above ``LARGE_SCOPE_GROUPS`` groups;
these specs lower the threshold to the cast's two groups so that the shared path is the one used.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.urls import reverse

from qunguan.registry import actions
from qunguan.registry.checks import run_checks
from qunguan.registry.models import Group, Unit
from qunguan.web import breaches
from qunguan.web.forms import FastSelect, UnitChoiceField


def incomplete_group(cast: Any, unit: Unit, account: str, name: str) -> Group:
    """A group registered without its member scope, purpose and admins (a 1(1)/1(2) breach)."""
    return actions.do_register_group(
        None, platform="qq", account=account, name=name, unit=unit, owner=None, member_count=10
    )


def test_supervisor_dashboard_in_a_large_school_shows_the_school_wide_checks(cast, client_for, large_school):
    incomplete_group(cast, cast.vocal, "700000001", "声乐系临时群")
    response = client_for(cast.supervisor).get(reverse("dashboard"))
    assert response.status_code == 200
    assert "声乐系临时群" in response.text
    assert 'id="checked-at"' in response.text
    expected = len(run_checks(Group.objects.all()))
    assert f"<b>{expected}</b><span>违规项</span>" in response.text


def test_unit_manager_in_a_large_school_sees_no_breach_of_a_sibling_unit(cast, client_for, large_school):
    incomplete_group(cast, cast.vocal, "700000001", "声乐系临时群")
    incomplete_group(cast, cast.composition_class, "700000002", "作曲班级群")
    # the supervisor's visit fills the shared result first; the manager's page cuts it to scope
    client_for(cast.supervisor).get(reverse("dashboard"))
    text = client_for(cast.manager_a).get(reverse("dashboard")).text
    assert "作曲班级群" in text
    assert "声乐系临时群" not in text
    listing = client_for(cast.manager_a).get(reverse("group_list") + "?breach=incomplete_registration").text
    assert "作曲班级群" in listing
    assert "声乐系临时群" not in listing


def test_group_admin_in_a_large_school_gets_checks_of_their_own_groups_only(cast, client_for, large_school):
    incomplete_group(cast, cast.composition, "700000003", "作曲系另一个群")
    client_for(cast.supervisor).get(reverse("dashboard"))
    text = client_for(cast.group_admin).get(reverse("dashboard")).text
    assert "作曲系另一个群" not in text
    assert 'id="checked-at"' not in text  # computed for the request: a group admin sees part of a unit


def test_shared_result_is_reused_until_it_expires(cast, client_for, large_school, settings):
    client = client_for(cast.supervisor)
    client.get(reverse("dashboard"))
    incomplete_group(cast, cast.vocal, "700000004", "新登记的群")
    assert "新登记的群" not in client.get(reverse("group_list") + "?breach=incomplete_registration").text
    settings.QUNGUAN_CHECKS_CACHE_SECONDS = 0  # off: every request runs the checks
    assert "新登记的群" in client.get(reverse("group_list") + "?breach=incomplete_registration").text


def test_small_school_runs_the_checks_on_every_request(cast, client_for):
    client = client_for(cast.supervisor)
    client.get(reverse("dashboard"))
    incomplete_group(cast, cast.vocal, "700000005", "刚登记的群")
    text = client.get(reverse("dashboard")).text
    assert "刚登记的群" in text
    assert 'id="checked-at"' not in text


def test_fast_select_renders_what_djangos_select_renders(cast):
    class Plain(forms.Form):
        unit = forms.ModelChoiceField(queryset=Unit.objects.order_by("path"), required=False)

    class Fast(forms.Form):
        unit = UnitChoiceField(queryset=Unit.objects.order_by("path"), required=False)

    Fast.base_fields["unit"].label_from_instance = Plain.base_fields["unit"].label_from_instance  # type: ignore[method-assign]
    data = {"unit": str(cast.vocal.pk)}
    assert isinstance(Fast.base_fields["unit"].widget, FastSelect)
    plain = re.sub(r">\s+<", "><", str(Plain(data)["unit"]))
    fast = str(Fast(data)["unit"])
    assert fast == plain
    assert f'<option value="{cast.vocal.pk}" selected>' in fast


def test_the_scheduler_keeps_the_shared_result_fresh_so_no_page_computes_it(
    cast, client_for, large_school, monkeypatch
):
    import datetime as dt
    import zoneinfo

    from qunguan.scheduler.runner import run_due

    incomplete_group(cast, cast.vocal, "700000001", "声乐系临时群")
    now = dt.datetime.now(zoneinfo.ZoneInfo("Asia/Shanghai"))
    [outcome] = run_due(now, only=["checks_cache"])
    assert outcome.result == f"{len(run_checks(Group.objects.all()))} 个问题"

    def no_checks(groups, *args, **kwargs):
        if kwargs.get("kinds") != ["unregistered_group"]:  # those are read fresh, and cheap
            raise AssertionError("a page computed the school-wide checks itself")
        return run_checks(groups, *args, **kwargs)

    monkeypatch.setattr(breaches, "run_checks", no_checks)
    breaches.clear_local_cache()  # another web process: only the shared result
    response = client_for(cast.supervisor).get(reverse("dashboard"))
    assert "声乐系临时群" in response.text


def test_in_a_small_school_the_job_leaves_the_pages_to_check_live(cast, settings):
    import datetime as dt
    import zoneinfo

    from qunguan.scheduler.runner import run_due

    settings.QUNGUAN_CHECKS_CACHE_SECONDS = 120
    now = dt.datetime.now(zoneinfo.ZoneInfo("Asia/Shanghai"))
    [outcome] = run_due(now, only=["checks_cache"])
    assert outcome.result == "学校规模较小，页面实时检查"
