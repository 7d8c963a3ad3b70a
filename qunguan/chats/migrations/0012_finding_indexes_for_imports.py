# The findings' own indexes on ``group`` and ``handled_by`` go (the first is the head of two queue
# indexes; the second becomes a partial index of handled findings): an import writes two index
# entries less per finding. Only the state changes the fields; the database drops the two indexes
# by name, the same on SQLite and PostgreSQL, instead of Django rebuilding the table on SQLite.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

DROP = 'DROP INDEX IF EXISTS "{}"'
CREATE = 'CREATE INDEX IF NOT EXISTS "{}" ON "chats_finding" ("{}")'


class Migration(migrations.Migration):
    dependencies = [
        ("chats", "0011_chatmessage_unbound_account_index"),
        ("registry", "0003_group_dissolution_evidence"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="finding",
                    name="group",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="findings",
                        to="registry.group",
                    ),
                ),
                migrations.AlterField(
                    model_name="finding",
                    name="handled_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="处理人",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    DROP.format("chats_finding_group_id_1778ffb6"),
                    CREATE.format("chats_finding_group_id_1778ffb6", "group_id"),
                ),
                migrations.RunSQL(
                    DROP.format("chats_finding_handled_by_id_ed80be4b"),
                    CREATE.format("chats_finding_handled_by_id_ed80be4b", "handled_by_id"),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="finding",
            index=models.Index(
                condition=models.Q(("handled_by__isnull", False)), fields=["handled_by"], name="chats_finding_handled_by"
            ),
        ),
    ]
