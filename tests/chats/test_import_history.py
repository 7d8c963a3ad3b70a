"""导入记录: the upload page lists the imports a user may see, with their state, counts and rejects.

The supervisor sees every import (uploads and ``qunguan import`` runs); a liaison sees the imports
they ran and those bound to a group they see; only the one who ran an import (and the supervisor)
may download its rejects file, whose raw lines may hold personal data.
"""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse

from qunguan.chats.actions import do_import_chat_file
from qunguan.chats.models import ImportBatch, ImportState

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
GROUP_A = "600100200"
GROUP_B = "wechat:wx-shengyue-001"


def client_for(user):
    client = Client()
    client.force_login(user, backend=MODEL_BACKEND)
    return client


def history_ids(page: str) -> list[int]:
    return [int(x) for x in re.findall(r'data-batch="(\d+)"', page)]


def lines(group: str, tag: str) -> list[str]:
    return [
        f"2024-09-02T09:00:0{i}|{group}|1000100{i}|老师{i}|请各位老师周五前提交材料{tag}{i}|{tag}-{i}"
        for i in range(3)
    ] + ["这一行没有分隔符"]


def test_each_role_sees_the_imports_in_its_scope_newest_first(cast, chat_file, chat_data_dir, pipe_format):
    by_cli = do_import_chat_file(None, chat_file(*lines(GROUP_A, "cli"))).batch
    own = do_import_chat_file(cast.manager_a, chat_file(*lines(GROUP_A, "own"))).batch
    bound = do_import_chat_file(None, chat_file(*lines("", "bound")), group=cast.group_b).batch
    other = do_import_chat_file(cast.manager_b, chat_file(*lines(GROUP_B, "other"))).batch

    url = reverse("chat_upload")
    assert history_ids(client_for(cast.supervisor).get(url).text) == [other.pk, bound.pk, own.pk, by_cli.pk]
    assert history_ids(client_for(cast.manager_a).get(url).text) == [own.pk]
    # 声乐系's liaison: the import they ran, and the one bound to their group by the operator.
    assert history_ids(client_for(cast.manager_b).get(url).text) == [other.pk, bound.pk]


def test_a_row_says_what_happened_and_only_the_importer_gets_the_rejects(
    cast, chat_file, chat_data_dir, pipe_format
):
    batch = do_import_chat_file(cast.manager_a, chat_file(*lines(GROUP_A, "r"))).batch
    assert (batch.read, batch.stored, batch.rejected) == (3, 3, 1)
    rejects = reverse("chat_import_rejects", args=[batch.pk])

    page = client_for(cast.manager_a).get(reverse("chat_upload")).text
    row = re.search(rf'<tr data-batch="{batch.pk}".*?</tr>', page, re.DOTALL)
    assert row is not None
    cells = re.sub(r"<[^>]+>", "|", row.group(0))
    assert "已完成" in cells
    assert batch.file_name in cells
    assert rejects in row.group(0)

    supervisor_page = client_for(cast.supervisor).get(reverse("chat_upload")).text
    assert rejects in supervisor_page
    # A colleague who sees the group (the unit head of 作曲系) sees no import they did not run.
    assert client_for(cast.head_a).get(rejects).status_code in (403, 404)


def test_an_interrupted_import_shows_as_failed_with_its_reason(cast, chat_file, chat_data_dir, pipe_format):
    batch = do_import_chat_file(cast.manager_a, chat_file(*lines(GROUP_A, "x"))).batch
    ImportBatch.objects.filter(pk=batch.pk).update(state=ImportState.FAILED, error="导入进程意外终止")
    page = client_for(cast.manager_a).get(reverse("chat_upload")).text
    row = re.search(rf'<tr data-batch="{batch.pk}" class="error">.*?</tr>', page, re.DOTALL)
    assert row is not None
    assert "失败" in row.group(0)
    assert "导入进程意外终止" in row.group(0)


def test_the_history_pages_twenty_at_a_time(cast, chat_file, chat_data_dir, pipe_format):
    for n in range(21):
        do_import_chat_file(
            cast.manager_a, chat_file(f"2024-09-02T09:00:00|{GROUP_A}|10001001|王|第{n}条|p-{n}")
        )
    client = client_for(cast.manager_a)
    first = client.get(reverse("chat_upload")).text
    assert len(history_ids(first)) == 20
    assert "共 21 条" in first
    assert len(history_ids(client.get(reverse("chat_upload"), {"page": 2}).text)) == 1
