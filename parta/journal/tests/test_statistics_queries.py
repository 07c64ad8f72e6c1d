"""JRN-9: every statistics page costs the same number of SQL queries for a class of 4 and
of 34 students, with a few marks or with every cell of the term filled — the database adds
up, no mark is loaded into Python."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parta import factories as f
from parta.journal.models import Attendance, Mark
from parta.journal.tests.statistics_data import held_lessons, make_stats_data

# Each page's own queries, as its docstring states (views_stats.py), on top of what every
# page of the layout costs (the session, the person, their roles, the header's badge…),
# measured on the help page (nothing but the layout). The .xlsx has no layout: at most as much.
EXPECTED = {
    "journal_stats_index": 2,
    "journal_stats": 7,
    "journal_stats_attention": 9,
    "class_stats": 6,
    "class_stats_attention": 8,
    "class_stats_export": 6,
}


def _urls(data) -> dict[str, str]:  # type: ignore[no-untyped-def]
    c = data.cast
    klass, math = c.school_class.pk, data.journal.math.pk
    return {
        "journal_stats_index": reverse("journal_stats_index"),
        "journal_stats": reverse("journal_stats", args=[klass, math]),
        "journal_stats_attention": reverse("journal_stats_attention", args=[klass, math]),
        "class_stats": reverse("class_stats", args=[klass]),
        "class_stats_attention": reverse("class_stats_attention", args=[klass]),
        "class_stats_export": reverse("class_stats_export", args=[klass]),
    }


def _count(client, url: str) -> int:  # type: ignore[no-untyped-def]
    client.get(url)  # the first request after signing in also touches the session
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _expect(client, name: str, measured: int) -> None:  # type: ignore[no-untyped-def]
    layout = _count(client, reverse("help"))
    if name == "class_stats_export":
        assert measured <= layout + EXPECTED[name], name
    else:
        assert measured == layout + EXPECTED[name], name


def _fill_the_class(data, students: int) -> None:  # type: ignore[no-untyped-def]
    """``students`` more students, each with a parent and a mark or an absence in every
    Mathematics and Russian lesson held."""
    klass = data.cast.school_class
    lessons = held_lessons(data.journal, data.journal.math) + held_lessons(
        data.journal, data.journal.russian
    )
    values = itertools.cycle([5, 4, 4, 3, 2, None, 5, 3])
    codes = itertools.cycle(["", "", "", "", "", Attendance.ABSENT, "", Attendance.SICK])
    rows = []
    for _ in range(students):
        kid = f.EnrollmentFactory(school_class=klass).student
        f.GuardianshipFactory(child=kid)
        for lesson in lessons:
            value, code = next(values), next(codes)
            rows.append(
                Mark(
                    lesson=lesson,
                    student=kid,
                    value=value,
                    attendance=code if value is None else "",
                    updated_at=lesson.date.isoformat() + "T12:00:00Z",
                )
            )
    Mark.objects.bulk_create(rows)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_statistics_pages_cost_the_same_whatever_the_data_size(
    journal, client, django_assert_max_num_queries, name
) -> None:
    data = make_stats_data(journal)
    client.force_login(data.cast.class_teacher)
    url = _urls(data)[name]
    small = _count(client, url)
    _expect(client, name, small)
    marks_before = Mark.objects.count()
    _fill_the_class(data, 30)
    assert Mark.objects.count() > marks_before + 900
    with django_assert_max_num_queries(small):
        response = client.get(url)
    assert response.status_code == 200
    if "stats" in (response.context or {}):
        assert len(response.context["stats"].rows) == 34


def test_the_director_pays_the_same_as_the_class_teacher(journal, client) -> None:
    data = make_stats_data(journal)
    _fill_the_class(data, 10)
    client.force_login(data.cast.director)
    for name, url in _urls(data).items():
        _expect(client, name, _count(client, url))
