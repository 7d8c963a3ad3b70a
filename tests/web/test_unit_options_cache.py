"""In a large school each web process keeps the unit filter's options rendered, and a changed unit
shows on the next page all the same.

``web/unit_options.py`` keeps the options per scope and per version of the unit tree; the unit
actions write a new version to the cache the processes share. These specs lower the large-school
threshold to the cast's groups, as ``test_large_school.py`` does.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from qunguan.registry import actions
from qunguan.registry.models import Unit
from qunguan.web import breaches, unit_options


def unit_select(text: str) -> str:
    select = re.search(r'<select name="unit"[^>]*>(.*?)</select>', text, re.S)
    assert select is not None
    return select.group(1)


def unit_options_of(text: str) -> list[str]:
    return re.findall(r"<option[^>]*>([^<]*)</option>", unit_select(text))


@pytest.mark.parametrize("page", ["group_list", "review_list"])
def test_a_renamed_unit_shows_in_the_filter_on_the_next_page(cast, client_for, large_school, page):
    client = client_for(cast.supervisor)
    assert "　声乐系（院系）" in unit_options_of(client.get(reverse(page)).text)
    actions.do_update_unit(cast.supervisor, cast.vocal, name="声乐与歌剧系")
    options = unit_options_of(client.get(reverse(page)).text)
    assert "　声乐与歌剧系（院系）" in options
    assert "　声乐系（院系）" not in options


@pytest.mark.parametrize("page", ["group_list", "review_list"])
def test_an_added_unit_shows_in_the_filter_on_the_next_page(cast, client_for, large_school, page):
    client = client_for(cast.manager_a)
    before = unit_options_of(client.get(reverse(page)).text)
    actions.do_create_unit(cast.manager_a, name="作曲2024级1班", kind="class", parent=cast.composition)
    after = unit_options_of(client.get(reverse(page)).text)
    assert sorted(after) == sorted([*before, "　　作曲2024级1班（班级）"])


def test_a_unit_changed_by_another_process_shows_here(cast, client_for, large_school):
    """Another web process renames the unit: only the shared version tells this one."""
    client = client_for(cast.supervisor)
    client.get(reverse("group_list"))
    Unit.objects.filter(pk=cast.vocal.pk).update(name="声乐学院")  # the other process's write
    assert "　声乐学院（院系）" not in unit_options_of(client.get(reverse("group_list")).text)
    unit_options.units_changed()  # … and its action's new version
    assert "　声乐学院（院系）" in unit_options_of(client.get(reverse("group_list")).text)


def test_a_unit_written_outside_the_actions_shows_within_the_recheck_time(
    cast, client_for, large_school, monkeypatch
):
    client = client_for(cast.supervisor)
    client.get(reverse("group_list"))
    Unit.objects.filter(pk=cast.vocal.pk).update(name="声乐学院")  # e.g. a restored database
    now = unit_options.time.monotonic()
    monkeypatch.setattr(unit_options.time, "monotonic", lambda: now + unit_options.RECHECK_SECONDS + 1)
    assert "　声乐学院（院系）" in unit_options_of(client.get(reverse("group_list")).text)


def test_kept_options_stay_in_each_users_scope(cast, client_for, large_school):
    supervisor = unit_options_of(client_for(cast.supervisor).get(reverse("group_list")).text)
    manager = unit_options_of(client_for(cast.manager_a).get(reverse("group_list")).text)
    other = unit_options_of(client_for(cast.manager_b).get(reverse("group_list")).text)
    assert "　声乐系（院系）" in supervisor
    assert manager == ["全部", "　作曲系（院系）", "　　作曲2023级1班（班级）"]
    assert other == ["全部", "　声乐系（院系）"]


OPTIONS_QUERY = (
    'SELECT "registry_unit"."id" AS "pk", "registry_unit"."name" AS "name", "registry_unit"."kind"'
)


def test_kept_options_are_not_read_again(cast, client_for, large_school):
    client = client_for(cast.supervisor)
    with CaptureQueriesContext(connection) as first_queries:
        first = client.get(reverse("group_list"))
    assert any(q["sql"].startswith(OPTIONS_QUERY) for q in first_queries.captured_queries)
    with CaptureQueriesContext(connection) as second_queries:
        second = client.get(reverse("group_list"))
    assert not any(q["sql"].startswith(OPTIONS_QUERY) for q in second_queries.captured_queries)
    assert unit_options_of(second.text) == unit_options_of(first.text)


def test_the_chosen_unit_is_selected_in_kept_options(cast, client_for, large_school):
    client = client_for(cast.supervisor)
    client.get(reverse("group_list"))
    select = unit_select(client.get(reverse("group_list") + f"?unit={cast.composition.pk}").text)
    assert f'<option value="{cast.composition.pk}" selected>　作曲系（院系）</option>' in select
    assert select.count(" selected>") == 1
    # and the next page without a choice selects "全部" again, not the unit chosen before
    select = unit_select(client.get(reverse("group_list")).text)
    assert select.count(" selected>") == 1
    assert '<option value="" selected>全部</option>' in select


def test_a_small_school_keeps_no_options(cast, client_for):
    breaches.clear_local_cache()
    client_for(cast.supervisor).get(reverse("group_list"))
    assert unit_options._rendered == {}
