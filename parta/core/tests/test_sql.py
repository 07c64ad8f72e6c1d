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


# --- baked querysets ------------------------------------------------------------------------
def _counted(build):  # type: ignore[no-untyped-def]
    calls: list[dict[str, int]] = []

    def counted(*args, **values):  # type: ignore[no-untyped-def]
        calls.append(values)
        return build(*args, **values)

    return counted, calls


def _classes(school_id: int):  # type: ignore[no-untyped-def]
    from django.db.models import IntegerField, Value

    from parta.directory.models import SchoolClass

    return (
        SchoolClass.objects.filter(organization_id=school_id)
        .select_related("organization__municipality", "academic_year")
        .only(
            "id",
            "grade",
            "letter",
            "academic_year__name",
            "organization__name",
            "organization__municipality__name",
        )
        .annotate(asked=Value(school_id, output_field=IntegerField()))
        .order_by("grade", "letter")
    )


def test_baked_queryset_gives_the_orms_rows_and_compiles_once_per_shape() -> None:
    from parta.factories import OrganizationFactory, SchoolClassFactory

    schools = [OrganizationFactory(name=f"Школа № {n}") for n in (1, 2)]
    for school in schools:
        for letter in "БА":
            SchoolClassFactory(organization=school, letter=letter)
    build, calls = _counted(_classes)
    baked = sql.Baked(build)

    for school in schools * 2:
        with CaptureQueriesContext(connection) as logged:
            rows = baked(("shape",), school_id=school.pk)
        plain = list(_classes(school.pk))
        assert [c.pk for c in rows] == [c.pk for c in plain] and len(rows) == 2
        for got, want in zip(rows, plain, strict=True):
            assert (got.grade, got.letter, got.asked) == (want.grade, want.letter, school.pk)
            assert got.organization.name == want.organization.name == school.name
            assert got.organization.municipality.name == want.organization.municipality.name
            assert got.get_deferred_fields() == want.get_deferred_fields() != set()
        # One statement, logged with this call's value; the joined rows need no other.
        assert len(logged) == 1 and str(school.pk) in logged[0]["sql"]
    assert len(calls) == 1  # built once, with a stand-in, for four calls
    assert calls[0]["school_id"] < 0

    baked(("another shape",), school_id=schools[0].pk)
    assert len(calls) == 2


def test_baked_values_lists_and_a_shape_that_matches_nothing() -> None:
    from parta.directory.models import SchoolClass
    from parta.factories import SchoolClassFactory

    klass = SchoolClassFactory(letter="В")
    pairs = sql.Baked(
        lambda class_id: SchoolClass.objects.filter(pk=class_id).values_list("pk", "letter")
    )
    flat = sql.Baked(
        lambda class_id: SchoolClass.objects.filter(pk=class_id).values_list("letter", flat=True)
    )
    assert pairs((), class_id=klass.pk) == pairs((), class_id=klass.pk) == [(klass.pk, "В")]
    assert flat((), class_id=klass.pk) == ["В"]
    assert flat((), class_id=klass.pk + 1000) == []

    nothing = sql.Baked(lambda class_id: SchoolClass.objects.filter(pk__in=[], grade=class_id))
    with CaptureQueriesContext(connection) as logged:
        assert nothing((), class_id=klass.pk) == []
        assert nothing((), class_id=klass.pk) == []
    assert len(logged) == 0


def test_a_build_that_queries_or_hides_a_value_is_not_kept() -> None:
    """What a build reads from the database, or a value used other than as a parameter,
    would be baked into the statement: such shapes are evaluated by the ORM every time."""
    from parta.directory.models import Organization, SchoolClass
    from parta.factories import SchoolClassFactory

    first, second = SchoolClassFactory(grade=5), SchoolClassFactory(grade=6)

    def reads(class_id: int):  # type: ignore[no-untyped-def]
        schools = list(Organization.objects.values_list("pk", flat=True))  # read at build time
        return SchoolClass.objects.filter(pk=class_id, organization_id__in=schools)

    build, calls = _counted(reads)
    baked = sql.Baked(build)
    assert [c.pk for c in baked((), class_id=first.pk)] == [first.pk]
    assert [c.pk for c in baked((), class_id=second.pk)] == [second.pk]
    assert len(calls) == 1 + 2  # the refused bake, then the ORM each time

    def sliced(count: int):  # type: ignore[no-untyped-def]
        return SchoolClass.objects.order_by("grade")[:count]  # LIMIT is not a parameter

    build, calls = _counted(sliced)
    baked = sql.Baked(build)
    assert [c.pk for c in baked((), count=1)] == [first.pk]
    assert [c.pk for c in baked((), count=2)] == [first.pk, second.pk]
    assert len(calls) == 3


def test_baked_lists_of_keys_once_per_length() -> None:
    from parta.directory.models import SchoolClass
    from parta.factories import SchoolClassFactory

    classes = [SchoolClassFactory(grade=g) for g in (5, 6, 7)]
    build, calls = _counted(
        lambda ids: (
            SchoolClass.objects.filter(pk__in=ids).order_by("grade").values_list("grade", flat=True)
        )
    )
    baked = sql.Baked(build)
    pks = [c.pk for c in classes]
    assert baked((), ids=pks[:2]) == [5, 6]
    assert baked((), ids=[pks[2], pks[0]]) == [5, 7]
    assert baked((), ids=pks) == [5, 6, 7]
    assert baked((), ids=[pks[1], pks[1]]) == [6]  # a key twice: still its one row
    with CaptureQueriesContext(connection) as logged:
        assert baked((), ids=[]) == []
    assert len(logged) == 0
    assert len(calls) == 3  # lengths 2, 3 and 0, each built once
    assert baked.counts() == (3, 0)
    # A list longer than LONGEST_LIST (an announcement's recipients) is the ORM's, not kept.
    many = [*pks, *range(10**9, 10**9 + sql.LONGEST_LIST)]
    assert baked((), ids=many) == [5, 6, 7]
    assert baked((), ids=many) == [5, 6, 7]
    assert len(calls) == 5
    assert baked.counts() == (3, 0)
