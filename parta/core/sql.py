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

``Baked`` goes one step further for the same few querysets: Django builds and compiles a
queryset to SQL on every evaluation, and for a wide ``select_related`` behind an access
policy that costs more than PostgreSQL's part (the grade write's lesson: 1.1 ms to build,
1.7 ms to compile, 0.4 ms to run). A baked queryset is compiled once per *shape* — the
person and their roles, which decide the policy's filter — and later calls only put their
values into the same statement (SQLAlchemy's "baked queries" idea, on Django's compiler).
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models.query import (  # type: ignore[attr-defined]  # not in django-stubs
    FlatValuesListIterable,
    ModelIterable,
    ValuesListIterable,
    get_related_populators,
)


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


def fetch_all(
    sql: str, params: Mapping[str, Any] | Sequence[Any], *, prepare: bool = True
) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` (``%(name)s`` or ``%s`` placeholders), prepared once per connection
    unless ``prepare=False`` (through Django's own cursor, so it is logged and wrapped like
    the ORM's queries)."""
    with prepared() if prepare else contextlib.nullcontext(), connection.cursor() as cursor:
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


# --- baked querysets ------------------------------------------------------------------------
class _BuildQueried(Exception):
    """A queryset's build ran a query of its own: what it read cannot be baked in."""


def _refuse(*args: Any) -> Any:
    raise _BuildQueried


@dataclass(frozen=True)
class _Statement:
    """What running a compiled queryset again needs — not the compiler, whose query tree
    is most of the memory (83 KiB for the grade write's lesson; this keeps 13)."""

    sql: str | None  # None: the shape matches no row (``EmptyResultSet``)
    params: tuple[Any, ...]
    # (value name, index in a list value or None) -> its positions in params
    slots: dict[tuple[str, int | None], tuple[int, ...]]
    kind: type  # what rows become: ModelIterable, ValuesListIterable, FlatValuesListIterable
    col_count: int = 0
    trim: bool = False  # the compiler selected extra columns after the asked ones
    converters: tuple[tuple[int, tuple[Any, ...], Any], ...] = ()  # (position, fns, expression)
    model: Any = None
    first: int = 0  # the main model's columns: row[first:first + len(init_list)]
    init_list: tuple[str, ...] = ()
    populators: tuple[Any, ...] = ()
    annotations: tuple[tuple[str, int], ...] = ()
    using: str = "default"


_KINDS = (ModelIterable, ValuesListIterable, FlatValuesListIterable)

# Stand-ins for the values while compiling, one per value name: keys far below any key,
# days and moments long before any school's data.
_SENTINEL_BASE = -1_987_654_321
_SENTINEL_DAY = datetime.date(1901, 1, 1)
_SENTINEL_MOMENT = datetime.datetime(1901, 1, 1, tzinfo=datetime.UTC)
# What a baked queryset's values may be (a datetime is a date); a list of keys (``__in``)
# is baked once per length.
Value = int | datetime.date | list[int] | tuple[int, ...]
# Lists up to this length are baked (a mark's student and parents, a class's students).
LONGEST_LIST = 64


def _stand_in(value: int | datetime.date, n: int) -> int | datetime.date:
    if isinstance(value, datetime.datetime):
        return _SENTINEL_MOMENT + datetime.timedelta(seconds=n)
    if isinstance(value, datetime.date):
        return _SENTINEL_DAY + datetime.timedelta(days=n)
    return _SENTINEL_BASE - n


class Baked:
    """A queryset compiled to SQL once per shape, run many times: its model rows, or its
    ``values_list`` tuples (or values, ``flat=True``).

    ``build(*context, **values)`` returns the queryset for ``values`` — integers (the keys
    of the rows asked for), dates or aware datetimes, lists of integers (an ``__in``, baked
    once per length up to ``LONGEST_LIST``; longer ones run through the ORM) — and the
    ``context`` that the shape stands for (the person whose policy filters it). On the first call of a ``shape`` it is built with stand-ins for the values
    and compiled; the positions of the stand-ins among the statement's parameters are where
    the next calls of that shape put their values. ``shape`` must hold everything else the
    queryset depends on — for a queryset behind the access engine, ``access.shape_of(user)``
    (the person, their roles, the day) — and ``build`` must use the values only as query
    parameters (not in an ``if``). When a value does not reach the parameters (a slice's
    bound), or the build runs a query of its own (a list read from the database would be
    baked in), the shape is not kept and every call is evaluated by the ORM as usual.

    Rows come as the ORM makes them (``select_related`` objects, deferred fields,
    annotations), from one statement, prepared on the server (``prepared``) unless
    ``prepare=False`` (a range whose plan depends on its bounds). Up to ``size`` shapes are
    kept per process (≈ 13 KiB each for the widest, the grade write's lesson), the least
    recently used dropped first; a shape's SQL does not change while the process runs, so
    nothing else expires.
    """

    def __init__(self, build: Callable[..., Any], *, prepare: bool = True, size: int = 512) -> None:
        self._build = build
        self._prepare = prepare
        self._size = size
        self._statements: OrderedDict[Hashable, _Statement | None] = OrderedDict()
        self._lock = threading.Lock()

    def counts(self) -> tuple[int, int]:
        """(shapes kept, shapes refused) in this process: a hot path's statement that is
        refused (a value used in Python, a query at build time) compiles on every call."""
        with self._lock:
            refused = sum(1 for s in self._statements.values() if s is None)
            return len(self._statements) - refused, refused

    def __call__(self, shape: Hashable, *context: Any, **values: Value) -> list[Any]:
        if any(isinstance(v, list | tuple) and len(v) > LONGEST_LIST for v in values.values()):
            # An announcement's thousands of recipients: a statement per length would be
            # compiled for one call and keep thousands of parameters. The ORM, as it is.
            return list(self._build(*context, **values))
        kinds = tuple(
            sorted(
                (name, type(v), len(v) if isinstance(v, list | tuple) else -1)
                for name, v in values.items()
            )
        )
        key = (shape, kinds)
        with self._lock:
            known = key in self._statements
            statement = self._statements.get(key)
            if known:
                self._statements.move_to_end(key)
        if not known:
            statement = self._bake(context, values)
            with self._lock:
                self._statements[key] = statement
                while len(self._statements) > self._size:
                    self._statements.popitem(last=False)
        if statement is None:
            return list(self._build(*context, **values))
        return self._run(statement, values, self._prepare)

    def first(self, shape: Hashable, *context: Any, **values: Value) -> Any | None:
        """The first row, or None (for a queryset of one row by its key)."""
        rows = self(shape, *context, **values)
        return rows[0] if rows else None

    def _bake(self, context: tuple[Any, ...], values: Mapping[str, Value]) -> _Statement | None:
        # A stand-in per value, or per element of a list value, and where it goes.
        stand_ins: dict[tuple[str, int | None], int | datetime.date] = {}
        arguments: dict[str, Any] = {}
        for name in sorted(values):
            value = values[name]
            if isinstance(value, list | tuple) and all(isinstance(v, int) for v in value):
                arguments[name] = []
                for i, element in enumerate(value):
                    stand_ins[(name, i)] = _stand_in(element, len(stand_ins))
                    arguments[name].append(stand_ins[(name, i)])
            elif isinstance(value, int | datetime.date):
                stand_ins[(name, None)] = arguments[name] = _stand_in(value, len(stand_ins))
            else:
                return None  # None, a string: may change the SQL itself
        try:
            with connection.execute_wrapper(_refuse):
                queryset = self._build(*context, **arguments)
                kind = queryset._iterable_class
                if kind not in _KINDS or queryset._prefetch_related_lookups:
                    return None
                compiler = queryset.query.get_compiler(using=queryset.db)
                try:
                    text, params = compiler.as_sql()
                except EmptyResultSet:
                    return _Statement(None, (), {}, kind)
        except (_BuildQueried, ValueError, TypeError):
            # It read the database, or refused a stand-in (a negative slice): not kept.
            return None
        slots = {
            slot: tuple(
                i for i, p in enumerate(params) if isinstance(p, type(stand_in)) and p == stand_in
            )
            for slot, stand_in in stand_ins.items()
        }
        if not all(slots.values()):
            return None
        fields = [s[0] for s in compiler.select[: compiler.col_count]]
        if compiler.has_composite_fields(fields):
            return None
        model_parts: dict[str, Any] = {}
        if kind is ModelIterable:
            info = compiler.klass_info
            first, last = info["select_fields"][0], info["select_fields"][-1] + 1
            model_parts = {
                "model": info["model"],
                "first": first,
                "init_list": tuple(f[0].target.attname for f in compiler.select[first:last]),
                "populators": tuple(get_related_populators(info, compiler.select, queryset.db)),
                "annotations": tuple((compiler.annotation_col_map or {}).items()),
            }
        return _Statement(
            sql=text,
            params=tuple(params),
            slots=slots,
            kind=kind,
            col_count=compiler.col_count,
            trim=bool(compiler.has_extra_select),
            converters=tuple(
                (pos, tuple(fns), expression)
                for pos, (fns, expression) in compiler.get_converters(fields).items()
            ),
            using=queryset.db,
            **model_parts,
        )

    @staticmethod
    def _run(statement: _Statement, values: Mapping[str, Value], prepare: bool) -> list[Any]:
        if statement.sql is None:
            return []
        params = list(statement.params)
        for (name, index), positions in statement.slots.items():
            given = values[name]
            value = given if index is None else given[index]  # type: ignore[index]
            for i in positions:
                # Keep the stand-in's own type where the compiler typed it (``Int4``).
                kind = type(params[i])
                params[i] = value if kind in (int, type(value)) else kind(value)
        rows: Any = fetch_all(statement.sql, params, prepare=prepare)
        if statement.trim:
            rows = [row[: statement.col_count] for row in rows]
        if statement.converters:
            rows = [list(row) for row in rows]
            for row in rows:
                for pos, fns, expression in statement.converters:
                    value = row[pos]
                    for fn in fns:
                        value = fn(value, expression, connection)
                    row[pos] = value
        if statement.kind is ValuesListIterable:
            return [tuple(row) for row in rows]
        if statement.kind is FlatValuesListIterable:
            return [row[0] for row in rows]
        model, first, init_list = statement.model, statement.first, statement.init_list
        last = first + len(init_list)
        objects = []
        for row in rows:
            obj = model.from_db(statement.using, init_list, row[first:last])
            for populator in statement.populators:
                populator.populate(row, obj)
            for name, position in statement.annotations:
                setattr(obj, name, row[position])
            objects.append(obj)
        return objects
