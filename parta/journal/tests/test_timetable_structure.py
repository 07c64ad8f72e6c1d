"""JRN-1, JRN-2, JRN-4: the year's structure a school's administration sets — terms, bells,
journal settings and the school's own kinds of work — and who may open those pages."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

import pytest
from django.urls import reverse

from parta import factories as f
from parta.core.errors import DomainError
from parta.journal.models import Bell, GradeType, JournalSettings, Lesson, Term, TermSystem
from parta.journal.services import timetable as services
from parta.journal.services.marks import mark_set

D = datetime.date


@pytest.fixture
def year(cast):
    return cast.school_class.academic_year


# --- terms ------------------------------------------------------------------------------------
def test_quarters_are_suggested_inside_the_school_year(year):
    """JRN-1: four quarters from 1 September to 26 May, in order, with holidays between."""
    terms = services.terms_suggest(year=year, system=TermSystem.QUARTERS)
    assert [t.name for t in terms] == ["1 четверть", "2 четверть", "3 четверть", "4 четверть"]
    assert terms[0].starts_on == D(2026, 9, 1) and terms[-1].ends_on == D(2027, 5, 26)
    for previous, term in itertools.pairwise(terms):
        assert previous.ends_on < term.starts_on


@pytest.mark.parametrize(
    ("system", "count", "first_end"),
    [(TermSystem.TRIMESTERS, 3, D(2026, 11, 30)), (TermSystem.HALVES, 2, D(2026, 12, 28))],
)
def test_trimesters_and_halves_are_suggested(year, system, count, first_end):
    terms = services.terms_suggest(year=year, system=system)
    assert len(terms) == count
    assert terms[0].ends_on == first_end and terms[-1].ends_on == year.ends_on


def test_director_sets_terms_and_the_division_is_remembered(cast, year):
    """JRN-1: the terms replace the year's ones; the school's settings keep the division."""
    terms = services.terms_suggest(year=year, system=TermSystem.TRIMESTERS)
    saved = services.term_set(
        actor=cast.director, academic_year=year, system=TermSystem.TRIMESTERS, terms=terms
    )
    assert [t.number for t in saved] == [1, 2, 3]
    assert Term.objects.filter(academic_year=year).count() == 3
    assert JournalSettings.objects.get(organization=cast.school).term_system == "trimesters"
    # Changing to halves removes the third term (it has no lessons).
    services.term_set(
        actor=cast.director,
        academic_year=year,
        system=TermSystem.HALVES,
        terms=services.terms_suggest(year=year, system=TermSystem.HALVES),
    )
    assert list(Term.objects.filter(academic_year=year).values_list("name", flat=True)) == [
        "1 полугодие",
        "2 полугодие",
    ]


@pytest.mark.parametrize(
    ("terms", "message"),
    [
        (
            [
                ("1 четверть", D(2026, 9, 1), D(2026, 11, 1)),
                ("2 четверть", D(2026, 10, 20), D(2026, 12, 28)),
            ],
            "не должны пересекаться",
        ),
        ([("1 четверть", D(2026, 8, 20), D(2026, 10, 26))], "выходит за учебный год 2026/2027"),
        ([("1 четверть", D(2026, 9, 1), D(2027, 6, 10))], "выходит за учебный год"),
        (
            [("1 четверть", D(2026, 10, 1), D(2026, 9, 1))],
            r"окончание \(01.09.2026\) раньше начала",
        ),
        ([("  ", D(2026, 9, 1), D(2026, 10, 1))], "Укажите название 1-го периода"),
        ([], "хотя бы один"),
    ],
)
def test_wrong_terms_are_refused_with_a_reason(cast, year, terms, message):
    rows = [services.TermInput(*t) for t in terms]
    with pytest.raises(DomainError, match=message):
        services.term_set(actor=cast.director, academic_year=year, system="quarters", terms=rows)
    assert not Term.objects.filter(academic_year=year).exists()


def test_closed_term_keeps_its_dates(journal):
    """JRN-6: a closed term is frozen; its dates cannot move under its marks."""
    c = journal.cast
    year = c.school_class.academic_year
    t1, t2 = journal.term1, journal.term2
    rows = [
        services.TermInput(t1.name, t1.starts_on + datetime.timedelta(days=1), t1.ends_on),
        services.TermInput(t2.name, t2.starts_on, t2.ends_on),
    ]
    with pytest.raises(DomainError, match="закрыта: её даты не меняются"):
        services.term_set(actor=c.director, academic_year=year, system="quarters", terms=rows)


def test_lessons_follow_their_dates_into_the_new_terms(journal):
    """JRN-1: moving the boundary moves the lessons' term with it; no lesson is lost."""
    c = journal.cast
    year = c.school_class.academic_year
    t1, t2 = journal.term1, journal.term2
    third_start = journal.today + datetime.timedelta(days=1)
    rows = [
        services.TermInput(t1.name, t1.starts_on, t1.ends_on),
        services.TermInput(t2.name, t2.starts_on, journal.today),
        services.TermInput("3 четверть", third_start, t2.ends_on),
    ]
    before = set(Lesson.objects.values_list("pk", flat=True))
    services.term_set(actor=c.director, academic_year=year, system="quarters", terms=rows)
    third = Term.objects.get(academic_year=year, number=3)
    # No lesson is lost; the rest of the year's school days got their lessons too.
    after = set(Lesson.objects.values_list("pk", flat=True))
    assert before < after
    assert Lesson.objects.filter(date__gte=third_start).exclude(term=third).count() == 0
    assert Lesson.objects.filter(term=third).exists()


def test_terms_that_would_leave_marked_lessons_in_the_holidays_are_refused(journal):
    c = journal.cast
    year = c.school_class.academic_year
    lesson = journal.past_math_lessons()[-1]
    from parta.journal.services.marks import lesson_for_marking

    mark_set(
        actor=c.class_teacher,
        lesson=lesson_for_marking(c.class_teacher, lesson.pk),
        student_id=c.student.pk,
        value=5,
    )
    t1, t2 = journal.term1, journal.term2
    rows = [
        services.TermInput(t1.name, t1.starts_on, t1.ends_on),
        services.TermInput(t2.name, lesson.date + datetime.timedelta(days=1), t2.ends_on),
    ]
    with pytest.raises(DomainError, match="вне учебных периодов"):
        services.term_set(actor=c.director, academic_year=year, system="quarters", terms=rows)
    assert Term.objects.get(pk=t2.pk).starts_on == t2.starts_on


def test_only_the_schools_administration_sets_terms(cast, year):
    from django.http import Http404

    terms = services.terms_suggest(year=year, system="quarters")
    for person in (cast.class_teacher, cast.other_teacher, cast.parent, cast.operator):
        with pytest.raises(Http404):
            services.term_set(actor=person, academic_year=year, system="quarters", terms=terms)


# --- bells --------------------------------------------------------------------------------------
def T(h: int, m: int) -> datetime.time:
    return datetime.time(h, m)


def test_bells_are_set_and_future_lessons_take_the_new_times(journal):
    c = journal.cast
    rows = [services.BellInput(1, T(8, 0), T(8, 40)), services.BellInput(2, T(8, 50), T(9, 30))]
    services.bell_set(actor=c.director, organization=c.school, bells=rows)
    assert list(Bell.objects.filter(organization=c.school).values_list("number", flat=True)) == [
        1,
        2,
    ]
    future = Lesson.objects.filter(school_class=c.school_class, number=1, date__gte=journal.today)
    past = Lesson.objects.filter(school_class=c.school_class, number=1, date__lt=journal.today)
    assert set(future.values_list("starts_at", flat=True)) == {T(8, 0)}
    assert set(past.values_list("starts_at", flat=True)) == {T(8, 30)}
    # Lesson 3 has no bell any more: its future lessons have no time.
    assert set(
        Lesson.objects.filter(number=3, date__gte=journal.today).values_list("starts_at", flat=True)
    ) == {None}


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([(1, T(8, 0), T(8, 45)), (2, T(8, 40), T(9, 25))], "не должны пересекаться"),
        ([(1, T(9, 0), T(8, 45))], "конец \\(08:45\\) должен быть позже начала \\(09:00\\)"),
        ([(1, T(8, 0), T(8, 45)), (1, T(9, 0), T(9, 45))], "Урок 1 указан дважды"),
        ([(2, T(8, 0), T(8, 45)), (1, T(9, 0), T(9, 45))], "идут по порядку номеров"),
    ],
)
def test_wrong_bells_are_refused(cast, rows, message):
    with pytest.raises(DomainError, match=message):
        services.bell_set(
            actor=cast.director,
            organization=cast.school,
            bells=[services.BellInput(*r) for r in rows],
        )


# --- journal settings ------------------------------------------------------------------------
def test_settings_are_saved_and_thresholds_must_grow(cast):
    saved = services.journal_settings_set(
        actor=cast.director,
        organization=cast.school,
        scale=5,
        weighted=False,
        threshold_5=Decimal("4.65"),
        threshold_4=Decimal("3.65"),
        threshold_3=Decimal("2.65"),
        edit_window_days=7,
    )
    assert (saved.weighted, saved.threshold_5, saved.edit_window_days) == (
        False,
        Decimal("4.65"),
        7,
    )
    with pytest.raises(DomainError, match="по возрастанию"):
        services.journal_settings_set(
            actor=cast.director,
            organization=cast.school,
            scale=5,
            weighted=True,
            threshold_5=Decimal("3.5"),
            threshold_4=Decimal("4.5"),
            threshold_3=Decimal("2.5"),
            edit_window_days=7,
        )


def test_scale_cannot_shrink_under_existing_marks(journal):
    c = journal.cast
    services.journal_settings_set(
        actor=c.director,
        organization=c.school,
        scale=10,
        weighted=True,
        threshold_5=Decimal("4.5"),
        threshold_4=Decimal("3.5"),
        threshold_3=Decimal("2.5"),
        edit_window_days=14,
    )
    from parta.journal.services.marks import lesson_for_marking

    lesson = lesson_for_marking(c.class_teacher, journal.past_math_lessons()[-1].pk)
    mark_set(actor=c.class_teacher, lesson=lesson, student_id=c.student.pk, value=8)
    with pytest.raises(DomainError, match="оценки «8»"):
        services.journal_settings_set(
            actor=c.director,
            organization=c.school,
            scale=5,
            weighted=True,
            threshold_5=Decimal("4.5"),
            threshold_4=Decimal("3.5"),
            threshold_3=Decimal("2.5"),
            edit_window_days=14,
        )


# --- grade types --------------------------------------------------------------------------------
def test_school_adds_renames_and_removes_its_own_grade_type(cast):
    kind = services.grade_type_create(
        actor=cast.director,
        organization=cast.school,
        name="Проект  по  выбору",
        short_name="",
        weight="2.5",
    )
    assert (kind.name, kind.short_name, kind.weight) == (
        "Проект по выбору",
        "Проект по вы",
        Decimal("2.50"),
    )
    with pytest.raises(DomainError, match="уже есть"):
        services.grade_type_create(
            actor=cast.director,
            organization=cast.school,
            name="проект по выбору",
            short_name="",
            weight=1,
        )
    with pytest.raises(DomainError, match="уже есть"):
        # A catalogue type's name is taken too.
        services.grade_type_create(
            actor=cast.director,
            organization=cast.school,
            name="Контрольная работа",
            short_name="",
            weight=1,
        )
    with pytest.raises(DomainError, match="от 0,1 до 10"):
        services.grade_type_change(
            actor=cast.director, grade_type=kind, name="Мини-проект", short_name="Пр", weight=11
        )
    services.grade_type_change(
        actor=cast.director, grade_type=kind, name="Мини-проект", short_name="Пр", weight=3
    )
    kind.refresh_from_db()
    assert (kind.name, kind.weight) == ("Мини-проект", Decimal("3.00"))
    services.grade_type_delete(actor=cast.director, grade_type=kind)
    assert not GradeType.objects.filter(pk=kind.pk).exists()


def test_catalogue_grade_types_are_read_only_for_schools(cast):
    catalogue = GradeType.objects.get(organization=None, code="test")
    with pytest.raises(DomainError, match="общего справочника"):
        services.grade_type_change(
            actor=cast.director, grade_type=catalogue, name="X", short_name="", weight=1
        )


def test_grade_type_in_use_cannot_be_deleted(journal):
    c = journal.cast
    kind = services.grade_type_create(
        actor=c.director, organization=c.school, name="Зачёт", short_name="", weight=1
    )
    Lesson.objects.filter(pk=journal.lessons[0].pk).update(grade_type=kind)
    with pytest.raises(DomainError, match="уже используется в журнале"):
        services.grade_type_delete(actor=c.director, grade_type=kind)


# --- the pages ----------------------------------------------------------------------------------
ADMIN_PAGES = [
    "timetable_school",
    "timetable_terms",
    "timetable_bells",
    "timetable_settings",
    "timetable_grade_types",
    "timetable_changes",
]


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_admin_pages_open_for_the_director_only(journal, client, name):
    c = journal.cast
    url = reverse(name, args=[c.school.pk])
    for person, status in (
        (c.director, 200),
        (c.class_teacher, 404),
        (c.parent, 404),
        (c.student, 404),
        (c.official, 404),
    ):
        client.force_login(person)
        assert client.get(url).status_code == status, person
    # Another school's director does not reach this school's pages.
    other_director = f.UserFactory(username="direktor2")
    f.StaffPositionFactory(person=other_director, organization=c.other_school, position="director")
    client.force_login(other_director)
    assert client.get(url).status_code == 404
    assert client.get(reverse(name, args=[c.other_school.pk])).status_code == 200


def test_terms_page_suggests_saves_and_keeps_what_was_typed_on_error(cast, client):
    client.force_login(cast.director)
    url = reverse("timetable_terms", args=[cast.school.pk])
    page = client.get(url)
    assert page.status_code == 200 and "1 четверть" in page.content.decode()
    suggested = client.post(
        url,
        {
            "system": "trimesters",
            "action": "suggest",
            "term-TOTAL_FORMS": "0",
            "term-INITIAL_FORMS": "0",
        },
    )
    body = suggested.content.decode()
    assert "3 триместр" in body and "2026-11-30" in body
    data = {
        "system": "halves",
        "action": "save",
        "term-TOTAL_FORMS": "2",
        "term-INITIAL_FORMS": "0",
        "term-0-name": "1 полугодие",
        "term-0-starts_on": "2026-09-01",
        "term-0-ends_on": "2027-01-20",
        "term-1-name": "2 полугодие",
        "term-1-starts_on": "2027-01-10",
        "term-1-ends_on": "2027-05-26",
    }
    refused = client.post(url, data)
    assert refused.status_code == 200
    text = refused.content.decode()
    assert "не должны пересекаться" in text and "2027-01-20" in text
    assert not Term.objects.exists()
    data["term-0-ends_on"] = "2026-12-28"
    assert client.post(url, data).status_code == 302
    assert Term.objects.filter(academic_year__organization=cast.school).count() == 2


def test_bells_page_saves_rows_and_refuses_overlaps(cast, client):
    client.force_login(cast.director)
    url = reverse("timetable_bells", args=[cast.school.pk])
    offered = client.get(url).content.decode()
    assert "08:45" in offered  # the common schedule is offered, numbered
    assert '<option value="1" selected>1</option>' in offered
    data = {
        "bell-TOTAL_FORMS": "3",
        "bell-INITIAL_FORMS": "0",
        "bell-0-number": "1",
        "bell-0-starts_at": "08:30",
        "bell-0-ends_at": "09:15",
        "bell-1-number": "2",
        "bell-1-starts_at": "09:10",
        "bell-1-ends_at": "10:00",
        "bell-2-number": "",
        "bell-2-starts_at": "",
        "bell-2-ends_at": "",
    }
    refused = client.post(url, data)
    assert "не должны пересекаться" in refused.content.decode()
    data["bell-1-starts_at"] = "09:25"
    assert client.post(url, data).status_code == 302
    assert Bell.objects.filter(organization=cast.school).count() == 2
    half = dict(data, **{"bell-2-number": "3"})
    assert "очистите её целиком" in client.post(url, half).content.decode()


def test_settings_page_shows_a_refusal_at_the_field(cast, client):
    client.force_login(cast.director)
    url = reverse("timetable_settings", args=[cast.school.pk])
    data = {
        "scale": "5",
        "weighted": "on",
        "threshold_5": "3.0",
        "threshold_4": "3.5",
        "threshold_3": "2.5",
        "edit_window_days": "10",
    }
    refused = client.post(url, data)
    assert "по возрастанию" in refused.content.decode()
    assert 'value="3.0"' in refused.content.decode()
    data["threshold_5"] = "4.5"
    assert client.post(url, data).status_code == 302
    assert JournalSettings.objects.get(organization=cast.school).edit_window_days == 10


def test_grade_types_page_lists_catalogue_and_own(cast, client):
    client.force_login(cast.director)
    url = reverse("timetable_grade_types", args=[cast.school.pk])
    assert (
        client.post(
            url, {"name": "Диктант с заданием", "short_name": "Дикт.+", "weight": "1.5"}
        ).status_code
        == 302
    )
    body = client.get(url).content.decode()
    assert "Диктант с заданием" in body and "Контрольная работа" in body
    own = GradeType.objects.get(organization=cast.school)
    edit = reverse("timetable_grade_type", args=[own.pk])
    assert client.post(edit, {"action": "delete"}).status_code == 302
    assert not GradeType.objects.filter(pk=own.pk).exists()


def test_other_schools_grade_type_is_not_found(cast, client):
    kind = services.grade_type_create(
        actor=cast.director, organization=cast.school, name="Своё", short_name="", weight=1
    )
    other_director = f.UserFactory(username="direktor2")
    f.StaffPositionFactory(
        person=other_director, organization=cast.other_school, position="director"
    )
    client.force_login(other_director)
    assert client.get(reverse("timetable_grade_type", args=[kind.pk])).status_code == 404
    assert (
        client.post(
            reverse("timetable_grade_type", args=[kind.pk]), {"action": "delete"}
        ).status_code
        == 404
    )
