"""The hot pages' rows are written in Python, byte for byte as their templates wrote them.

The registry list (群组登记), the review queue (审查队列) and the dashboard's breach sections
(总览) build each row's HTML in the view instead of through a dozen template nodes per row. Each
spec renders the template loop the page used before — kept here as it was — from the same
objects and finds it, unchanged, in the page: escaping, links, optional parts and all.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.template import Context, Template
from django.urls import reverse

from qunguan.chats import access as chats_access
from qunguan.chats.privacy import masked_segments, pseudonym
from qunguan.registry import access, actions
from qunguan.registry.checks import run_checks
from qunguan.registry.models import Group, GroupStatus
from qunguan.unregistered.access import visible_unregistered
from qunguan.unregistered.actions import Sighting, note_sightings
from qunguan.web.views import groups, review
from qunguan.web.views.common import breach_severity
from tests.chatfixtures import chat_data_dir, chat_file, fresh_auditor, pipe_format

__all__ = ["chat_data_dir", "chat_file", "fresh_auditor", "pipe_format"]

# web/group_list.html's row loop as it was.
REGISTRY_ROWS = """{% load i18n %}{% for row in rows %}{% with g=row.group %}
    <tr>
      <td><a href="{% url 'group_detail' g.pk %}">{{ g.name }}</a>{% if g.is_official %} <span class="tag tag-official">{% translate "官方" %}</span>{% endif %}</td>
      <td>{{ g.get_platform_display }}</td>
      <td class="mono">{{ g.account }}</td>
      <td>{{ g.unit.name }}</td>
      <td class="num">{{ g.member_count }}</td>
      <td><span class="status status-{{ g.status }}">{{ g.get_status_display }}</span>{% if g.status == "temporary" and g.end_date %}<small class="muted"> 至 {{ g.end_date|date:"Y-m-d" }}</small>{% endif %}</td>
      <td>{{ g.owner.name|default:"—" }}</td>
      <td>{% for x in row.breaches %}<span class="badge sev-{{ x.severity }}" title="{{ x.b.detail }}">{{ x.b.title }}</span>{% empty %}<span class="muted">—</span>{% endfor %}</td>
    </tr>
  {% endwith %}{% empty %}
    <tr><td colspan="8" class="empty">{% translate "没有符合条件的群组。" %}</td></tr>
  {% endfor %}"""

# web/review_list.html's row loop as it was.
QUEUE_ROWS = """{% load i18n %}{% for row in rows %}{% with f=row.finding %}
    <tr data-finding="{{ f.pk }}">
      {% if can_act %}<td class="check">{% if row.can_act %}<input type="checkbox" name="finding" value="{{ f.pk }}" aria-label="{% translate '选择' %}">{% endif %}</td>{% endif %}
      <td><span class="badge sev-{{ row.severity.css }}">{{ row.severity.label }}</span></td>
      <td>{{ row.category }}{% if row.same > 1 %} <span class="muted small same-row">本消息共 {{ row.same }} 处</span>{% endif %}</td>
      <td class="msg-text"><a href="{{ row.url }}{% if detail_query %}?{{ detail_query }}{% endif %}" class="review-open">{{ row.text }}</a></td>
      <td class="mono">{{ row.sender }}</td>
      <td>{{ row.where }}</td>
      <td class="nowrap">{{ f.message.sent_at|date:"Y-m-d H:i" }}</td>
      <td><span class="status finding-{{ f.status }}">{{ f.get_status_display }}</span></td>
    </tr>
  {% endwith %}{% empty %}
    <tr><td colspan="{% if can_act %}8{% else %}7{% endif %}" class="empty">{% translate "没有符合条件的审查发现。" %}</td></tr>
  {% endfor %}"""

# web/dashboard.html's breach rows of one section as they were.
BREACH_ROWS = """{% for r in s.rows %}
        <tr data-breach="{{ r.b.kind }}"><td><a href="{{ r.url }}">{{ r.b.group_name }}</a></td><td>{{ r.b.unit_name }}</td><td>{{ r.b.detail }}</td></tr>
      {% endfor %}"""


def render(template: str, **context: Any) -> str:
    return Template(template).render(Context(context))


@pytest.fixture
def varied_groups(cast: Any) -> None:
    """Groups with every optional part of a row: official, temporary with an end date, no owner,
    breaches, and names that need escaping."""
    actions.do_register_group(
        None,
        platform="qq",
        account="720000001",
        name='作曲<b>班</b> & "临时" 群\'',
        unit=cast.composition_class,
        owner=None,
        member_count=12,
        status=GroupStatus.TEMPORARY,
        end_date=dt.date(2030, 6, 30),
    )
    actions.do_register_group(
        None,
        platform="wechat",
        account="wx<&>",
        name="作曲系无主群",
        unit=cast.composition,
        owner=None,
        member_count=0,
        member_scope="作曲系",
        purpose="通知",
    )
    actions.do_update_unit(None, cast.composition_class, name='作曲2023级<1>班 & "甲"')


@pytest.mark.parametrize("query", ["", "?sort=-members", "?status=temporary", "?q=%E6%97%A0%E4%B8%BB"])
@pytest.mark.parametrize("who", ["supervisor", "manager_a", "group_admin"])
def test_registry_rows_are_those_the_template_wrote(cast, client_for, varied_groups, who, query):
    user = getattr(cast, who)
    response = client_for(user).get(reverse("group_list") + query)
    assert response.status_code == 200
    groups = list(response.context["page"].object_list)
    found = run_checks(access.visible_groups(user))
    rows = [
        {
            "group": g,
            "breaches": [{"b": b, "severity": breach_severity(b.kind)} for b in found if b.group_id == g.pk],
        }
        for g in groups
    ]
    assert render(REGISTRY_ROWS, rows=rows) in response.text


def test_registry_rows_cover_every_optional_part(cast, client_for, varied_groups):
    text = client_for(cast.supervisor).get(reverse("group_list")).text
    assert '<span class="tag tag-official">官方</span>' in text
    assert '<small class="muted"> 至 2030-06-30</small>' in text
    assert "作曲&lt;b&gt;班&lt;/b&gt; &amp; &quot;临时&quot; 群&#x27;" in text
    assert "<td>—</td>" in text  # no owner
    assert 'class="badge sev-' in text


@pytest.mark.parametrize("account", ["600100200", "720000001", "wx<&>"])
def test_a_registry_row_without_breaches_is_the_one_the_template_wrote(cast, varied_groups, account):
    g = Group.objects.select_related("unit", "owner").get(account=account)
    expected = render(REGISTRY_ROWS, rows=[{"group": g, "breaches": []}])
    assert groups._RowHTML().of(g, []) == expected
    assert '<span class="muted">—</span>' in expected


def test_registry_list_without_groups_says_so(cast, client_for):
    text = client_for(cast.supervisor).get(reverse("group_list") + "?q=nothing-like-this").text
    assert render(REGISTRY_ROWS, rows=[]) in text


@pytest.fixture
def queue(cast, chat_file, chat_data_dir, fresh_auditor) -> None:
    """Findings in both units' groups, with texts that need escaping around the finding."""
    from qunguan.chats.actions import do_import_chat_file

    lines = [
        f'2024-09-0{d}T09:0{d}:00|{account}|1000100{d}|老师{d}|<b>请</b>联系 & 电话1381234567{d} "今天"|m{account}{d}'
        for d in range(1, 5)
        for account in ("600100200", "wx-shengyue-001")
    ]
    # A message found by several lures: one row of the queue stands for its ad findings.
    lines += [
        f"2024-09-05T21:00:00|{account}|10001099|某人|兼职刷单日结，加V私聊，扫码进群领红包|spam{account}"
        for account in ("600100200", "wx-shengyue-001")
    ]
    do_import_chat_file(None, chat_file(*lines))


def queue_rows(user: Any, response: Any) -> str:
    """The queue's rows as the template wrote them, for the findings the page lists."""
    from qunguan.chats import review as chats_review
    from qunguan.chats.models import Finding

    text, detail_query = response.text, response.context["detail_query"]
    status, severity = review._status_and_severity(response.context["form"])

    ids = [int(n) for n in re.findall(r'<tr data-finding="(\d+)"', text)]
    found = Finding.objects.select_related("message", "group__unit").in_bulk(ids)
    actionable = set(chats_access.actionable_findings(user).filter(pk__in=ids).values_list("pk", flat=True))
    rows = []
    for pk in ids:
        f = found[pk]
        badge = review._badge(f)
        same = chats_review.same_row(f, f.message.findings.all(), status=status, severity=severity)
        segments = review._excerpt(masked_segments(f.message, f.message.findings.all(), f, also=same))
        rows.append(
            {
                "finding": f,
                "url": reverse("review_detail", args=[f.pk]),
                "category": review.category_label(f.category),
                "same": len(same),
                "severity": badge,
                "where": review._where(f),
                "sender": pseudonym(f.message),
                "text": review._segments_html(segments, badge["css"]),
                "can_act": f.pk in actionable,
            }
        )
    return render(QUEUE_ROWS, rows=rows, can_act=bool(actionable), detail_query=detail_query)


@pytest.mark.parametrize(
    "query", ["", "?status=all", "?category=privacy.phone&severity=3&status=all", "?page=2"]
)
@pytest.mark.parametrize("who", ["supervisor", "manager_a", "head_a", "group_admin"])
def test_queue_rows_are_those_the_template_wrote(cast, client_for, queue, who, query):
    user = getattr(cast, who)
    response = client_for(user).get(reverse("review_list") + query)
    assert response.status_code == 200
    assert queue_rows(user, response) in response.text


def test_queue_rows_cover_the_check_box_and_the_filters_in_the_link(cast, client_for, queue):
    acting = (
        client_for(cast.manager_a).get(reverse("review_list") + "?status=all&category=privacy.phone").text
    )
    assert '<input type="checkbox" name="finding" value="' in acting
    assert "?status=all&amp;category=privacy.phone" in acting
    assert "&lt;b&gt;请&lt;/b&gt;" in acting
    assert "声乐系工作群" not in acting  # the sibling unit's group
    assert (
        '<span class="muted small same-row">本消息共 '
        in client_for(cast.manager_a).get(reverse("review_list")).text
    )


def test_dashboard_breach_rows_are_those_the_template_wrote(cast, client_for, varied_groups):
    note_sightings([Sighting("qq", "888000444", "兴趣<群>", messages=3)], source="import", actor=None)
    user = cast.supervisor
    text = client_for(user).get(reverse("dashboard")).text
    found = run_checks(access.visible_groups(user), unregistered=visible_unregistered(user))
    assert found
    for kind in {b.kind for b in found}:
        rows = [
            {
                "b": b,
                "url": reverse("unregistered_detail", args=[b.unregistered_id])
                if b.unregistered_id
                else reverse("group_detail", args=[b.group_id]),
            }
            for b in found
            if b.kind == kind
        ]
        assert render(BREACH_ROWS, s={"rows": rows}) in text
    assert "兴趣&lt;群&gt;" in text
    assert Group.objects.filter(name__startswith="作曲<b>").exists()


def test_a_read_only_queue_has_rows_without_the_check_box_column(cast, client_for, queue):
    text = client_for(cast.head_a).get(reverse("review_list")).text
    assert '<tr data-finding="' in text
    assert '<td class="check">' not in text
