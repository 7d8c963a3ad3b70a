"""Fingerprints without a platform message id begin with their UTC second.

``ChatRecord.fingerprint`` now writes, for a message without an id, the UTC second since 1970 as
8 hex digits followed by the first 24 digits of the hash it wrote before (``time_prefix``). So the
unique index takes an export's messages at neighbouring places instead of random ones. This
rewrites the messages stored before the same way, from their time and their old fingerprint
alone, so it works for messages whose text the retention purge has emptied too, and an export
imported again after the upgrade is still recognised. Messages with an id keep their fingerprint.

It cannot be undone (the old fingerprints' last 8 digits are not kept).
"""

from django.db import migrations

# One statement per database; the prefix is what ``time_prefix`` computes: whole seconds (the
# fraction dropped), held to 0 … 0xffffffff. SQLite keeps the time as UTC text
# "YYYY-MM-DD HH:MM:SS[.ffffff]": its first 19 characters are the whole second (strftime would
# round a fraction).
REWRITE = {
    "sqlite": (
        "UPDATE chats_chatmessage SET fingerprint = printf('%08x', max(0, min("
        "CAST(strftime('%s', substr(sent_at, 1, 19)) AS INTEGER), 4294967295)))"
        " || substr(fingerprint, 1, 24) WHERE message_id = ''"
    ),
    "postgresql": (
        "UPDATE chats_chatmessage SET fingerprint = lpad(to_hex(GREATEST(0, LEAST("
        "floor(extract(epoch FROM sent_at))::bigint, 4294967295))), 8, '0')"
        " || substr(fingerprint, 1, 24) WHERE message_id = ''"
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
