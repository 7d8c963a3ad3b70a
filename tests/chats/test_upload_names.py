"""上传聊天记录: a file name sent with a path is refused with a Chinese error naming it; nothing is imported."""

from __future__ import annotations

import html

import pytest
from django.test import Client

from qunguan.chats.models import ChatMessage, ImportBatch
from qunguan.web.upload_names import has_path

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
EXPORT = (
    "time,group,sender_id,sender_name,text,message_id,platform\n"
    "2024-09-02 09:00:05,600100200,10001001,王建国,请各位老师周五前提交材料。,m1,qq\n"
).encode()
BOUNDARY = "qunguan-upload-boundary-51c2"


def multipart(files: list[tuple[str, bytes]], fields: dict[str, str]) -> tuple[bytes, str]:
    """Return a multipart body as a script would send it (Django's test client strips paths itself)."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    for name, content in files:
        parts.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="exports"; filename="{name}"\r\n'
            "Content-Type: text/csv\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={BOUNDARY}"


def post(user, files: list[tuple[str, bytes]]):
    # CSRF enforced, as in a browser: the CSRF check reads the form before the view does.
    client = Client(enforce_csrf_checks=True)
    client.force_login(user, backend=MODEL_BACKEND)
    client.get("/chats/upload/")
    token = client.cookies["csrftoken"].value
    body, content_type = multipart(files, {"csrfmiddlewaretoken": token})
    return client.post("/chats/upload/", data=body, content_type=content_type)


@pytest.mark.parametrize(
    "name",
    [
        "../../../../etc/cron.d/export.csv",
        "..\\..\\export.csv",
        "/tmp/export.csv",
        "C:\\Users\\王老师\\export.csv",
        "....//....//export.csv",
        "..",
    ],
)
def test_a_name_with_a_path_is_refused_naming_the_file(cast, settings, tmp_path, name):
    settings.DATA_DIR = tmp_path / "data"
    response = post(cast.manager_a, [(name, EXPORT)])
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert f"文件名“{name}”含有路径（“../”、以“/”开头的绝对路径、反斜杠或盘符），未导入任何文件" in page
    assert not ImportBatch.objects.exists()
    assert not ChatMessage.objects.exists()


def test_one_bad_name_stops_the_whole_upload(cast, settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    response = post(cast.manager_a, [("一月.csv", EXPORT), ("../二月.csv", EXPORT)])
    assert "文件名“../二月.csv”含有路径" in html.unescape(response.content.decode())
    assert not ImportBatch.objects.exists()


def test_a_plain_name_is_imported(cast, settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    response = post(cast.manager_a, [("作曲系 九月.csv", EXPORT)])
    assert "含有路径" not in response.content.decode()
    assert ImportBatch.objects.get().file_name.endswith(".csv")
    assert ChatMessage.objects.get().group == cast.group_a


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("export.csv", False),
        ("九月..记录.csv", False),
        ("a/b.csv", True),
        ("a\\b.csv", True),
        ("D:x.csv", True),
        (".", True),
    ],
)
def test_what_counts_as_a_path(name, expected):
    assert has_path(name) is expected
