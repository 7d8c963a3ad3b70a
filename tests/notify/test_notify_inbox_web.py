"""The inbox (站内信) and preferences pages: a person sees and changes only their own."""

from __future__ import annotations

from typing import Any

from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.notify.actions import do_notify
from qunguan.notify.models import Notification, Preference


def test_the_top_bar_shows_the_unread_count(cast: Any, client_for: Any) -> None:
    do_notify([cast.manager_a], subject="临时群即将到期", body="", severity="high")
    do_notify([cast.manager_a], subject="本周新增2个群", body="")
    page = client_for(cast.manager_a).get("/inbox/").content.decode()
    assert '<span class="badge sev-high" id="unread-count">2</span>' in page
    assert "临时群即将到期" in page


def test_a_user_without_notices_sees_no_count(cast: Any, client_for: Any) -> None:
    page = client_for(cast.manager_b).get("/").content.decode()
    assert 'id="inbox-link"' in page
    assert 'id="unread-count"' not in page


def test_opening_a_notice_marks_it_read(cast: Any, client_for: Any) -> None:
    (notice,) = do_notify([cast.manager_a], subject="审批已通过", body="超150人审批已通过。", link="/groups/")
    page = client_for(cast.manager_a).get(f"/inbox/{notice.pk}/").content.decode()
    assert "超150人审批已通过。" in page
    assert 'href="/groups/"' in page
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_mark_read_and_mark_all_read(cast: Any, client_for: Any) -> None:
    first, second, third = (do_notify([cast.manager_a], subject=f"通知{i}", body="")[0] for i in range(3))
    client = client_for(cast.manager_a)
    assert client.post(f"/inbox/{first.pk}/read/").status_code == 302
    assert set(Notification.objects.filter(read_at__isnull=True).values_list("pk", flat=True)) == {
        second.pk,
        third.pk,
    }
    client.post("/inbox/read-all/")
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_another_users_notice_is_a_404(cast: Any, client_for: Any) -> None:
    (notice,) = do_notify([cast.manager_b], subject="声乐系工作群超员", body="")
    client = client_for(cast.manager_a)
    assert client.get(f"/inbox/{notice.pk}/").status_code == 404
    assert client.post(f"/inbox/{notice.pk}/read/").status_code == 404
    assert "声乐系工作群超员" not in client.get("/inbox/").content.decode()
    notice.refresh_from_db()
    assert notice.read_at is None


def test_even_the_supervisor_cannot_read_anothers_inbox(cast: Any, client_for: Any) -> None:
    (notice,) = do_notify([cast.manager_b], subject="声乐系工作群超员", body="")
    assert client_for(cast.supervisor).get(f"/inbox/{notice.pk}/").status_code == 404


def test_mark_all_read_leaves_other_peoples_notices_alone(cast: Any, client_for: Any) -> None:
    do_notify([cast.manager_a, cast.manager_b], subject="三月填报开始", body="")
    client_for(cast.manager_a).post("/inbox/read-all/")
    assert Notification.objects.get(recipient=cast.manager_b).read_at is None


def test_saving_preferences_is_logged(cast: Any, client_for: Any) -> None:
    response = client_for(cast.manager_a).post(
        "/inbox/settings/",
        {"channels": ["email", "qq"], "email": "zuoqu@example.edu.cn", "qq": "123456789"},
    )
    assert response.status_code == 302
    pref = Preference.objects.get(user=cast.manager_a)
    assert pref.channels == ["inbox", "email", "qq"]
    entry = AuditLogEntry.objects.get(event_type=AuditEvent.NOTIFY_PREFERENCES_CHANGED)
    assert entry.summary == "修改通知设置：站内信、电子邮件、QQ私聊（经机器人）"


def test_a_bad_address_is_named_on_the_form(cast: Any, client_for: Any) -> None:
    page = (
        client_for(cast.manager_a)
        .post("/inbox/settings/", {"channels": ["wecom"], "wecom_webhook": "ftp://robot"})
        .content.decode()
    )
    assert "群机器人地址“ftp://robot”不是有效的 http(s) 网址" in page
    assert not Preference.objects.exists()


def test_a_chosen_channel_needs_an_address(cast: Any, client_for: Any) -> None:
    page = client_for(cast.manager_a).post("/inbox/settings/", {"channels": ["qq"]}).content.decode()
    assert "选择了“QQ私聊（经机器人）”，但未填写地址" in page


def test_the_preferences_page_says_which_channels_the_server_lacks(
    cast: Any, client_for: Any, settings: Any
) -> None:
    settings.EMAIL_HOST = ""
    page = client_for(cast.manager_a).get("/inbox/settings/").content.decode()
    assert 'name="channels" value="wecom"' in page
    assert 'value="inbox"' not in page  # the inbox is always on, not a choice
    assert "未配置邮件服务器（QUNGUAN_EMAIL_HOST）" in page
