"""``qunguan import-roster FILE``: import the roster (花名册) from a CSV or XLSX file."""

from __future__ import annotations

from qunguan.registry.management.importing import ImportCommand


class Command(ImportCommand):
    kind = "roster"
    help = (
        "从 CSV/XLSX 文件导入花名册（列：工号/学号、姓名、类别、单位/班级，可选 联系电话、邮箱、在校/在岗）。"
        "按工号/学号新增或更新人员；任何一行有错误时不导入任何数据，并逐行列出错误。"
    )
