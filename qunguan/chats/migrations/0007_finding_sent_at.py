"""Findings carry their message's ``sent_at``; the review queue's indexes cover its whole order.

The field is added empty, filled from the messages in one ``UPDATE … SET sent_at = (SELECT …)``
(a correlated subquery both SQLite and PostgreSQL run in one pass), then made required.
"""

from typing import Any

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_sent_at(apps: Any, schema_editor: Any) -> None:
    Finding = apps.get_model("chats", "Finding")
    ChatMessage = apps.get_model("chats", "ChatMessage")
    sent_at = ChatMessage.objects.filter(pk=OuterRef("message_id")).values("sent_at")[:1]
    Finding.objects.using(schema_editor.connection.alias).update(sent_at=Subquery(sent_at))


class Migration(migrations.Migration):
    dependencies = [
        ("chats", "0006_importbatch_heartbeat"),
    ]

    operations = [
        migrations.AddField(
            model_name="finding",
            name="sent_at",
            field=models.DateTimeField(null=True, verbose_name="发送时间"),
        ),
        migrations.RunPython(fill_sent_at, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="finding",
            name="sent_at",
            field=models.DateTimeField(verbose_name="发送时间"),
        ),
        migrations.RemoveIndex(
            model_name="finding",
            name="chats_findi_status_254b6d_idx",
        ),
        migrations.RemoveIndex(
            model_name="finding",
            name="chats_findi_group_i_24c11b_idx",
        ),
        migrations.RemoveIndex(
            model_name="finding",
            name="chats_findi_categor_88e7b3_idx",
        ),
        migrations.AddIndex(
            model_name="finding",
            index=models.Index(
                fields=["category", "severity", "sent_at", "id"], name="chats_finding_category_queue"
            ),
        ),
        migrations.AddIndex(
            model_name="finding",
            index=models.Index(
                fields=["group", "status", "severity", "sent_at", "id"], name="chats_finding_group_queue"
            ),
        ),
        migrations.AddIndex(
            model_name="finding",
            index=models.Index(fields=["status", "severity", "sent_at", "id"], name="chats_finding_queue"),
        ),
    ]
