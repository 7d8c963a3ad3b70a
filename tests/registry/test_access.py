"""Scoping: who sees which units, groups and people."""

from __future__ import annotations

import pytest

from qunguan.registry import access


def test_supervisor_sees_every_group(cast):
    assert set(access.visible_groups(cast.supervisor)) == {cast.group_a, cast.group_b}


def test_unit_manager_sees_only_own_subtree_groups(cast):
    assert list(access.visible_groups(cast.manager_a)) == [cast.group_a]


def test_unit_manager_cannot_access_sibling_units_group(cast):
    with pytest.raises(access.NotFound):
        access.access_group(cast.manager_a, cast.group_b.pk)


def test_missing_and_foreign_groups_look_the_same(cast):
    with pytest.raises(access.NotFound):
        access.access_group(cast.manager_a, 999999)


def test_unit_manager_sees_people_of_subunits(cast):
    assert set(access.visible_people(cast.manager_a)) == {cast.teacher_a, cast.student_a}


def test_group_admin_sees_own_group_but_no_roster(cast):
    assert list(access.visible_groups(cast.group_admin)) == [cast.group_a]
    assert not access.visible_people(cast.group_admin).exists()


def test_group_admin_cannot_manage_group(cast):
    with pytest.raises(access.Forbidden):
        access.access_group(cast.group_admin, cast.group_a.pk, manage=True)


def test_outsider_sees_nothing(cast):
    assert not access.visible_groups(cast.outsider).exists()
    assert not access.visible_units(cast.outsider).exists()


def test_unit_head_reads_but_cannot_manage(cast):
    assert access.access_group(cast.head_a, cast.group_a.pk) == cast.group_a
    with pytest.raises(access.Forbidden):
        access.access_group(cast.head_a, cast.group_a.pk, manage=True)


def test_personal_data_visible_only_to_those_who_need_it(cast):
    assert access.can_see_personal_data(cast.supervisor)
    assert access.can_see_personal_data(cast.manager_a, cast.composition)
    assert not access.can_see_personal_data(cast.manager_a, cast.vocal)
    assert not access.can_see_personal_data(cast.group_admin, cast.composition)
    assert not access.can_see_personal_data(cast.head_a, cast.composition)
