"""The hot statements prepared on the server (``parta.core.sql``, ADR 0011 and 0015)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parta.accounts.models import User
from parta.core import sql
from parta.factories import UserFactory

pytestmark = pytest.mark.django_db


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="server-side preparation")
def test_querysets_in_prepared_run_as_prepared_statements_with_the_same_rows() -> None:
    people = [UserFactory(last_name=f"Иванов{n}") for n in range(3)]
    wanted = [p.pk for p in people[:2]]

    def rows() -> list[tuple[int, str]]:
        return list(
            User.objects.filter(pk__in=wanted, is_active=True)
            .order_by("pk")
            .values_list("pk", "last_name")
        )

    plain = rows()
    assert not any("accounts_user" in s for s in _prepared_statements())
    with CaptureQueriesContext(connection) as logged, sql.prepared():
        first = rows()
        again = rows()
    assert first == again == plain == [(p.pk, p.last_name) for p in people[:2]]
    # Prepared on the server, once for both runs, with $n parameters.
    statements = [s for s in _prepared_statements() if "accounts_user" in s]
    assert len(statements) == 1 and "$1" in statements[0]
    # The query log shows each run with its values, as for an ordinary statement.
    assert len(logged) == 2
    assert all(str(wanted[0]) in q["sql"] and "$1" not in q["sql"] for q in logged)
    # Outside the block the ORM binds on the client again.
    with CaptureQueriesContext(connection):
        assert rows() == plain
    assert len([s for s in _prepared_statements() if "accounts_user" in s]) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="server-side preparation")
def test_fetch_all_prepares_a_hand_written_statement_and_logs_it_with_its_values() -> None:
    person = UserFactory(last_name="Петрова")
    statement = "SELECT last_name FROM accounts_user WHERE id = %(person)s"
    with CaptureQueriesContext(connection) as logged:
        first = sql.fetch_all(statement, {"person": person.pk})
        again = sql.fetch_all(statement, {"person": person.pk})
    assert first == again == [("Петрова",)]
    assert [s for s in _prepared_statements() if "last_name FROM accounts_user" in s] == [
        "SELECT last_name FROM accounts_user WHERE id = $1"
    ]
    assert [q["sql"] for q in logged] == [statement % {"person": person.pk}] * 2
