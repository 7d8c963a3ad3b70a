"""``qunguan import-groups FILE``: import group registrations (群组登记) from a CSV or XLSX file."""

from __future__ import annotations

from qunguan.registry.management.importing import ImportCommand


class Command(ImportCommand):
    kind = "groups"
    help = (
        "从 CSV/XLSX 文件导入群组登记（列：平台、群号/账号、群名称、所属单位等）。"
        "按平台和群号新增或更新群组；任何一行有错误时不导入任何数据，并逐行列出错误。"
    )
