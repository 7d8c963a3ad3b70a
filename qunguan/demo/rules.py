"""A short management-rules document (群管理办法) for a demo group, as .docx bytes.

python-docx takes tens of milliseconds per document, too slow for sixty groups, so the
document is built once with placeholders and each group's copy only rewrites the text
inside ``word/document.xml``.
"""

from __future__ import annotations

import functools
import io
import zipfile
from xml.sax.saxutils import escape

from docx import Document

RULES = (
    "一、本群为工作群，只发布工作通知、活动安排及宣传教育信息，不闲聊与工作无关的内容。",
    "二、本群实行实名制，群名片统一为“姓名-单位/班级”，不接受不明身份人员加入。",
    "三、坚持“涉密信息不上网、上网信息不涉密”，不得发布涉密文件标题、文号及内容。",
    "四、不得发布师生身份证号、家庭住址、电话号码、出生日期等个人信息。",
    "五、管理员负责成员加入与移出、发布群公告、提醒和制止不当言论，严重违规及时上报。",
    "六、群主、管理员工作变动时，经所在单位批准后及时转交。",
)
_GROUP, _UNIT, _SCHOOL = "QGGROUPNAME", "QGUNITNAME", "QGSCHOOLNAME"
_BODY = "word/document.xml"


@functools.cache
def _template() -> bytes:
    doc = Document()
    doc.add_heading(f"“{_GROUP}”管理办法", level=1)
    doc.add_paragraph(f"根据《{_SCHOOL}加强校内各级各类社交群组规范管理办法》，{_UNIT}制定本群管理办法。")
    for line in RULES:
        doc.add_paragraph(line)
    doc.add_paragraph(f"{_UNIT}（演示数据，纯属虚构）")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def rules_docx(group_name: str, unit_name: str, school: str) -> bytes:
    """Return a one-page .docx with the rules of ``group_name`` (a fictional demo document)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(_template())) as src,
        zipfile.ZipFile(out, "w") as dst,
    ):
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == _BODY:
                text = data.decode("utf-8")
                for token, value in ((_GROUP, group_name), (_UNIT, unit_name), (_SCHOOL, school)):
                    text = text.replace(token, escape(value))
                data = text.encode("utf-8")
            # keep the template's timestamps (identical bytes on every run), fastest compression
            info = zipfile.ZipInfo(item.filename, date_time=item.date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, data, compresslevel=1)
    return out.getvalue()
