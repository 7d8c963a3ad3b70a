"""The review queue of a user who sees many groups: the group filter takes a 群号 instead of a list."""

from __future__ import annotations

import pytest
from django.urls import reverse

from qunguan.ops import metrics
from qunguan.web import forms
from tests.review.conftest import GROUP_A


@pytest.fixture
def many_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forms, "GROUP_SELECT_LIMIT", 0)


def test_supervisor_filters_the_queue_by_group_account(review, client_for, many_groups):
    client = client_for(review.cast.supervisor)
    page = client.get(reverse("review_list"))
    assert 'name="group" placeholder="群号"' in page.text
    text = client.get(reverse("review_list") + f"?group={GROUP_A}").text
    assert f"/review/{review.phone.pk}/" in text
    assert f"/review/{review.phone_b.pk}/" not in text


def test_unit_manager_cannot_filter_by_a_sibling_units_group_account(review, client_for, many_groups):
    review.cast.group_b.refresh_from_db()
    client = client_for(review.cast.manager_a)
    text = client.get(reverse("review_list") + f"?group={review.cast.group_b.account}").text
    assert f"您的范围内没有群号为 {review.cast.group_b.account} 的群组。" in text
    assert f"/review/{review.phone_b.pk}/" not in text


def test_small_scope_keeps_the_group_list(review, client_for):
    text = client_for(review.cast.manager_a).get(reverse("review_list")).text
    assert '<select name="group"' in text


def test_message_count_of_a_large_table_is_taken_at_most_every_few_minutes(review, monkeypatch):
    from qunguan.chats.models import ChatMessage

    stored = ChatMessage.objects.count()
    assert metrics.table_count(ChatMessage) == stored  # a small table: counted exactly
    monkeypatch.setattr(metrics, "EXACT_COUNT_ROWS", 1)
    monkeypatch.setattr(metrics, "_large_counts", {})
    first = metrics.table_count(ChatMessage)
    # PostgreSQL answers with its planner's estimate once the table was analysed, else the count
    assert first > 0
    ChatMessage.objects.filter(pk=ChatMessage.objects.order_by("pk").values("pk")[:1]).update(text="")
    assert metrics.table_count(ChatMessage) == first
