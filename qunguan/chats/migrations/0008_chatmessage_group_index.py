"""Messages lose the index on ``group`` alone: the (group, sent_at) index serves the same lookups.

Only the index is dropped (and made again on the way back). Django's own ``AlterField`` would
remake the whole message table on SQLite — a copy of every stored message, and the message
search index's triggers dropped with it — for what is one ``DROP INDEX`` on either backend.
"""

from typing import Any

from django.db import migrations, models


def _group_indexes(schema_editor: Any, model: Any) -> list[str]:
    """Return the names of the plain indexes on ``group_id`` alone of ``model``'s table."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return sorted(
        name
        for name, info in constraints.items()
        if info["index"]
        and not info["unique"]
        and not info["primary_key"]
        and info["columns"] == [model._meta.get_field("group").column]
    )


def drop_group_index(apps: Any, schema_editor: Any) -> None:
    ChatMessage = apps.get_model("chats", "ChatMessage")
    for name in _group_indexes(schema_editor, ChatMessage):
        schema_editor.execute(schema_editor._delete_index_sql(ChatMessage, name))


def make_group_index(apps: Any, schema_editor: Any) -> None:
    ChatMessage = apps.get_model("chats", "ChatMessage")
    if not _group_indexes(schema_editor, ChatMessage):
        field = ChatMessage._meta.get_field("group")
        schema_editor.execute(schema_editor._create_index_sql(ChatMessage, fields=[field]))


class Migration(migrations.Migration):
    dependencies = [("chats", "0007_finding_sent_at")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="chatmessage",
                    name="group",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=models.deletion.PROTECT,
                        related_name="messages",
                        to="registry.group",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_group_index, make_group_index)],
        ),
    ]
