"""Fingerprints without a platform message id begin with their UTC second.

``ChatRecord.fingerprint`` now writes, for a message without an id, the UTC second as 14 digits
(``20240902010005``) followed by the first 18 hex digits of the hash it wrote before, so the
unique index takes an export's messages at neighbouring places instead of random ones. This
rewrites the messages stored before the same way, from their time and their old fingerprint
alone: it works for messages whose text the retention purge has emptied too, and an export
imported again after the upgrade is still recognised. Messages with an id keep their fingerprint.

It cannot be undone (the old fingerprints' last 14 digits are not kept).
"""

from django.db import migrations

# One statement per database. The second is whole (a fraction is dropped, never rounded up):
# SQLite keeps the time as UTC text "YYYY-MM-DD HH:MM:SS[.ffffff]", whose first 19 characters
# are the second; PostgreSQL's SS is the whole second.
REWRITE = {
    "sqlite": (
        "UPDATE chats_chatmessage SET fingerprint = "
        "replace(replace(replace(replace(substr(sent_at, 1, 19), '-', ''), ' ', ''), 'T', ''), ':', '')"
        " || substr(fingerprint, 1, 18) WHERE message_id = ''"
    ),
    "postgresql": (
        "UPDATE chats_chatmessage SET fingerprint = "
        "to_char(sent_at AT TIME ZONE 'UTC', 'YYYYMMDDHH24MISS') || substr(fingerprint, 1, 18)"
        " WHERE message_id = ''"
    ),
}


def rewrite_fingerprints(connection) -> int:  # type: ignore[no-untyped-def]
    """Rewrite the stored fingerprints of messages without an id; return how many."""
    with connection.cursor() as cursor:
        cursor.execute(REWRITE[connection.vendor])
        return int(cursor.rowcount)


def forwards(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    rewrite_fingerprints(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("chats", "0009_finding_group_category")]

    operations = [migrations.RunPython(forwards, elidable=False)]
