"""The ``qunguan`` console script: a listed, described command for everything, clear errors otherwise."""

from __future__ import annotations

import pytest
from django.core.management import get_commands, load_command_class

from qunguan.cli import ALIASES, AUDIT_ONLY, COMMANDS

from .commands import qunguan

OWNERS = {
    "serve": "qunguan.web",
    "import-roster": "qunguan.registry",
    "import-groups": "qunguan.registry",
    "check": "qunguan.registry",
    "verify-log": "qunguan.auditlog",
}


def test_help_lists_every_command_with_its_description(tmp_path):
    result = qunguan(tmp_path, "--help")

    assert result.returncode == 0
    for name, text in COMMANDS.items():
        assert f"  {name:<16}{text}" in result.stdout.splitlines()


def test_without_a_command_it_prints_the_usage_and_exits_2(tmp_path):
    result = qunguan(tmp_path)

    assert result.returncode == 2
    assert result.stdout.startswith("用法: qunguan <命令> [参数]")


def test_every_project_command_is_listed_in_the_help(db):
    public = {module: name for name, module in ALIASES.items()}
    ours = {
        public.get(name, name.replace("_", "-"))
        for name, app in get_commands().items()
        if app.startswith("qunguan.")
    }

    assert ours - set(COMMANDS) == set()


@pytest.mark.parametrize("name", sorted(set(COMMANDS) - AUDIT_ONLY))
def test_every_listed_command_exists(db, name):
    assert ALIASES.get(name, name.replace("-", "_")) in get_commands()


@pytest.mark.parametrize(("name", "app"), sorted(OWNERS.items()))
def test_project_commands_are_the_ones_qunguan_runs(db, name, app):
    assert get_commands()[name.replace("-", "_")] == app


@pytest.mark.parametrize(("name", "app"), sorted(OWNERS.items()))
def test_each_command_explains_itself_in_chinese(tmp_path, name, app):
    result = qunguan(tmp_path, name, "--help")

    description = load_command_class(app, name.replace("-", "_")).help
    assert result.returncode == 0, result.stderr
    # argparse wraps the description; compare without the line breaks it adds
    assert "".join(description.split()) in "".join(result.stdout.split())


def test_help_before_a_command_shows_that_commands_help(tmp_path):
    assert qunguan(tmp_path, "help", "verify-log").stdout == qunguan(tmp_path, "verify-log", "--help").stdout


def test_an_unknown_command_is_one_chinese_line_and_exit_status_2(tmp_path):
    typo = qunguan(tmp_path, "chek")
    unknown = qunguan(tmp_path, "frobnicate")

    assert (typo.returncode, typo.stdout) == (2, "")
    assert typo.stderr == "未知命令“chek”。您是否要运行 qunguan check？运行 qunguan --help 查看所有命令。\n"
    assert (unknown.returncode, unknown.stderr) == (
        2,
        "未知命令“frobnicate”。运行 qunguan --help 查看所有命令。\n",
    )


def test_a_bad_setting_is_one_line_not_a_traceback(tmp_path):
    result = qunguan(tmp_path, "check", QUNGUAN_PROFILE="testing")

    assert result.returncode == 1
    assert result.stderr == "配置有误：QUNGUAN_PROFILE='testing': expected 'embedded' or 'production'\n"
