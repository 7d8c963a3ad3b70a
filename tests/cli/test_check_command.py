"""``qunguan check``: the registry checks as a table or JSON, scoped to a unit, with an exit status on demand."""

from __future__ import annotations

import json
import re

from qunguan.registry import actions

from .commands import qunguan, run_command

OVERSIZE_B = "现有 200 人，超过 150 人，未见负责人签批备案"


def cells(line: str) -> list[str]:
    return re.split(r"\s{2,}", line.strip())


def test_check_json_gives_kind_clause_group_unit_and_message_of_each_breach(cast):
    actions.do_update_group(None, cast.group_b, member_count=200)

    result = run_command("check", "--json", "--kind", "oversize")

    assert result.error is None
    assert json.loads(result.out) == [
        {
            "kind": "oversize",
            "clause": "3(2)",
            "title": "超过150人且无审批备案",
            "group": {
                "id": cast.group_b.pk,
                "platform": "wechat",
                "account": "wx-shengyue-001",
                "name": "声乐系工作群",
            },
            "unit": {"id": cast.vocal.pk, "name": "声乐系"},
            "message": OVERSIZE_B,
        }
    ]


def test_check_json_runs_every_check_over_every_group(cast):
    actions.do_update_group(None, cast.group_b, member_count=200)

    breaches = json.loads(run_command("check", "--json").out)

    assert sorted((b["kind"], b["group"]["id"]) for b in breaches) == sorted(
        [
            ("oversize", cast.group_b.pk),
            ("over_headcount", cast.group_b.pk),
            # the cast registers no group's rules document (管理办法)
            ("incomplete_registration", cast.group_a.pk),
            ("incomplete_registration", cast.group_b.pk),
        ]
    )
    missing_rules = next(b for b in breaches if b["group"]["id"] == cast.group_a.pk)
    assert (missing_rules["clause"], missing_rules["message"]) == ("1(1)", "缺少：管理办法")


def test_check_of_a_unit_covers_only_its_subtree(cast):
    actions.do_update_group(None, cast.group_b, member_count=200)

    by_name = json.loads(run_command("check", "--json", "--unit", "作曲系").out)
    by_id = json.loads(run_command("check", "--json", "--unit", str(cast.vocal.pk)).out)
    by_path = json.loads(run_command("check", "--json", "--unit", "四川示例音乐学院党委/声乐系").out)

    assert {b["group"]["id"] for b in by_name} == {cast.group_a.pk}
    assert {b["group"]["id"] for b in by_id} == {cast.group_b.pk}
    assert by_path == by_id


def test_check_of_an_unknown_unit_is_one_chinese_error(cast):
    result = run_command("check", "--unit", "美术系")

    assert result.error == "找不到单位“美术系”。"


def test_check_table_shows_clause_kind_group_unit_and_message(cast):
    actions.do_update_group(None, cast.group_b, member_count=200)

    result = run_command("check", "--kind", "oversize")

    lines = result.out.splitlines()
    assert cells(lines[0]) == ["条款", "类型", "群组", "单位", "说明"]
    assert cells(lines[2]) == [
        "3(2)",
        "oversize",
        "声乐系工作群（微信群 wx-shengyue-001）",
        "声乐系",
        f"超过150人且无审批备案：{OVERSIZE_B}",
    ]
    assert lines[-1] == "共 1 处违规，涉及 1 个群组（已检查 2 个群组）。"
    assert result.error is None


def test_check_without_breaches_says_how_many_groups_it_checked(cast):
    result = run_command("check", "--kind", "oversize", "--fail-on-breach")

    assert result.out.strip() == "未发现违规：已检查 2 个群组。"
    assert result.error is None


def test_check_fails_on_breach_only_when_asked(cast):
    actions.do_update_group(None, cast.group_b, member_count=200)

    assert run_command("check", "--kind", "oversize").error is None
    assert run_command("check", "--kind", "oversize", "--fail-on-breach").error == "发现 1 处违规。"


def test_check_leaves_dissolved_groups_out(cast):
    actions.do_update_group(None, cast.group_b, member_count=200)
    actions.do_dissolve_group(None, cast.group_b, on=cast.group_b.created_on)

    breaches = json.loads(run_command("check", "--json").out)

    assert {b["group"]["id"] for b in breaches} == {cast.group_a.pk}


def test_check_system_runs_djangos_system_checks(cast):
    result = run_command("check", "--system")

    assert result.error is None
    assert "System check identified no issues" in result.out
    assert "条款" not in result.out


def test_check_called_as_djangos_test_runner_does_runs_the_system_checks(db):
    # django.test.runner calls call_command("check", databases=...): it must keep working.
    result = run_command("check", databases=["default"])

    assert result.error is None
    assert "System check identified no issues" in result.out


def test_check_refuses_registry_options_with_system_options(db):
    result = run_command("check", "--deploy", "--json")

    assert (
        result.error
        == "--unit、--kind、--json、--fail-on-breach 只用于群组登记检查，不能与系统检查选项一起使用。"
    )


def test_qunguan_check_exits_1_on_breaches_only_with_fail_on_breach(demo_data_dir):
    listed = qunguan(demo_data_dir, "check", "--json")
    plain = qunguan(demo_data_dir, "check")
    failing = qunguan(demo_data_dir, "check", "--fail-on-breach")

    breaches = json.loads(listed.stdout)
    assert breaches, "the demo school has rule breaches"
    assert (listed.returncode, plain.returncode, failing.returncode) == (0, 0, 1)
    assert f"共 {len(breaches)} 处违规" in plain.stdout
    assert failing.stderr.strip() == f"CommandError: 发现 {len(breaches)} 处违规。"


def test_qunguan_check_deploy_still_runs_djangos_deployment_checks(data_dir):
    result = qunguan(data_dir, "check", "--deploy")

    assert result.returncode == 0, result.stderr
    assert "security.W" in result.stderr
    assert "条款" not in result.stdout
