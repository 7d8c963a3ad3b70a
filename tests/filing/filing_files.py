"""Reading the exported filing forms back: both formats into one shape, so specs run on each."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from docx import Document
from openpyxl import load_workbook

from qunguan.registry import actions
from qunguan.registry.models import Group

FIELDS = [
    "群聊类别",
    "名称",
    "账号",
    "创建者及联系方式",
    "管理员及联系方式",
    "主要功能或用途",
    "创建时间",
    "现有人数",
    "是否正常运行",
    "是否建立管理办法",
]


@dataclass
class ReadForm:
    """What a person reads on the printed form."""

    texts: list[str]  # every line outside the tables, in order
    blocks: list[list[list[str]]]  # each table (first and 续表) as rows of cell texts

    @property
    def columns(self) -> list[dict[str, str]]:
        """Every group column of every block, as {field label: cell text}, left to right."""
        out = []
        for rows in self.blocks:
            labels = [r[0] for r in rows]
            for j in range(1, len(rows[0])):
                out.append({label: rows[i][j] for i, label in enumerate(labels)})
        return out

    @property
    def headings(self) -> list[str]:
        return [c["群聊类别"] for c in self.columns]

    def column(self, heading: str) -> dict[str, str]:
        [col] = [c for c in self.columns if c["群聊类别"].split("\n")[0] == heading]
        return col

    def column_named(self, name: str) -> dict[str, str]:
        [col] = [c for c in self.columns if c["名称"] == name]
        return col


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def read_xlsx(content: bytes) -> ReadForm:
    ws = load_workbook(io.BytesIO(content)).active
    rows = [[_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
    texts: list[str] = []
    blocks: list[list[list[str]]] = []
    i = 0
    while i < len(rows):
        if rows[i][0] == FIELDS[0]:
            block = rows[i : i + len(FIELDS)]
            width = max(j for j, v in enumerate(block[0]) if v) + 1
            blocks.append([r[:width] for r in block])
            i += len(FIELDS)
            continue
        texts += [v for v in rows[i] if v]
        i += 1
    return ReadForm(texts=texts, blocks=blocks)


def read_docx(content: bytes) -> ReadForm:
    doc = Document(io.BytesIO(content))
    texts = [p.text for p in doc.paragraphs if p.text.strip()]
    blocks = [[[c.text for c in row.cells] for row in table.rows] for table in doc.tables]
    return ReadForm(texts=texts, blocks=blocks)


READERS = {"xlsx": read_xlsx, "docx": read_docx}


def read_form(fmt: str, content: bytes) -> ReadForm:
    return READERS[fmt](content)


def add_group(cast: Any, *, platform: str, account: str, name: str, unit: Any = None, **extra: Any) -> Group:
    """Register a group as the supervisor (through the action, like every spec's set-up)."""
    data: dict[str, Any] = {
        "platform": platform,
        "account": account,
        "name": name,
        "unit": unit or cast.composition,
        "member_scope": "作曲系教职工",
        "purpose": "工作通知",
        "owner": cast.teacher_a,
        "admins": [cast.teacher_a],
        "member_count": 20,
        **extra,
    }
    return actions.do_register_group(cast.supervisor, **data)
