"""上传聊天记录: a unit manager uploads chat exports on the web; each is imported in the request."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.chats.models import ChatMessage, ImportBatch
from qunguan.unregistered.models import UnregisteredGroup

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
GROUP_A = "600100200"


def _client(user):
    client = Client()
    client.force_login(user, backend=MODEL_BACKEND)
    return client


def _export(*lines, name="export.pipe"):
    return SimpleUploadedFile(name, ("\n".join(lines) + "\n").encode("utf-8"))


def test_an_upload_is_imported_and_the_result_shows_its_counts(cast, pipe_format):
    client = _client(cast.manager_a)
    first = _export(
        f"2024-09-02T09:00:05|{GROUP_A}|10001001|王建国|请各位老师周五前提交材料。|m1",
        f"2024-09-02T09:10:02|{GROUP_A}|10001004|赵四|我的身份证号是11010519491231002X|m2",
        "坏行",
        name="一月.pipe",
    )
    second = _export("2024-09-03T09:00:00|999888777|10001001|王建国|收到|x1", name="二月.pipe")
    response = client.post("/chats/upload/", {"exports": [first, second]})
    assert response.status_code == 200
    page = response.content.decode()
    batches = {b.file_name: b for b in ImportBatch.objects.all()}
    jan = batches["一月.pipe"]
    assert (jan.read, jan.stored, jan.duplicates, jan.rejected, jan.findings) == (2, 2, 0, 1, 1)
    assert jan.started_by == cast.manager_a
    assert f"/chats/imports/{jan.pk}/rejects/" in page
    assert "999888777（1 条）" in page
    assert ChatMessage.objects.filter(group=cast.group_a).count() == 2
    assert UnregisteredGroup.objects.get().unit == cast.composition
    assert (
        AuditLogEntry.objects.filter(event_type=AuditEvent.CHATS_IMPORTED, actor=cast.manager_a).count() == 2
    )
    rejects = client.get(f"/chats/imports/{jan.pk}/rejects/")
    assert rejects.status_code == 200
    assert "坏行" in b"".join(rejects.streaming_content).decode("utf-8")
    # Someone else's import's rejects are not theirs to read.
    assert _client(cast.manager_b).get(f"/chats/imports/{jan.pk}/rejects/").status_code == 404
    assert _client(cast.supervisor).get(f"/chats/imports/{jan.pk}/rejects/").status_code == 200


def test_uploading_the_same_file_again_reports_duplicates(cast, pipe_format):
    client = _client(cast.manager_a)
    line = f"2024-09-02T09:00:05|{GROUP_A}|10001001|王建国|收到|m1"
    client.post("/chats/upload/", {"exports": _export(line)})
    client.post("/chats/upload/", {"exports": _export(line)})
    again = ImportBatch.objects.order_by("pk").last()
    assert (again.stored, again.duplicates) == (0, 1)


def test_a_file_naming_no_group_is_bound_to_the_chosen_group(cast, pipe_format):
    client = _client(cast.manager_a)
    client.post(
        "/chats/upload/",
        {"exports": _export("2024-09-02T09:00:05||10001001|王建国|收到|m1"), "group": cast.group_a.pk},
    )
    assert ChatMessage.objects.get().group == cast.group_a


def test_the_group_choice_offers_only_the_managers_groups(cast, pipe_format):
    page = _client(cast.manager_a).get("/chats/upload/").content.decode()
    assert "作曲系教职工群" in page
    assert "声乐系工作群" not in page
    response = _client(cast.manager_a).post(
        "/chats/upload/", {"exports": _export("x|y|z|w|v"), "group": cast.group_b.pk}
    )
    assert (
        "选择一个有效的选项" in response.content.decode()
        or "Select a valid choice" in response.content.decode()
    )
    assert not ImportBatch.objects.exists()


def test_an_oversized_file_is_refused_with_the_limit(cast, pipe_format, settings):
    settings.QUNGUAN_CHAT_UPLOAD_MAX_BYTES = 100
    line = f"2024-09-02T09:00:05|{GROUP_A}|10001001|王建国|{'收到' * 50}|m1"
    page = (
        _client(cast.manager_a)
        .post("/chats/upload/", {"exports": _export(line, name="大.pipe")})
        .content.decode()
    )
    size = len((line + "\n").encode("utf-8"))
    assert (
        f"文件“大.pipe”有 {size} 字节，超过网页上传的上限 100 字节；请由管理员用 qunguan import 命令导入。"
        in page
    )
    assert not ImportBatch.objects.exists()


def test_an_unknown_format_is_named_on_the_result(cast, pipe_format):
    response = _client(cast.manager_a).post("/chats/upload/", {"exports": _export("你好", name="notes.bin")})
    page = response.content.decode()
    assert 'class="error" data-file="notes.bin"' in page
    assert not ChatMessage.objects.exists()


def test_only_unit_managers_and_the_supervisor_may_upload(cast):
    for user in (cast.head_a, cast.group_admin, cast.outsider):
        assert _client(user).get("/chats/upload/").status_code == 403
    for user in (cast.manager_a, cast.supervisor):
        assert _client(user).get("/chats/upload/").status_code == 200
