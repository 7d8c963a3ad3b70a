"""Full-text index over stored messages (消息检索), one per database backend.

SQLite: an FTS5 table with the trigram tokenizer (Chinese has no spaces between words, so
trigrams index every three characters), kept in step with ``chats_chatmessage`` by triggers.
PostgreSQL: the ``pg_trgm`` extension and a trigram GIN index on the text, which ``ILIKE``
queries use. ``qunguan.chats.searchindex`` holds the SQL; a later migration that makes SQLite remake
``chats_chatmessage`` drops its triggers and must call ``search.install_index`` again.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from qunguan.chats import searchindex as search

    search.install_index(schema_editor)


def backwards(apps, schema_editor):
    from qunguan.chats import searchindex as search

    search.remove_index(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("chats", "0003_moderation")]

    operations = [migrations.RunPython(forwards, backwards)]
