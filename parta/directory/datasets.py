"""What the demo region and the generated data sets share: fast row writing, the subject
catalogue and deleting a whole data set.

People are written through ``RowWriter``: on PostgreSQL the big tables go through ``COPY``
(psycopg 3), elsewhere through ``bulk_create``. Callers hand it rows in small batches, so memory
stays flat however large the data set is.

Cabinet apps hook into a data set's life without the directory importing them: a *filler*
(``register_dataset_filler``) adds the app's own data once a generated region's structure and
people exist (the journal's school year), and a *purger* (``register_dataset_purger``) deletes
the app's rows of a data set with plain SQL before the generic clean-up runs, where going
through Django's collector row by row would take hours.
"""

from __future__ import annotations

import datetime
import operator
import secrets
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from functools import reduce
from types import TracebackType
from typing import Any, ClassVar

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.db.models import ProtectedError, Q, RestrictedError

from parta.directory.fake_names import SUBJECTS
from parta.directory.models import (
    Enrollment,
    Guardianship,
    Municipality,
    Official,
    Organization,
    Region,
    SchoolClass,
    StaffPosition,
    Subject,
)

# The columns a data set fills for a person; every other column takes the model's default.
USER_COLUMNS = (
    "username",
    "last_name",
    "first_name",
    "middle_name",
    "email",
    "phone",
    "snils",
    "birth_date",
)


def unusable_password() -> str:
    """What ``make_password(None)`` stores, without its cost: '!' and a random tail.

    Generated people are issued accounts; their passwords are issued when slips are printed.
    """
    return "!" + secrets.token_urlsafe(30)


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


class _Table:
    """Turns the values a caller gives into full rows of ``model`` for COPY.

    Columns the caller does not give get the field's default, computed once (or per row for
    callable defaults), so a column added to the model later does not break the generator.
    """

    def __init__(self, model: type[models.Model], given: Sequence[str], *, with_pk: bool) -> None:
        self.model = model
        fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
        self.columns = [f.column for f in fields]
        self.template: list[Any] = []
        self.positions: list[int] = []
        self.per_row: list[tuple[int, models.Field]] = []
        by_attname = {f.attname: i for i, f in enumerate(fields)}
        for field in fields:
            if field.attname in given:
                self.template.append(None)
            elif field.has_default() and callable(field.default):
                self.template.append(None)
                self.per_row.append((len(self.template) - 1, field))
            else:
                self.template.append(field.get_db_prep_save(field.get_default(), connection))
        self.positions = [by_attname[name] for name in given]

    def row(self, values: Sequence[Any]) -> list[Any]:
        row = self.template.copy()
        for position, value in zip(self.positions, values, strict=True):
            row[position] = value
        for position, field in self.per_row:
            row[position] = field.get_db_prep_save(field.get_default(), connection)
        return row

    def copy(self, rows: Sequence[Sequence[Any]]) -> None:
        table = connection.ops.quote_name(self.model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        statement = f"COPY {table} ({columns}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
            for values in rows:
                copy.write_row(self.row(values))


class RowWriter:
    """Writes people, enrolments and guardianships in batches.

    ``use_copy`` (PostgreSQL only) sends rows with COPY, reserving user ids from the table's
    sequence first so that enrolments can refer to them; otherwise ``bulk_create`` is used.
    """

    def __init__(self, *, use_copy: bool | None = None, password: str | None = None) -> None:
        self.use_copy = is_postgresql() if use_copy is None else use_copy
        if self.use_copy and not is_postgresql():
            raise ValueError("COPY needs PostgreSQL")
        # A shared password hash (the demo) or a fresh unusable password per person.
        self.password = password
        self.user_model = get_user_model()
        self.joined = datetime.datetime.now(tz=datetime.UTC)
        given = ("id", "password", "date_joined", *USER_COLUMNS)
        self._users = _Table(self.user_model, given, with_pk=True)
        self._enrollments = _Table(
            Enrollment, ("student_id", "school_class_id", "since"), with_pk=False
        )
        self._guardianships = _Table(
            Guardianship, ("guardian_id", "child_id", "kind"), with_pk=False
        )

    def _password(self) -> str:
        return self.password or unusable_password()

    def users(self, rows: Sequence[Sequence[Any]]) -> list[int]:
        """Insert people (values in ``USER_COLUMNS`` order); return their ids, in order."""
        if not rows:
            return []
        if self.use_copy:
            table = self.user_model._meta.db_table
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [table, len(rows)],
                )
                ids = [row[0] for row in cursor.fetchall()]
            self._users.copy(
                [
                    (pk, self._password(), self.joined, *values)
                    for pk, values in zip(ids, rows, strict=True)
                ]
            )
            return ids
        objs = [
            self.user_model(
                password=self._password(),
                date_joined=self.joined,
                **dict(zip(USER_COLUMNS, values, strict=True)),
            )
            for values in rows
        ]
        self.user_model.objects.bulk_create(objs, batch_size=500)
        return [obj.pk for obj in objs]

    def enrollments(self, rows: Sequence[tuple[int, int, datetime.date]]) -> None:
        """(student id, class id, since)."""
        if self.use_copy:
            self._enrollments.copy(rows)
        else:
            Enrollment.objects.bulk_create(
                [Enrollment(student_id=s, school_class_id=c, since=d) for s, c, d in rows],
                batch_size=1000,
            )

    def guardianships(self, rows: Sequence[tuple[int, int, str]]) -> None:
        """(guardian id, child id, kind)."""
        if self.use_copy:
            self._guardianships.copy(rows)
        else:
            Guardianship.objects.bulk_create(
                [Guardianship(guardian_id=g, child_id=c, kind=k) for g, c, k in rows],
                batch_size=1000,
            )


@dataclass(frozen=True)
class DatasetFill:
    """What a filler is given: the generated region, whose structure and people exist.

    ``stage(description, total)`` opens a progress line and returns its ``update(n)``.
    """

    region: Region
    seed: int
    use_copy: bool
    now: datetime.datetime
    stage: Callable[[str, int], Callable[[int], object]]


DatasetFiller = Callable[[DatasetFill], dict[str, int]]
DatasetPurger = Callable[[Region | None, models.QuerySet[Any]], object]
_fillers: dict[str, DatasetFiller] = {}
_purgers: list[DatasetPurger] = []


def register_dataset_filler(name: str, filler: DatasetFiller) -> DatasetFiller:
    """Let an app add its data to every generated region (``name`` lets a run skip it)."""
    _fillers[name] = filler
    return filler


def dataset_fillers() -> dict[str, DatasetFiller]:
    return dict(_fillers)


def dataset_fill(fill: DatasetFill, *, skip: Collection[str] = ()) -> dict[str, int]:
    """Run every registered filler but those named in ``skip``; return their counts."""
    counts: dict[str, int] = {}
    for name, filler in _fillers.items():
        if name not in skip:
            counts |= filler(fill)
    return counts


def register_dataset_purger(purger: DatasetPurger) -> DatasetPurger:
    """Let an app delete its rows of a data set first: ``purger(region, people)``.

    ``region`` is the data set's region (None when only its people are left) and ``people``
    the queryset of its people. Registering the same function twice registers it once.
    """
    if purger not in _purgers:
        _purgers.append(purger)
    return purger


class KeysCheckedOnce:
    """Inside ``with``, PostgreSQL's row-by-row foreign key checks are replaced by a few
    set-based ones on leaving.

    PostgreSQL checks each foreign key of each inserted row, and each key pointing at each
    deleted row, with a query of its own, queued to the commit (Django's constraints are
    deferred). For a district's school year that is tens of millions of queries; deleting
    its people after their journal costs more still, as each check walks the index entries
    of the rows deleted just before. Where the database role may set
    ``session_replication_role`` (a superuser, or granted on PostgreSQL 15+), the block runs
    with it set to ``replica``, which skips row triggers, and on leaving:

    - every foreign key of the rows added to ``inserted`` meanwhile is checked with one
      anti-join per table;
    - every foreign key anywhere that points at a table of ``deleted`` (every table with
      ``check_all``) is checked for rows left pointing at nothing, one anti-join per table.

    A dangling reference raises ``IntegrityError`` and the caller's transaction rolls back.
    Application row triggers are skipped as well: the journal history's append-only guard
    (which fires on UPDATE and DELETE only) has its own sanctioned purge, called inside.
    A block opened inside another one joins it: the outer block checks for both. Elsewhere,
    or without the privilege, nothing changes and the database checks as usual. Must run
    inside a transaction.
    """

    _open: ClassVar[list[KeysCheckedOnce]] = []

    def __init__(
        self,
        inserted: Sequence[type[models.Model]] = (),
        deleted: Sequence[type[models.Model]] = (),
        *,
        check_all: bool = False,
    ) -> None:
        self.inserted = list(inserted)
        self.deleted = list(deleted)
        self.check_all = check_all
        self.active = False
        self.outer: KeysCheckedOnce | None = None
        self.floors: dict[type[models.Model], int] = {}

    def __enter__(self) -> KeysCheckedOnce:
        if self._open:
            outer = self.outer = self._open[0]
            outer.floors |= {m: f for m, f in self._floors().items() if m not in outer.floors}
            outer.inserted += [m for m in self.inserted if m not in outer.inserted]
            outer.deleted += self.deleted
            self.active = outer.active
            return self
        self._open.append(self)
        if not is_postgresql():
            return self
        self.floors = self._floors()
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
        except DatabaseError:
            return self  # not allowed: the usual row-by-row checks stay
        self.active = True
        return self

    def _floors(self) -> dict[type[models.Model], int]:
        """The highest id of each ``inserted`` table now: the rows above it are new."""
        floors = {}
        if is_postgresql():
            with connection.cursor() as cursor:
                for model in self.inserted:
                    table = connection.ops.quote_name(model._meta.db_table)
                    cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
                    floors[model] = cursor.fetchone()[0]
        return floors

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.outer is not None:
            return  # the outer block checks
        self._open.remove(self)
        if not self.active:
            return
        self.active = False
        if kind is not None:
            return  # the transaction is rolled back anyway
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = origin")
            for model in self.inserted:
                keys = [f for f in model._meta.concrete_fields if _constrained(f)]
                self._check(cursor, model, keys, new_only=True)
            targets = set(self.deleted)
            for model in apps.get_models(include_auto_created=True):
                keys = [
                    f
                    for f in model._meta.concrete_fields
                    if _constrained(f) and (self.check_all or f.related_model in targets)
                ]
                self._check(cursor, model, keys, new_only=False)

    def _check(
        self,
        cursor: Any,
        model: type[models.Model],
        keys: Sequence[models.Field[Any, Any]],
        *,
        new_only: bool,
    ) -> None:
        if not keys:
            return
        quote = connection.ops.quote_name
        joins, dangling = [], []
        for n, key in enumerate(keys):
            target = key.target_field  # type: ignore[attr-defined]
            joins.append(
                f"LEFT JOIN {quote(target.model._meta.db_table)} p{n} "
                f"ON p{n}.{quote(target.column)} = c.{quote(key.column)}"
            )
            dangling.append(
                f"(c.{quote(key.column)} IS NOT NULL AND p{n}.{quote(target.column)} IS NULL)"
            )
        where = " OR ".join(dangling)
        params: list[Any] = []
        if new_only:
            where = f"c.{quote(model._meta.pk.column)} > %s AND ({where})"
            params = [self.floors[model]]
        cursor.execute(
            f"SELECT COUNT(*) FROM {quote(model._meta.db_table)} c {' '.join(joins)} "  # noqa: S608
            f"WHERE {where}",
            params,
        )
        broken = cursor.fetchone()[0]
        if broken:
            raise IntegrityError(
                f"{broken} rows of {model._meta.db_table} refer to rows that do not exist"
            )


def _constrained(field: Any) -> bool:
    return bool(field.is_relation and field.concrete and getattr(field, "db_constraint", False))


def subjects_catalogue_ensure() -> int:
    """The region-wide subject catalogue (no organization); adds only missing names."""
    existing = set(Subject.objects.filter(organization__isnull=True).values_list("name", flat=True))
    missing = [
        Subject(name=name, short_name=short) for name, short in SUBJECTS if name not in existing
    ]
    Subject.objects.bulk_create(missing)
    return len(missing)


def _people_fast_delete(user_model: Any, people: Q) -> int | None:
    """Delete the people in one statement when no row anywhere refers to them any more.

    Returns None (and deletes nothing) when some table still refers to one of them; the
    caller then lets Django's collector cascade. Checking every foreign key to the user
    table, whichever app declared it, keeps this safe as apps add tables.
    """
    selected = user_model.objects.filter(people)
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is user_model:
                referring = model._base_manager.filter(
                    **{f"{field.name}__in": selected.values("pk")}
                )
                if referring.exists():
                    return None
    # QuerySet.delete() would load every person to look for the references ruled out above.
    return selected._raw_delete(selected.db)


def _delete_cabinet_records(region: Region, people: Any) -> None:
    """Delete what the cabinet apps recorded about a data set before the data set itself.

    Complaints, decisions, consents and the like point at organizations and people with
    PROTECT, so Django refuses to delete the structure under them; resetting a data set
    removes them with it. They are found through the app registry (every foreign key to the
    region's structure or its people), so the directory imports none of those apps and a new
    app's tables are covered without a change here. Rows that protect one another are
    deleted over several passes; a pass that deletes nothing re-raises the refusal.
    """
    in_region = Q(organization__municipality__region=region)
    targets: dict[type[models.Model], Any] = {
        Region: Region.objects.filter(pk=region.pk),
        Municipality: Municipality.objects.filter(region=region),
        Organization: Organization.objects.filter(municipality__region=region),
        SchoolClass: SchoolClass.objects.filter(in_region),
        StaffPosition: StaffPosition.objects.filter(in_region),
        Enrollment: Enrollment.objects.filter(
            school_class__organization__municipality__region=region
        ),
        people.model: people,
    }
    pending: dict[type[models.Model], Q] = {}
    for model in apps.get_models():
        app = model._meta.app_config.name if model._meta.app_config else ""
        if not app.startswith("parta.") or app == "parta.directory" or model in targets:
            continue
        conditions = [
            Q(**{f"{field.name}__in": targets[related].values("pk")})
            for field in model._meta.concrete_fields
            if (related := field.related_model) in targets and isinstance(related, type)
        ]
        if conditions:
            pending[model] = reduce(operator.or_, conditions)
    while pending:
        before = len(pending)
        refused: Exception | None = None
        for model, refers in list(pending.items()):
            try:
                with transaction.atomic():
                    model._base_manager.filter(refers).delete()
            except (ProtectedError, RestrictedError) as exc:
                refused = exc
            else:
                del pending[model]
        if refused is not None and len(pending) == before:
            raise refused


def dataset_delete(*, region_code: str, username_prefixes: Sequence[str]) -> int:
    """Delete a data set's region with everything in it and its people; return people deleted.

    People are found by the login prefix the data set gave them and deleted in id ranges, so
    memory stays flat at region scale. The registered purgers run first, all in one
    transaction; on PostgreSQL the foreign keys are checked once at the end, set-based
    (``KeysCheckedOnce``), instead of row by row.
    """
    with transaction.atomic(), KeysCheckedOnce(check_all=True):
        return _dataset_delete(region_code, username_prefixes)


def _dataset_delete(region_code: str, username_prefixes: Sequence[str]) -> int:
    user_model = get_user_model()
    people = Q(pk__in=[])
    for prefix in username_prefixes:
        people |= Q(username__startswith=prefix)
    region = Region.objects.filter(code=region_code).first()
    for purger in _purgers:
        purger(region, user_model.objects.filter(people))
    if region is not None:
        _delete_cabinet_records(region, user_model.objects.filter(people))
        in_region = Q(organization__municipality__region=region)
        Enrollment.objects.filter(school_class__organization__municipality__region=region).delete()
        Guardianship.objects.filter(
            guardian__in=user_model.objects.filter(people).values("pk")
        ).delete()
        StaffPosition.objects.filter(in_region).delete()
        SchoolClass.objects.filter(in_region).delete()
        Official.objects.filter(region=region).delete()
        Organization.objects.filter(municipality__region=region).delete()
        Municipality.objects.filter(region=region).delete()
        region.delete()
    fast = _people_fast_delete(user_model, people)
    if fast is not None:
        return fast
    deleted = 0
    bounds = user_model.objects.filter(people).aggregate(
        low=models.Min("pk"), high=models.Max("pk")
    )
    if bounds["low"] is not None:
        step = 5000
        for start in range(bounds["low"], bounds["high"] + 1, step):
            batch = user_model.objects.filter(people, pk__gte=start, pk__lt=start + step)
            count = batch.count()
            if count:
                batch.delete()
                deleted += count
    return deleted
