"""The hot pages of a large school keep their answers while reading less.

A finding carries its message's ``sent_at`` so that the review queue's order (most severe, then
newest) is read off one index; these specifications hold the copy equal to the message's time on
every path a finding is stored by (an import's batch rows, the gateway's model instances), and the
queue's order on it. The dashboard charts only the largest units and counts the rest; the unit
filter's options, read as plain rows, are the same HTML as the unit field's own.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from qunguan.chats.actions import do_import_chat_file, store_records
from qunguan.chats.models import Finding
from qunguan.ingest.records import CHINA, ChatRecord
from qunguan.web.forms import GroupFilterForm, ReviewFilterForm
from qunguan.web.unit_options import use_plain_unit_options
from qunguan.web.views import dashboard

GROUP_A = "600100200"  # the cast's 作曲系教职工群


def test_an_imported_finding_carries_its_messages_time(cast, chat_file):
    path = chat_file(
        f"2024-09-02T09:00:05+08:00|{GROUP_A}|10001001|王建国|我的电话13812345678|m1",
        f"2024-12-31T23:59:59|{GROUP_A}|10001004|赵四|我的身份证号是11010519491231002X|m2",
    )
    do_import_chat_file(None, path)
    findings = list(Finding.objects.select_related("message").order_by("sent_at"))
    assert [f.sent_at for f in findings] == [
        dt.datetime(2024, 9, 2, 9, 0, 5, tzinfo=CHINA),
        dt.datetime(2024, 12, 31, 23, 59, 59, tzinfo=CHINA),
    ]
    assert all(f.sent_at == f.message.sent_at for f in findings)
    # stored as the message's time is, so the database compares the two as equal
    assert Finding.objects.filter(sent_at=findings[0].message.sent_at).count() == 1


def test_a_live_finding_carries_its_messages_time(cast):
    sent = dt.datetime(2024, 9, 2, 9, 0, 5, tzinfo=CHINA)
    record = ChatRecord(
        platform="qq",
        group_name="作曲系教职工群",
        sent_at=sent,
        sender_name="王建国",
        text="有事打我电话13812345678",
        line=1,
        sender_id="10001001",
        message_id="live-1",
        group_account=GROUP_A,
    )
    result = store_records([record])
    assert [f.sent_at for f in result.findings] == [sent]
    assert Finding.objects.get().sent_at == sent


def test_the_queue_lists_equally_severe_findings_newest_message_first(cast, chat_file, client_for):
    # imported newest first, so the findings' ids run against their messages' times
    do_import_chat_file(
        None,
        chat_file(
            f"2024-09-03T10:00:00|{GROUP_A}|10001002|钱五|电话13812345678|late",
            f"2024-09-02T09:00:00|{GROUP_A}|10001001|赵四|电话13912345678|early",
        ),
    )
    late = Finding.objects.get(message__message_id="late")
    early = Finding.objects.get(message__message_id="early")
    assert late.pk < early.pk
    text = client_for(cast.supervisor).get(reverse("review_list")).text
    shown = [int(n) for n in re.findall(r'href="/review/(\d+)/', text)]
    assert shown.index(late.pk) < shown.index(early.pk)
    # the detail page's "next" follows the same order
    detail = client_for(cast.supervisor).get(reverse("review_detail", args=[late.pk])).text
    assert f"/review/{early.pk}/" in detail


def test_dashboard_charts_the_largest_units_and_counts_the_rest(cast, client_for, monkeypatch):
    client = client_for(cast.supervisor)
    whole = client.get(reverse("dashboard")).text
    assert whole.count('<div class="bar w-') == 2  # 作曲系 and 声乐系, one group each
    assert 'id="other-units"' not in whole
    monkeypatch.setattr(dashboard, "UNIT_BARS", 1)
    cut = client.get(reverse("dashboard")).text
    assert cut.count('<div class="bar w-') == 1
    assert "其余 1 个单位共 1 个群组" in cut


@pytest.mark.parametrize("form_class", [GroupFilterForm, ReviewFilterForm])
@pytest.mark.parametrize("who", ["supervisor", "manager_a"])
def test_plain_unit_options_render_as_the_unit_field_does(cast, form_class, who):
    user = getattr(cast, who)
    for data in (None, {"unit": str(cast.composition_class.pk)}):
        usual = str(form_class(data, user=user)["unit"])
        plain_form = form_class(data, user=user)
        use_plain_unit_options(plain_form.fields["unit"])
        assert str(plain_form["unit"]) == usual
    assert "　作曲2023级1班（班级）" in usual
    assert ("声乐系" in usual) is (who == "supervisor")


def test_plain_unit_options_still_refuse_a_unit_outside_the_scope(cast):
    form = GroupFilterForm({"unit": str(cast.vocal.pk)}, user=cast.manager_a)
    use_plain_unit_options(form.fields["unit"])
    assert not form.is_valid()
    assert "unit" in form.errors
