"""``qunguan check``: the registry checks (规则检查) over every group, or one unit's subtree.

This command replaces Django's own ``check`` (a project app's command wins over a core one).
Django's system checks stay one option away: ``--system``, ``--deploy``, ``--tag``, ``--list-tags``,
``--fail-level``, ``--database`` or app labels run them exactly as Django's command does, so
``qunguan check --deploy`` and Django's test runner (``call_command("check", databases=...)``)
behave as before.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.core.management.commands.check import Command as SystemCheckCommand
from django.db import connections
from django.db.models import QuerySet

from qunguan.registry.checks import CHECKS, Breach, run_checks
from qunguan.registry.imports.base import UnitResolver
from qunguan.registry.imports.values import BadValue
from qunguan.registry.models import Group, GroupStatus, Unit
from qunguan.unregistered.models import UnregisteredGroup

FAIL_LEVELS = ["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"]


class Command(SystemCheckCommand):
    help = (
        "按管理办法检查群组登记，列出每一处违规（条款、类型、群组、单位、说明）。"
        "--json 输出机器可读结果；--fail-on-breach 在有违规时以状态 1 退出。"
        "--system 或 --deploy 改为运行 Django 的系统检查（部署前检查配置）。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        registry = parser.add_argument_group("群组登记检查（默认）")
        registry.add_argument(
            "--unit", metavar="UNIT", help="只检查该单位及其下级单位的群组：单位 id、名称或“上级/下级”路径"
        )
        registry.add_argument(
            "--kind",
            action="append",
            dest="kinds",
            choices=sorted(CHECKS),
            metavar="KIND",
            help=f"只运行该项检查，可重复使用；可选：{', '.join(sorted(CHECKS))}",
        )
        registry.add_argument("--json", action="store_true", help="输出 JSON 数组，每处违规一个对象")
        registry.add_argument(
            "--fail-on-breach", action="store_true", help="发现违规时以状态 1 退出（用于定时任务和脚本）"
        )
        # The options of Django's check command, same names and destinations, so that
        # SystemCheckCommand.handle runs them unchanged.
        system = parser.add_argument_group("Django 系统检查")
        system.add_argument(
            "--system", action="store_true", help="运行 Django 的系统检查，而不是群组登记检查"
        )
        system.add_argument("args", metavar="app_label", nargs="*", help="只对这些应用运行系统检查")
        system.add_argument("--tag", "-t", action="append", dest="tags", help="只运行带该标签的系统检查")
        system.add_argument("--list-tags", action="store_true", help="列出系统检查的标签")
        system.add_argument("--deploy", action="store_true", help="检查部署配置（HTTPS、Cookie、密钥等）")
        system.add_argument(
            "--fail-level", choices=FAIL_LEVELS, help="系统检查达到该级别时以非零状态退出（默认 ERROR）"
        )
        system.add_argument(
            "--database",
            action="append",
            choices=tuple(connections),
            dest="databases",
            help="对这些数据库运行与数据库相关的系统检查",
        )

    def handle(self, *app_labels: Any, **options: Any) -> None:
        system = (
            options["system"]
            or options["deploy"]
            or options["list_tags"]
            or options["tags"]
            or app_labels
            or options["fail_level"] is not None
            or options["databases"] is not None
        )
        if system:
            if options["unit"] or options["kinds"] or options["json"] or options["fail_on_breach"]:
                raise CommandError(
                    "--unit、--kind、--json、--fail-on-breach 只用于群组登记检查，不能与系统检查选项一起使用。"
                )
            options["fail_level"] = options["fail_level"] or "ERROR"
            super().handle(*app_labels, **options)
            return
        groups: QuerySet[Group] = Group.objects.all()
        # Unregistered groups: every open one, or with --unit those attributed to the subtree.
        unregistered = UnregisteredGroup.objects.all()
        if options["unit"]:
            unit = find_unit(options["unit"])
            groups = groups.filter(unit__path__startswith=unit.path)
            unregistered = unregistered.filter(unit__path__startswith=unit.path)
        breaches = run_checks(groups, kinds=options["kinds"], unregistered=unregistered)
        if options["json"]:
            self.stdout.write(json.dumps(breaches_json(breaches), ensure_ascii=False, indent=2))
        else:
            checked = groups.exclude(status=GroupStatus.DISSOLVED).count()
            self.write_table(breaches, checked)
        if breaches and options["fail_on_breach"]:
            raise CommandError(f"发现 {len(breaches)} 处违规。")

    def write_table(self, breaches: Sequence[Breach], checked: int) -> None:
        if not breaches:
            self.stdout.write(self.style.SUCCESS(f"未发现违规：已检查 {checked} 个群组。"))
            return
        names = {
            g.pk: f"{g.name}（{g.get_platform_display()} {g.account}）" for g in _groups(breaches).values()
        }
        rows = [("条款", "类型", "群组", "单位", "说明")]
        rows += [
            (b.clause, b.kind, names.get(b.group_id, b.group_name), b.unit_name, f"{b.title}：{b.detail}")
            for b in breaches
        ]
        widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
        for n, row in enumerate(rows):
            cells = [_pad(cell, width) for cell, width in zip(row, widths, strict=False)]
            self.stdout.write("  ".join([*cells, row[-1]]))
            if n == 0:
                self.stdout.write("  ".join("-" * w for w in [*widths, _width(row[-1])]))
        affected = len({(b.group_id, b.unregistered_id) for b in breaches})
        self.stdout.write("")
        self.stdout.write(
            self.style.WARNING(
                f"共 {len(breaches)} 处违规，涉及 {affected} 个群组（已检查 {checked} 个群组）。"
            )
        )


def find_unit(value: str) -> Unit:
    """Return the unit named by an id, a name or a path of names (作曲系/作曲2023级1班); raise CommandError."""
    if value.strip().isdigit():
        unit = Unit.objects.filter(pk=int(value)).first()
        if unit is not None:
            return unit
    try:
        return UnitResolver(None).resolve(value)
    except BadValue as exc:
        raise CommandError(f"{exc}。") from None


def breaches_json(breaches: Sequence[Breach]) -> list[dict[str, Any]]:
    """Return the breaches as JSON data, one object per breach (the shape of ``check --json``).

    Every breach has the same keys, except that one about an unregistered group (kind
    ``unregistered_group``) adds ``unregistered``, the id of the record to resolve, and has
    ``group.id`` null with the platform and account as seen; its ``unit.id`` is null when it is
    attributed to no unit.
    """
    groups = _groups(breaches)
    out = []
    for b in breaches:
        group = groups.get(b.group_id)
        item: dict[str, Any] = {
            "kind": b.kind,
            "clause": b.clause,
            "title": b.title,
            "group": {
                "id": b.group_id or None,
                "platform": group.platform if group else (b.platform or None),
                "account": group.account if group else (b.account or None),
                "name": b.group_name,
            },
            "unit": {"id": b.unit_id, "name": b.unit_name},
            "message": b.detail,
        }
        if b.unregistered_id is not None:
            item["unregistered"] = b.unregistered_id
        out.append(item)
    return out


def _groups(breaches: Sequence[Breach]) -> dict[int, Group]:
    return Group.objects.in_bulk({b.group_id for b in breaches if b.group_id})


def _width(text: str) -> int:
    """Return the display width of ``text`` in a terminal (wide CJK characters take two columns)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
