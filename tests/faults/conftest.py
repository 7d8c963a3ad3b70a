"""The fault specs run against a real installation: the operations specs' data directory and database.

SQLite in the data directory, or a PostgreSQL database of its own when the suite runs under
``scripts/with_postgres.py`` (see ``tests/ops/conftest.py``).
"""

from tests.ops.conftest import _template, installation

__all__ = ["_template", "installation"]
