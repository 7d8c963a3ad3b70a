"""保密自查 in the web UI: a pasted text or a Word draft comes back with findings and a redacted copy."""

from __future__ import annotations

import io

import docx
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from qunguan.web.forms import SELFCHECK_TYPE_ERROR


def word_draft(*paragraphs: str) -> SimpleUploadedFile:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return SimpleUploadedFile("通知.docx", out.getvalue())


def test_group_admin_checks_a_pasted_notice(cast, client_for):
    text = "根据院党宣〔2024〕12号文件，请联系张老师 13800138000。"
    page = client_for(cast.group_admin).post(reverse("selfcheck"), {"text": text}).text
    assert "发现 2 处需要处理的内容" in page
    assert "文件文号" in page
    assert "电话号码" in page
    # The redacted copy hides the number; the page never echoes it outside the highlighted draft.
    assert "138****8000" in page


def test_a_word_draft_is_read_paragraph_by_paragraph(cast, client_for):
    upload = word_draft("关于期末考试安排的通知", "家庭住址：成都市武侯区人民南路四段12号3栋2单元501室")
    page = client_for(cast.manager_a).post(reverse("selfcheck"), {"document": upload}).text
    assert "家庭住址" in page
    assert "关于期末考试安排的通知" in page


def test_a_file_that_is_not_docx_is_refused_with_a_reason(cast, client_for):
    client = client_for(cast.manager_a)
    old_word = SimpleUploadedFile("通知.doc", b"\xd0\xcf\x11\xe0 old binary word file")
    assert str(SELFCHECK_TYPE_ERROR) in client.post(reverse("selfcheck"), {"document": old_word}).text
    renamed = SimpleUploadedFile("通知.docx", b"\xd0\xcf\x11\xe0 old binary word file")
    assert "无法读取该 Word 文档" in client.post(reverse("selfcheck"), {"document": renamed}).text


def test_a_clean_notice_says_so(cast, client_for):
    page = (
        client_for(cast.manager_a)
        .post(reverse("selfcheck"), {"text": "明天下午三点在302会议室开教研会。"})
        .text
    )
    assert "未发现涉密或个人信息" in page
