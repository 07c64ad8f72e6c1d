"""Writing and deleting whole journals fast: the generator's and the demo's (JRN-1..7).

- ``IdPool`` reserves primary keys up front (from the table's sequence on PostgreSQL), so a
  mark can name its lesson and a history row its mark without anything being read back.
- ``BulkTable`` writes rows of one table in batches: ``COPY`` on PostgreSQL (psycopg 3), a
  multi-row ``INSERT`` elsewhere (SQLite for tests and ``make run``). Memory stays flat: a
  batch is sent as soon as it is full.
- ``IndexesRebuilt`` drops the big tables' plain indexes for a large load and builds them
  once afterwards; ``directory.datasets.KeysCheckedOnce`` replaces PostgreSQL's row-by-row
  foreign key checks by one set-based check per table.
- ``journal_purge`` deletes the journal of a data set (a generated region, the demo) with one
  statement per table, by subqueries on the region's classes and organizations and on the
  data set's people. It is registered with the directory's ``dataset_delete``, which calls it
  before deleting the region itself; the history goes through ``history_purge``, the one
  sanctioned way past the append-only trigger (JRN-7).
- ``journal_fill`` is registered as the directory's dataset filler: ``manage.py generate``
  gives every generated region one school year of journal (``parta.journal.generate``).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator, Sequence
from types import TracebackType
from typing import Any

from django.db import connection, models, transaction
from psycopg.types.json import set_json_dumps

from parta.directory.datasets import (
    DatasetFill,
    KeysCheckedOnce,
    register_dataset_filler,
    register_dataset_purger,
)
from parta.directory.models import AcademicYear, Organization, Region, SchoolClass
from parta.journal.history import history_purge
from parta.journal.models import (
    Achievement,
    Bell,
    CalendarFeed,
    FinalGrade,
    GradeType,
    JournalSettings,
    Lesson,
    LessonFile,
    Mark,
    MarkChange,
    ScheduleChange,
    Term,
    TimetableEntry,
)


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


class IdPool:
    """Primary keys of ``model`` handed out one by one, reserved ``chunk`` at a time.

    On PostgreSQL they come from the table's sequence (``nextval`` over a series), so rows
    created meanwhile by anyone else never collide. Elsewhere the writer holds the only write
    transaction (SQLite), and the ids continue after the highest one ever given.
    """

    def __init__(self, model: type[models.Model], *, chunk: int = 20_000) -> None:
        self.table = model._meta.db_table
        self.chunk = chunk
        self._ids: Iterator[int] = iter(())
        self._next_sqlite: int | None = None

    def take(self) -> int:
        try:
            return next(self._ids)
        except StopIteration:
            self._ids = iter(self._reserve())
            return next(self._ids)

    def _reserve(self) -> Sequence[int]:
        with connection.cursor() as cursor:
            if is_postgresql():
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [self.table, self.chunk],
                )
                return [row[0] for row in cursor.fetchall()]
            if self._next_sqlite is None:
                table = connection.ops.quote_name(self.table)
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
                highest = cursor.fetchone()[0]
                if connection.vendor == "sqlite":
                    cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [self.table])
                    row = cursor.fetchone()
                    highest = max(highest, row[0] if row else 0)
                self._next_sqlite = highest + 1
            start = self._next_sqlite
            self._next_sqlite += self.chunk
            return range(start, start + self.chunk)


# Column types as COPY's binary format names them, by the column's declared type. Binary
# rows cost the client and the server less than text, which both sides would have to format
# and parse; a column of another type makes the table fall back to text COPY.
BINARY_TYPES = {
    "bigint": "int8",
    "integer": "int4",
    "smallint": "int2",
    "boolean": "bool",
    "date": "date",
    "time": "time",
    "timestamp with time zone": "timestamptz",
    "jsonb": "jsonb",
    "numeric": "numeric",
    "varchar": "text",
    "text": "text",
    "double precision": "float8",
    "uuid": "uuid",
}


def _binary_type(field: models.Field[Any, Any]) -> str | None:
    declared = (field.db_type(connection) or "").split("(")[0].strip().lower()
    return BINARY_TYPES.get(declared)


def _datetime_adapter() -> Any:
    """Aware datetimes as SQLite keeps them: what Django's adapter makes, without its
    per-value settings lookups when the connection's zone is UTC (the default)."""
    if connection.vendor == "sqlite" and connection.timezone_name == "UTC":
        utc = datetime.UTC
        return lambda value: str(value.astimezone(utc).replace(tzinfo=None))
    return connection.ops.adapt_datetimefield_value


def _json_text(value: Any) -> Any:
    """JSON columns are given as JSON text: the binary dumper sends it as it is."""
    return value if isinstance(value, str) or value is None else json.dumps(value)


class BulkTable:
    """Rows of ``model`` given as tuples in ``columns`` order (attnames), written in batches.

    Values are Python values (ints, strings, dates, times, aware datetimes, Decimals), JSON
    columns take the JSON text. Columns not given take the field's default, computed once; a
    non-null column with no default that is not given is refused here, so a column added to a
    model later stops the generator loudly instead of failing in the middle of a run. On
    PostgreSQL rows go in with binary COPY when every column's type is one it knows.
    """

    def __init__(
        self,
        model: type[models.Model],
        columns: Sequence[str],
        *,
        use_copy: bool,
        batch: int = 20_000,
    ) -> None:
        if use_copy and not is_postgresql():
            raise ValueError("COPY needs PostgreSQL")
        self.model = model
        self.use_copy = use_copy
        self.batch = batch
        self.count = 0
        self.rows: list[tuple[Any, ...]] = []
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        given = [by_attname[name] for name in columns]
        rest = [f for f in model._meta.concrete_fields if f.attname not in columns]
        tail: list[Any] = []
        for field in rest:
            if field.primary_key:
                continue
            if field.get_internal_type() == "JSONField":
                tail.append(json.dumps(field.get_default()))
            elif field.has_default() or (field.empty_strings_allowed and not field.null):
                tail.append(field.get_db_prep_save(field.get_default(), connection))
            elif field.null:
                tail.append(None)
            else:
                raise ValueError(f"{model.__name__}.{field.attname} must be given")
        self.tail = tuple(tail)
        fields = given + [f for f in rest if not f.primary_key]
        quote = connection.ops.quote_name
        self.table = quote(model._meta.db_table)
        self.column_list = ", ".join(quote(f.column) for f in fields)
        binary = [_binary_type(f) for f in fields] if use_copy else []
        self.binary_types: list[str] | None = (
            [t for t in binary if t is not None] if use_copy and None not in binary else None
        )
        # Outside COPY the driver needs dates and times in the database's own form (SQLite
        # keeps them as text) and JSON text cast to jsonb (PostgreSQL).
        self.adapters: list[tuple[int, Any]] = []
        placeholders = []
        for i, field in enumerate(given):
            kind = field.get_internal_type()
            is_json = kind == "JSONField"
            placeholders.append("%s::jsonb" if is_json and is_postgresql() else "%s")
            if kind == "DateTimeField":
                self.adapters.append((i, _datetime_adapter()))
            elif kind == "DateField":
                self.adapters.append((i, connection.ops.adapt_datefield_value))
            elif kind == "TimeField":
                self.adapters.append((i, connection.ops.adapt_timefield_value))
            elif kind == "DecimalField":
                self.adapters.append((i, connection.ops.adapt_decimalfield_value))
        placeholders += ["%s"] * len(self.tail)
        self.insert = (
            f"INSERT INTO {self.table} ({self.column_list}) "  # noqa: S608
            f"VALUES ({', '.join(placeholders)})"
        )

    def add(self, row: tuple[Any, ...]) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.batch:
            self.flush()

    def flush(self) -> None:
        rows, self.rows = self.rows, []
        if not rows:
            return
        self.count += len(rows)
        tail = self.tail
        if self.use_copy:
            statement = f"COPY {self.table} ({self.column_list}) FROM STDIN"
            with connection.cursor() as cursor:
                raw = cursor.cursor
                if self.binary_types is not None:
                    statement += " (FORMAT BINARY)"
                    set_json_dumps(_json_text, context=raw)
                with raw.copy(statement) as copy:
                    if self.binary_types is not None:
                        copy.set_types(self.binary_types)
                    write = copy.write_row
                    for row in rows:
                        write(row + tail)
            return
        if self.adapters and not is_postgresql():
            adapted = []
            for row in rows:
                values = list(row)
                for i, adapt in self.adapters:
                    if values[i] is not None:
                        values[i] = adapt(values[i])
                adapted.append((*values, *tail))
        else:
            adapted = [row + tail for row in rows]
        with connection.cursor() as cursor:
            cursor.executemany(self.insert, adapted)


class IndexesRebuilt:
    """Inside ``with``, the plain (non-unique) indexes of ``tables`` are dropped; on leaving
    they are built again from their own definitions (PostgreSQL).

    Keeping a dozen indexes up to date row by row costs a bulk load of millions of rows more
    than building them once afterwards, which PostgreSQL does by sorting. Unique indexes
    and primary keys stay, so the load is still checked against them. The tables are locked
    until the transaction ends (DROP INDEX takes an exclusive lock): meant for generating a
    data set, not for a database in use. Does nothing elsewhere or when ``enabled`` is false.
    """

    def __init__(self, tables: Sequence[type[models.Model]], *, enabled: bool = True) -> None:
        self.tables = [m._meta.db_table for m in tables]
        self.enabled = enabled and is_postgresql()
        self.definitions: list[str] = []

    def __enter__(self) -> IndexesRebuilt:
        if not self.enabled:
            return self
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT i.relname, pg_get_indexdef(x.indexrelid)
                FROM pg_index x
                JOIN pg_class i ON i.oid = x.indexrelid
                JOIN pg_class t ON t.oid = x.indrelid
                WHERE t.relname = ANY(%s) AND NOT x.indisunique AND NOT x.indisprimary
                  AND t.relnamespace = to_regnamespace(current_schema())
                ORDER BY t.relname, i.relname
                """,
                [self.tables],
            )
            found = cursor.fetchall()
            for name, _definition in found:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        self.definitions = [definition for _name, definition in found]
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if not self.definitions or kind is not None:
            return  # a failed load rolls back, and the drops with it
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for definition in self.definitions:
                cursor.execute(definition)


def _sql(queryset: models.QuerySet[Any]) -> tuple[str, list[Any]]:
    sql, params = queryset.values("pk").query.sql_with_params()
    return sql, list(params)


def journal_purge(region: Region | None, people: models.QuerySet[Any]) -> dict[str, int]:
    """Delete the journal of a data set: its region's and its people's rows (JRN-7 purge).

    One statement per table and per condition, referring rows first: the history, marks,
    final grades, lesson files, schedule changes, lessons, the timetable, terms, bells,
    grade types, settings, achievements, calendar feeds and the people's inbox. Files of
    lesson attachments leave the storage once the transaction commits.
    """
    from parta.notifications.models import Notification

    people_sql, people_params = _sql(people)
    statements: list[tuple[type[models.Model], str, str, list[Any]]] = []
    lessons_sql, lessons_params = "", []
    if region is not None:
        orgs = Organization.objects.filter(municipality__region=region)
        classes_sql, classes_params = _sql(SchoolClass.objects.filter(organization__in=orgs))
        orgs_sql, orgs_params = _sql(orgs)
        years_sql, years_params = _sql(AcademicYear.objects.filter(organization__in=orgs))
        lessons_sql = f"SELECT id FROM journal_lesson WHERE school_class_id IN ({classes_sql})"  # noqa: S608
        lessons_params = classes_params
        statements += [
            (Mark, "lesson_id", lessons_sql, lessons_params),
            (FinalGrade, "school_class_id", classes_sql, classes_params),
            (LessonFile, "lesson_id", lessons_sql, lessons_params),
            (ScheduleChange, "lesson_id", lessons_sql, lessons_params),
            (Lesson, "school_class_id", classes_sql, classes_params),
            (TimetableEntry, "school_class_id", classes_sql, classes_params),
            (Term, "academic_year_id", years_sql, years_params),
            (Bell, "organization_id", orgs_sql, orgs_params),
            (GradeType, "organization_id", orgs_sql, orgs_params),
            (JournalSettings, "organization_id", orgs_sql, orgs_params),
            (Achievement, "organization_id", orgs_sql, orgs_params),
        ]
    statements += [
        (Mark, "student_id", people_sql, people_params),
        (FinalGrade, "student_id", people_sql, people_params),
        (Achievement, "student_id", people_sql, people_params),
        (CalendarFeed, "person_id", people_sql, people_params),
        (Notification, "recipient_id", people_sql, people_params),
        (Notification, "child_id", people_sql, people_params),
    ]
    deleted: dict[str, int] = {}
    purged = [model for model, *_ in statements]
    with transaction.atomic(), KeysCheckedOnce(deleted=purged):
        if region is not None:
            files = list(
                LessonFile.objects.filter(
                    lesson__school_class__organization__municipality__region=region
                )
                .exclude(file="")
                .values_list("file", flat=True)
            )
            if files:
                storage = LessonFile._meta.get_field("file").storage
                transaction.on_commit(lambda: _delete_files(storage, files))
            deleted["history"] = history_purge(
                f"school_class_id IN ({classes_sql})", classes_params
            )
        deleted["history"] = deleted.get("history", 0) + history_purge(
            f"student_id IN ({people_sql})", people_params
        )
        with connection.cursor() as cursor:
            for model, column, sql, params in statements:
                table = connection.ops.quote_name(model._meta.db_table)
                cursor.execute(
                    f"DELETE FROM {table} WHERE {column} IN ({sql})",  # noqa: S608
                    params,
                )
                name = model._meta.model_name or ""
                deleted[name] = deleted.get(name, 0) + max(cursor.rowcount, 0)
    return deleted


def _delete_files(storage: Any, names: Sequence[str]) -> None:
    for name in names:
        storage.delete(name)


def journal_fill(fill: DatasetFill) -> dict[str, int]:
    """The directory's dataset filler: one school year of journal for a generated region."""
    from parta.journal.generate import journal_generate

    return journal_generate(
        region=fill.region,
        now=fill.now,
        seed=fill.seed,
        use_copy=fill.use_copy,
        stage=fill.stage,
    )


def analyze_journal() -> None:
    """Fresh planner statistics for the journal's big tables after a bulk load (PostgreSQL)."""
    if not is_postgresql():
        return
    with connection.cursor() as cursor:
        for model in (Lesson, Mark, MarkChange, FinalGrade, TimetableEntry, ScheduleChange):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


register_dataset_purger(journal_purge)
register_dataset_filler("journal", journal_fill)
