"""Who sees which findings, and who may handle them: every role of the cast against the queue."""

from __future__ import annotations

import pytest

from qunguan.chats import access
from qunguan.chats.models import Finding
from qunguan.registry.access import NotFound


def categories(user):
    return {(f.category, f.group_id) for f in access.visible_findings(user)}


def test_supervisor_sees_every_finding_including_unregistered_groups(review):
    seen = set(access.visible_findings(review.cast.supervisor))
    assert seen == set(Finding.objects.all())
    assert review.abuse_unregistered in seen


def test_unit_manager_sees_only_own_units_findings(review):
    seen = set(access.visible_findings(review.cast.manager_b))
    assert review.phone_b in seen
    assert review.id_card not in seen
    assert review.abuse_unregistered not in seen


@pytest.mark.parametrize("who", ["manager_a", "head_a", "reviewer", "group_admin"])
def test_every_role_of_zuoqu_sees_its_groups_findings_and_no_others(review, who):
    user = review.reviewer if who == "reviewer" else getattr(review.cast, who)
    seen = set(access.visible_findings(user))
    assert {review.id_card, review.phone} <= seen
    assert review.phone_b not in seen
    assert review.abuse_unregistered not in seen


def test_outsider_sees_no_findings_and_has_no_queue(review):
    assert not access.visible_findings(review.cast.outsider).exists()
    assert not access.can_see_findings(review.cast.outsider)


def test_access_finding_raises_the_same_not_found_for_missing_and_foreign(review):
    with pytest.raises(NotFound):
        access.access_finding(review.cast.manager_b, review.id_card.pk)
    with pytest.raises(NotFound):
        access.access_finding(review.cast.manager_b, 999999)
    with pytest.raises(NotFound):
        access.access_finding(review.cast.manager_b, "abc")
    assert access.access_finding(review.cast.manager_b, review.phone_b.pk) == review.phone_b


@pytest.mark.parametrize(
    ("who", "may_act"),
    [
        ("supervisor", True),
        ("manager_a", True),
        ("reviewer", True),
        ("group_admin", True),
        ("head_a", False),
    ],
)
def test_who_may_handle_a_zuoqu_finding(review, who, may_act):
    user = review.reviewer if who == "reviewer" else getattr(review.cast, who)
    assert access.can_act_on_finding(user, review.id_card) is may_act
    assert access.can_reveal_sender(user, review.id_card) is may_act


def test_only_the_supervisor_may_handle_findings_of_unregistered_groups(review):
    assert access.can_act_on_finding(review.cast.supervisor, review.abuse_unregistered)
    assert not access.can_act_on_finding(review.cast.manager_a, review.abuse_unregistered)
