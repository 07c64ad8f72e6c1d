"""Hand-written SQL on the hottest paths, as server-side prepared statements on PostgreSQL.

Django binds parameters on the client (psycopg's ``ClientCursor``), so PostgreSQL parses and
plans every statement again. For most statements that costs little; for the few that run on
every request and join many tables (the person's roles, the diary's freshness stamp) the
planning is most of their time: 2–4 ms of planning for 0.2 ms of execution on the benchmark
machine (bench/README.md, "Prepared statements"). ``prepared()`` makes Django's own
connection hand its statements to a server-binding psycopg cursor with ``prepare=True`` for
the length of a ``with`` block (same transaction, same ``CaptureQueriesContext`` log):
PostgreSQL plans each statement once per connection, and after five executions keeps the
generic plan when it is not worse. ``fetch_all`` runs a hand-written statement that way; the
ORM's querysets use the block directly — the few on the hottest paths whose joins cost
PostgreSQL more to plan than to run (the lesson of a grade write, the class of a journal,
the places of a diary: 0.9–1.6 ms of planning for 0.2–0.4 ms of execution at district scale).

Only statements with equality on indexed columns belong here: a generic plan does not see
the parameters' values, so a range whose selectivity depends on them could get a bad plan.
Everything else stays with the ORM. On SQLite (development) it is an ordinary cursor.

The connection's automatic preparation stays off (``prepare_threshold`` is set so high in
settings that it is never reached): only the statements passed here are prepared.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection


@contextlib.contextmanager
def prepared() -> Iterator[None]:
    """The ORM's statements inside the block are bound on the server and prepared once per
    connection (psycopg keeps up to ``prepared_max`` of them, the least used go first).

    For querysets of equalities on keys only (see the module's docstring). Django compiles
    the same SQL for both kinds of binding; a parameter in a SELECT list without a type
    (``Value`` without ``output_field``) is what server-side binding cannot take, so the
    querysets wrapped here have none."""
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    raw = connection.connection
    previous = raw.cursor_factory
    raw.cursor_factory = _preparing_cursor()
    try:
        yield
    finally:
        raw.cursor_factory = previous


@functools.cache
def _preparing_cursor() -> type:
    from django.db.backends.postgresql import base

    class PreparingCursor(base.ServerBindingCursor):  # type: ignore[name-defined]
        def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
            kwargs["prepare"] = True
            result = super().execute(query, params, **kwargs)
            if connection.queries_logged:
                # psycopg keeps no text of a prepared statement; Django's log (DEBUG,
                # CaptureQueriesContext) shows it with its values, as for every other one.
                shown = connection.ops.compose_sql(query, params)  # type: ignore[attr-defined]
                self._query = _Shown(shown.encode())
            return result

    return PreparingCursor


class _Shown:
    """What Django's ``last_executed_query`` reads of a psycopg cursor (``_query.query``)."""

    params = None

    def __init__(self, query: bytes) -> None:
        self.query = query


def fetch_all(sql: str, params: Mapping[str, Any] | Sequence[Any]) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` (``%(name)s`` or ``%s`` placeholders), prepared once per connection
    (through Django's own cursor, so it is logged and wrapped like the ORM's queries)."""
    with prepared(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def count_each(querysets: Sequence[Any]) -> list[int]:
    """``COUNT(*)`` of each queryset in one round trip (the header's badges on every page).

    The querysets keep their filters (they come from ``visible_to`` and the access engine);
    only their row counts are asked for, each as a scalar subquery of one prepared statement.
    """
    parts: list[str] = []
    params: list[Any] = []
    for n, queryset in enumerate(querysets):
        try:
            inner, inner_params = queryset.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:  # a filter that matches nothing (a person with no role)
            parts.append("0")
            continue
        parts.append(f"(SELECT COUNT(*) FROM ({inner}) AS c{n})")  # noqa: S608 (ORM SQL)
        params.extend(inner_params)
    row = fetch_all("SELECT " + ", ".join(parts), params)[0]
    return [int(v) for v in row]
