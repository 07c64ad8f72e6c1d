"""The one sanctioned way to delete journal history: when a whole data set goes (JRN-7).

The database refuses UPDATE and DELETE on ``journal_markchange`` (migration 0002). Deleting a
generated region or resetting the demo removes its history in one statement here, with the
guard lifted only inside that transaction.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction

_SQLITE_TRIGGERS = [
    """CREATE TRIGGER journal_markchange_no_update BEFORE UPDATE ON journal_markchange
    BEGIN SELECT RAISE(ABORT, 'journal history is append-only (JRN-7)'); END;""",
    """CREATE TRIGGER journal_markchange_no_delete BEFORE DELETE ON journal_markchange
    BEGIN SELECT RAISE(ABORT, 'journal history is append-only (JRN-7)'); END;""",
]


def history_purge(where: str, params: list[Any]) -> int:
    """Delete the history rows matching the SQL condition ``where``; return how many."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL parta.history_purge = 'on'")
        elif connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER IF EXISTS journal_markchange_no_update")
            cursor.execute("DROP TRIGGER IF EXISTS journal_markchange_no_delete")
        cursor.execute(f"DELETE FROM journal_markchange WHERE {where}", params)  # noqa: S608
        deleted = cursor.rowcount
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL parta.history_purge = 'off'")
        elif connection.vendor == "sqlite":
            for sql in _SQLITE_TRIGGERS:
                cursor.execute(sql)
    return deleted
