"""The hot pages read less and still show the figures their definitions give.

The dashboard (总览) takes its group figures from one aggregate over the user's groups instead of a
query per figure; the supervisor's breaches in a large school are grouped once per shared result;
the unregistered groups' breaches are found without the registered groups' facts; a process asks
"is this a large school?" (a count of every group) at most once a minute; the unit filter renders
its options as one string join; the review queue counts its findings only up to a cap. Each is
held here to what the slower way gives.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django import forms
from django.db.models import Count
from django.urls import reverse

from qunguan.registry import access, actions
from qunguan.registry.checks import run_checks
from qunguan.registry.models import Group, GroupStatus, Unit
from qunguan.unregistered.access import visible_unregistered
from qunguan.unregistered.actions import Sighting, note_sightings
from qunguan.unregistered.models import UnregisteredGroup
from qunguan.web import breaches, paging
from qunguan.web.forms import UnitChoiceField
from qunguan.web.unit_options import PlainUnitSelect, use_plain_unit_options
from qunguan.web.views import dashboard, review
from tests.chatfixtures import chat_data_dir, chat_file, fresh_auditor, pipe_format

__all__ = ["chat_data_dir", "chat_file", "fresh_auditor", "pipe_format"]


def register(cast: Any, unit: Unit, account: str, name: str, **extra: Any) -> Group:
    data: dict[str, Any] = {"platform": "qq", "member_count": 20, **extra}
    return actions.do_register_group(None, account=account, name=name, unit=unit, owner=None, **data)


@pytest.fixture
def more_groups(cast: Any) -> None:
    """作曲2023级1班: three groups (one a temporary WeChat group); 声乐系: one more, dissolved."""
    import datetime as dt

    register(cast, cast.composition_class, "710000001", "作曲班级群一")
    register(cast, cast.composition_class, "710000002", "作曲班级群二")
    register(
        cast,
        cast.composition_class,
        "wx-zuoqu-tmp",
        "作曲班临时群",
        platform="wechat",
        status=GroupStatus.TEMPORARY,
        end_date=dt.date(2099, 1, 1),
    )
    gone = register(cast, cast.vocal, "710000009", "声乐系旧群")
    actions.do_dissolve_group(None, gone, on=dt.date(2024, 1, 1), reason="工作结束")


def figures_by_definition(user: Any) -> dict[str, Any]:
    """The dashboard's group figures as one query each (what the page computed before)."""
    groups = access.visible_groups(user)
    live = groups.exclude(status=GroupStatus.DISSOLVED)
    per_unit = live.values("unit_id", "unit__name").annotate(n=Count("id")).order_by("-n", "unit__name")
    return {
        "total_groups": live.count(),
        "dissolved_groups": groups.filter(status=GroupStatus.DISSOLVED).count(),
        "temporary_groups": live.filter(status=GroupStatus.TEMPORARY).count(),
        "units": [(r["unit__name"], r["n"]) for r in per_unit],
        "platforms": sorted((r["platform"], r["n"]) for r in live.values("platform").annotate(n=Count("id"))),
    }


@pytest.mark.parametrize("who", ["supervisor", "manager_a", "manager_b"])
def test_dashboard_group_figures_are_those_of_a_query_per_figure(cast, client_for, more_groups, who):
    user = getattr(cast, who)
    expected = figures_by_definition(user)
    context = client_for(user).get(reverse("dashboard")).context
    for key in ("total_groups", "dissolved_groups", "temporary_groups"):
        assert context[key] == expected[key], key
    assert [(r["unit__name"], r["n"]) for r in context["by_unit"]] == expected["units"]
    assert sorted((r["platform"], r["n"]) for r in context["by_platform"]) == expected["platforms"]
    assert context["other_units"] == 0


def test_dashboard_charts_the_largest_units_ties_by_name_and_counts_the_rest(
    cast, client_for, more_groups, monkeypatch
):
    monkeypatch.setattr(dashboard, "UNIT_BARS", 2)
    context = client_for(cast.supervisor).get(reverse("dashboard")).context
    # 作曲2023级1班 has three groups; 作曲系 and 声乐系 one each: the tie goes by name, as the
    # database orders names
    first_by_name = Unit.objects.filter(name__in=["作曲系", "声乐系"]).order_by("name")[0].name
    assert [(r["unit__name"], r["n"], r["pct"]) for r in context["by_unit"]] == [
        ("作曲2023级1班", 3, 100),
        (first_by_name, 1, 33),
    ]
    assert (context["other_units"], context["other_units_groups"]) == (1, 1)
    assert [(r["platform"], r["n"]) for r in context["by_platform"]] == [("qq", 3), ("wechat", 2)]
    assert (context["total_groups"], context["temporary_groups"], context["dissolved_groups"]) == (5, 1, 1)


def test_liaison_dashboard_counts_no_group_of_a_sibling_unit(cast, client_for, more_groups):
    context = client_for(cast.manager_a).get(reverse("dashboard")).context
    assert {r["unit__name"] for r in context["by_unit"]} == {"作曲系", "作曲2023级1班"}
    assert (context["total_groups"], context["dissolved_groups"]) == (4, 0)


def test_unregistered_breaches_are_those_the_checks_give(cast):
    note_sightings([Sighting("qq", "888000111", "兴趣群", messages=3)], source="import", actor=cast.manager_a)
    note_sightings([Sighting("wechat", "wx-unknown", "同乡群", messages=7)], source="import", actor=None)
    rows = UnregisteredGroup.objects.all()
    found = breaches.unregistered_breaches(rows)
    assert len(found) == 2
    assert found == run_checks(Group.objects.none(), kinds=["unregistered_group"], unregistered=rows)


@pytest.mark.parametrize("who", ["supervisor", "manager_a", "manager_b"])
def test_dashboard_breaches_in_a_large_school_are_the_scoped_breaches_grouped(cast, large_school, who):
    register(cast, cast.vocal, "720000001", "声乐系未填全的群")
    register(cast, cast.composition_class, "720000002", "作曲班未填全的群")
    note_sightings([Sighting("qq", "888000222", "兴趣群", messages=3)], source="import", actor=cast.manager_a)
    user = getattr(cast, who)
    groups = access.visible_groups(user)
    unregistered = visible_unregistered(user)
    summary = breaches.breach_summary(user, groups, unregistered=unregistered)
    expected = breaches.BreachSummary.of(*breaches.scoped_breaches(user, groups, unregistered=unregistered))
    assert summary == expected
    assert summary.checked_at is not None  # the shared result
    assert summary.total > 0
    # asked again (the next page view), the school-wide grouping is the one kept with the result
    assert breaches.breach_summary(user, groups, unregistered=unregistered) == summary


def test_a_process_counts_the_schools_groups_at_most_once_a_minute(
    cast, settings, monkeypatch, django_assert_num_queries
):
    settings.QUNGUAN_CHECKS_CACHE_SECONDS = 120
    breaches.clear_local_cache()
    try:
        with django_assert_num_queries(1):
            assert breaches.is_large_school() is False
        with django_assert_num_queries(0):
            assert breaches.is_large_school() is False
        # a changed threshold is a new question
        monkeypatch.setattr(breaches, "LARGE_SCOPE_GROUPS", 1)
        with django_assert_num_queries(1):
            assert breaches.is_large_school() is True
        # and after a minute the count is taken again
        monkeypatch.setattr(breaches, "SIZE_RECHECK_SECONDS", 0.0)
        actions.do_dissolve_group(None, cast.group_b, on=cast.group_b.created_on, reason="合并")
        with django_assert_num_queries(1):
            assert breaches.is_large_school() is False
    finally:
        breaches.clear_local_cache()


@pytest.mark.parametrize("required", [False, True])
def test_plain_unit_select_renders_as_the_unit_field_also_when_required(cast, required):
    class Filter(forms.Form):
        unit = UnitChoiceField(queryset=Unit.objects.order_by("path"), required=required)

    for data in (None, {"unit": str(cast.vocal.pk)}):
        usual = str(Filter(data)["unit"])
        form = Filter(data)
        use_plain_unit_options(form.fields["unit"])
        assert isinstance(form.fields["unit"].widget, PlainUnitSelect)
        assert str(form["unit"]) == usual
        assert (" required" in usual) is required


def test_plain_unit_select_escapes_unit_names(cast):
    actions.do_update_unit(None, cast.vocal, name='声乐系<b>&"')

    class Filter(forms.Form):
        unit = UnitChoiceField(queryset=Unit.objects.order_by("path"), required=False)

    usual = str(Filter()["unit"])
    form = Filter()
    use_plain_unit_options(form.fields["unit"])
    assert str(form["unit"]) == usual
    assert "声乐系&lt;b&gt;&amp;&quot;" in usual


# ── the review queue's capped count ──────────────────────────────────────────────────────────

GROUP_A = "600100200"  # the cast's 作曲系教职工群


@pytest.fixture
def five_open_findings(cast, chat_file, chat_data_dir, fresh_auditor) -> list[int]:
    """Five open phone-number findings in 作曲系教职工群; returns their ids in the queue's order."""
    from qunguan.chats.actions import do_import_chat_file
    from qunguan.chats.models import Finding

    lines = [
        f"2024-09-0{d}T09:00:00|{GROUP_A}|1000100{d}|老师{d}|电话1381234567{d}|m{d}" for d in range(1, 6)
    ]
    do_import_chat_file(None, chat_file(*lines))
    ids = list(Finding.objects.order_by(*review.ORDER).values_list("pk", flat=True))
    assert len(ids) == 5
    return ids


def listed(text: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr data-finding="(\d+)"', text)]


@pytest.mark.parametrize("who", ["supervisor", "manager_a"])
def test_queue_above_the_cap_says_more_than_and_pages_on(
    cast, client_for, five_open_findings, monkeypatch, who
):
    monkeypatch.setattr(paging, "COUNT_CAP", 3)
    monkeypatch.setattr(review, "PER_PAGE", 2)
    client = client_for(getattr(cast, who))
    first, second, third = (client.get(reverse("review_list") + f"?page={n}").text for n in (1, 2, 3))
    assert "第 1 页，共超过 3 条" in first
    assert "末页" not in first
    assert 'page=2">下一页' in first
    assert listed(first) + listed(second) + listed(third) == five_open_findings
    assert "第 3 页，共超过 3 条" in third
    assert "下一页" not in third
    # past the end, or not a number: the first page
    assert listed(client.get(reverse("review_list") + "?page=9").text) == listed(first)
    assert listed(client.get(reverse("review_list") + "?page=x").text) == listed(first)


def test_queue_at_or_below_the_cap_counts_exactly(cast, client_for, five_open_findings, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 5)
    monkeypatch.setattr(review, "PER_PAGE", 2)
    text = client_for(cast.supervisor).get(reverse("review_list") + "?page=3").text
    assert "第 3 / 3 页，共 5 条" in text
    assert "超过" not in text


def test_dashboard_says_more_than_the_cap_of_open_findings(cast, client_for, five_open_findings, monkeypatch):
    client = client_for(cast.supervisor)
    assert "<b>5</b><span>待处理审查发现" in client.get(reverse("dashboard")).text
    monkeypatch.setattr(paging, "COUNT_CAP", 4)
    assert "<b>超过 4</b><span>待处理审查发现" in client.get(reverse("dashboard")).text


def test_capped_count_of_a_sibling_units_queue_is_zero(cast, five_open_findings, monkeypatch):
    from qunguan.chats import access as chats_access

    monkeypatch.setattr(paging, "COUNT_CAP", 3)
    assert paging.capped_count(chats_access.visible_findings(cast.manager_a)) == (3, True)
    assert paging.capped_count(chats_access.visible_findings(cast.manager_b)) == (0, False)


def test_dashboard_breach_rows_link_to_the_group_or_the_unregistered_group(cast, client_for):
    incomplete = register(cast, cast.vocal, "730000001", "声乐系未填全的群")
    (row,) = note_sightings([Sighting("qq", "888000333", "兴趣群", messages=3)], source="import", actor=None)
    text = client_for(cast.supervisor).get(reverse("dashboard")).text
    group_url = reverse("group_detail", args=[incomplete.pk])
    assert f'<a href="{group_url}">声乐系未填全的群</a>' in text
    assert f'<a href="{reverse("unregistered_detail", args=[row.pk])}">{row.label}</a>' in text
