"""JRN-9: the numbers of a teacher's journal and of a class teacher's class, on a small
known data set (``statistics_data.py``), and who may read them."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.http import Http404
from django.urls import reverse

from parta import factories as f
from parta.journal.models import Attendance, JournalSettings, Term
from parta.journal.selectors import attention as needs
from parta.journal.selectors import statistics as st
from parta.journal.services import marks
from parta.journal.tests.statistics_data import make_stats_data, put


@pytest.fixture
def data(journal):  # type: ignore[no-untyped-def]
    return make_stats_data(journal)


def _journal(data, user=None, subject=None):  # type: ignore[no-untyped-def]
    c = data.cast
    ref = st.journal_ref(
        user or c.class_teacher,
        class_id=c.school_class.pk,
        subject_id=(subject or data.journal.math).pk,
    )
    return st.journal_statistics(ref)


def _row(stats, student):  # type: ignore[no-untyped-def]
    return next(r for r in stats.rows if r.student.pk == student.pk)


# --- a teacher's journal, per student ---------------------------------------------------------
def test_student_averages_follow_marks_averages(data) -> None:
    """JRN-9, JRN-4: plain Σv/n and weighted Σ(v×w)/Σw, rounded as marks.averages."""
    row = _row(_journal(data), data.cast.student)
    assert row.tally.all.count == 4
    expected = marks.averages([(5, Decimal(1)), (5, Decimal(1)), (4, Decimal(2)), (3, Decimal(1))])
    assert (
        (row.tally.all.plain, row.tally.all.weighted)
        == expected
        == (
            Decimal("4.25"),
            Decimal("4.20"),
        )
    )
    assert row.average == Decimal("4.20")  # the school counts with weights (the default)


def test_cancelled_lessons_closed_terms_and_future_lessons_do_not_count(data) -> None:
    """JRN-9: the 1s on a cancelled lesson, in term 1 and on a lesson to come are left out."""
    row = _row(_journal(data), data.cast.student)
    assert row.tally.twos == 0 and row.tally.all.total == 17


def test_distribution_counts_each_mark(data) -> None:
    stats = _journal(data)
    student = _row(stats, data.cast.student).tally
    assert (student.fives, student.fours, student.threes, student.twos) == (2, 1, 1, 0)
    weak = _row(stats, data.weak).tally
    assert (weak.fives, weak.fours, weak.threes, weak.twos) == (0, 0, 1, 2)


def test_absences_are_counted_by_kind_and_as_a_share_of_lessons_held(data) -> None:
    stats = _journal(data)
    held = len(data.held)
    assert stats.lessons.held == held
    weak = _row(stats, data.weak)
    assert (weak.tally.absent, weak.tally.late, weak.tally.sick, weak.tally.excused) == (3, 1, 0, 0)
    assert weak.tally.missed == 3  # being late is not missing the lesson
    assert weak.missed_percent == (Decimal(300) / held).quantize(Decimal("0.1"))
    ill = _row(stats, data.ill)
    assert ill.tally.sick == -(-held // 5)
    assert ill.missed_percent == st.percent(ill.tally.sick, held)


def test_trend_is_the_last_two_weeks_against_the_term_before(data) -> None:
    """JRN-9: earlier 5, 5; recent 4 (weight 2) and 3 → 3.67 − 5.00 with weights."""
    row = _row(_journal(data), data.cast.student)
    assert row.earlier_average == Decimal("5.00")
    assert row.recent_average == Decimal("3.67")
    assert row.trend == Decimal("-1.33")


def test_trend_needs_two_marks_on_each_side(data) -> None:
    weak = _row(_journal(data), data.weak)  # one mark before the last two weeks
    assert weak.tally.earlier.count == 1 and weak.trend is None


def test_without_weights_the_plain_average_is_the_average(data) -> None:
    JournalSettings.objects.create(organization=data.cast.school, weighted=False)
    stats = _journal(data)
    row = _row(stats, data.cast.student)
    assert row.average == Decimal("4.25")
    assert row.trend == Decimal("3.50") - Decimal("5.00")


def test_students_who_left_are_not_in_the_journal_statistics(data) -> None:
    stats = _journal(data)
    assert data.gone.pk not in {r.student.pk for r in stats.rows}
    assert data.cast.pending_student.pk not in {r.student.pk for r in stats.rows}
    assert [r.student.last_name for r in stats.rows] == [
        "Алексеев",
        "Борисов",
        "Петров",
        "Яковлева",
    ]


# --- a teacher's journal, per class -----------------------------------------------------------
def test_class_average_quality_and_success_pool_the_marks(data) -> None:
    """JRN-9: marks 5 5 4 3 (Петров) and 2 2 3 (Алексеев): 3 of 7 are «4»/«5», 5 of 7 not «2»."""
    stats = _journal(data)
    total = stats.total
    assert total.all.count == 7
    assert total.quality == Decimal("42.9")
    assert total.success == Decimal("71.4")
    assert (total.fives, total.fours, total.threes, total.twos) == (2, 1, 2, 2)
    # Weighted: (5+5+8+3 + 2+2+3) / (1+1+2+1 + 1+1+1) = 28 / 8
    assert stats.average == Decimal("3.50")
    assert [(m, n) for m, n, _pct in total.distribution()] == [
        ("5", 2),
        ("4", 1),
        ("3", 2),
        ("2", 2),
    ]


def test_lessons_held_and_those_without_topic_or_homework(data) -> None:
    stats = _journal(data)
    held = len(data.held)
    assert stats.lessons.held == held
    assert stats.lessons.planned > held  # this week's lessons still to come
    assert stats.lessons.without_topic == held - 3
    assert stats.lessons.without_homework == held - 2
    assert len(stats.lessons_missing) == held - 2


def test_another_scale_bands_marks_by_its_percentages(data) -> None:
    """JRN-9: on a 10-point scale «5» is from 9, «4» from 7, «3» from 4 (order 125)."""
    bands = st.Bands.of(10)
    assert (bands.five, bands.four, bands.three) == (9, 7, 4)
    assert st.Bands.of(5) == st.Bands(5, 4, 3, 5)
    assert bands.scaled(needs.LOW_AVERAGE) == 6
    JournalSettings.objects.create(organization=data.cast.school, scale=10)
    put(data.held[-1], data.quiet, 8)
    row = _row(_journal(data), data.quiet)
    assert (row.tally.fives, row.tally.fours) == (0, 1)


def test_a_term_that_is_over_is_counted_to_its_end(data) -> None:
    journal = data.journal
    c = data.cast
    ref = st.journal_ref(
        c.class_teacher,
        class_id=c.school_class.pk,
        subject_id=journal.math.pk,
        term_id=journal.term1.pk,
    )
    assert ref.period.term == journal.term1
    assert ref.period.day == journal.term1.ends_on
    stats = st.journal_statistics(ref)
    assert _row(stats, c.student).tally.all.count == 1  # the 1 of the closed term


def test_the_current_term_is_chosen_by_default(data) -> None:
    c = data.cast
    ref = st.class_ref(c.class_teacher, class_id=c.school_class.pk)
    assert ref.period.term == data.journal.term2


# --- a class over all its subjects ------------------------------------------------------------
def test_class_table_has_a_column_per_subject_and_a_line_per_student(data) -> None:
    c = data.cast
    stats = st.class_statistics(st.class_ref(c.class_teacher, class_id=c.school_class.pk))
    assert [col.name for col in stats.columns] == ["Математика", "Русский язык"]
    student = next(r for r in stats.rows if r.student.pk == c.student.pk)
    assert student.averages() == [Decimal("4.20"), Decimal("4.00")]
    assert student.average == Decimal("4.10")  # the mean of the subject averages
    weak = next(r for r in stats.rows if r.student.pk == data.weak.pk)
    assert weak.averages() == [Decimal("2.33"), None]
    assert weak.average == Decimal("2.33")
    math, russian = stats.columns
    assert math.average == Decimal("3.50") and russian.average == Decimal("4.00")
    assert stats.average == Decimal("3.75")
    assert russian.total.quality == Decimal("100.0")


def test_class_absences_are_a_share_of_all_lessons_held(data) -> None:
    c = data.cast
    stats = st.class_statistics(st.class_ref(c.class_teacher, class_id=c.school_class.pk))
    math, russian = stats.columns
    held = math.lessons.held + russian.lessons.held
    assert russian.lessons.held == len(data.russian_held)
    ill = next(r for r in stats.rows if r.student.pk == data.ill.pk)
    assert ill.held == held
    assert ill.missed_percent == st.percent(ill.missed, held)
    assert math.missed_percent == st.percent(3 + ill.missed, math.lessons.held * 4)
    assert stats.missed == 3 + ill.missed


def test_class_table_is_empty_but_whole_before_any_lesson(journal) -> None:
    c = journal.cast
    future = Term.objects.create(
        academic_year=c.school_class.academic_year,
        number=3,
        name="3 четверть",
        starts_on=journal.today + datetime.timedelta(days=31),
        ends_on=journal.today + datetime.timedelta(days=90),
    )
    ref = st.class_ref(c.class_teacher, class_id=c.school_class.pk, term_id=future.pk)
    assert not ref.period.started
    stats = st.class_statistics(ref)
    assert stats.columns == [] and stats.average is None and stats.missed_percent is None


# --- who may read them ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("member", "ok"),
    [
        ("class_teacher", True),  # teaches Mathematics in 5А
        ("director", True),
        ("russian_teacher", False),  # teaches another subject in the class
        ("other_teacher", False),  # another school
        ("student", False),
        ("parent", False),
        ("official", False),
        ("pending_teacher", False),
    ],
)
def test_only_the_subjects_teacher_and_the_administration_open_a_journal_statistics(
    data, client, member, ok
) -> None:
    c = data.cast
    person = data.journal.russian_teacher if member == "russian_teacher" else c.members[member]
    client.force_login(person)
    for name in ("journal_stats", "journal_stats_attention"):
        response = client.get(reverse(name, args=[c.school_class.pk, data.journal.math.pk]))
        assert response.status_code == (200 if ok else 404), name


def test_a_teacher_opens_the_journal_they_teach_in_another_class(data, client) -> None:
    c = data.cast
    client.force_login(data.journal.russian_teacher)
    url = reverse("journal_stats", args=[c.other_class.pk, data.journal.math.pk])
    assert client.get(url).status_code == 200
    client.force_login(c.class_teacher)  # leads 5А, does not teach in 6Б
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("member", "ok"),
    [
        ("class_teacher", True),
        ("director", True),
        ("russian_teacher", False),  # teaches the class, does not lead it
        ("other_teacher", False),
        ("student", False),
        ("parent", False),
        ("official", False),
        ("pending_teacher", False),
    ],
)
def test_only_the_class_teacher_and_the_administration_open_class_statistics(
    data, client, member, ok
) -> None:
    c = data.cast
    person = data.journal.russian_teacher if member == "russian_teacher" else c.members[member]
    client.force_login(person)
    for name in ("class_stats", "class_stats_attention", "class_stats_export"):
        response = client.get(reverse(name, args=[c.school_class.pk]))
        assert response.status_code == (200 if ok else 404), name


def test_a_class_teacher_cannot_open_another_class(data, client) -> None:
    c = data.cast
    client.force_login(c.class_teacher)
    assert client.get(reverse("class_stats", args=[c.other_class.pk])).status_code == 404
    client.force_login(c.director)
    assert client.get(reverse("class_stats", args=[c.other_class.pk])).status_code == 200
    assert client.get(reverse("class_stats", args=[c.far_class.pk])).status_code == 404


def test_a_term_of_another_year_or_school_is_a_404(data, client) -> None:
    c = data.cast
    year = f.AcademicYearFactory(
        organization=c.other_school,
        name="2020/2021",
        starts_on=datetime.date(2020, 9, 1),
        ends_on=datetime.date(2021, 5, 26),
        is_current=False,
    )
    foreign = Term.objects.create(
        academic_year=year,
        number=1,
        name="1 четверть",
        starts_on=year.starts_on,
        ends_on=year.starts_on + datetime.timedelta(days=60),
    )
    with pytest.raises(Http404):
        st.class_ref(c.class_teacher, class_id=c.school_class.pk, term_id=foreign.pk)
    client.force_login(c.class_teacher)
    url = reverse("journal_stats", args=[c.school_class.pk, data.journal.math.pk])
    assert client.get(url, {"term": foreign.pk}).status_code == 404
    assert client.get(url, {"term": "x"}).status_code == 404


def test_pages_show_the_numbers(data, client) -> None:
    c = data.cast
    client.force_login(c.class_teacher)
    page = client.get(reverse("journal_stats", args=[c.school_class.pk, data.journal.math.pk]))
    text = page.content.decode()
    assert "4,25" in text and "4,20" in text and "−1,33" in text
    assert "42,9\u00a0%" in text and "71,4\u00a0%" in text
    page = client.get(reverse("class_stats", args=[c.school_class.pk]))
    text = page.content.decode()
    assert "4,10" in text and "3,75" in text
    assert page.context["stats"].rows[0].student.last_name == "Алексеев"


def test_statistics_index_lists_the_journals_and_classes_a_person_may_read(data, client) -> None:
    c = data.cast
    client.force_login(c.class_teacher)
    page = client.get(reverse("journal_stats_index"))
    assert [(j.class_name, j.subject_name) for j in page.context["journals"]] == [
        ("5А", "Математика")
    ]
    assert [k.pk for k in page.context["classes"]] == [c.school_class.pk]
    client.force_login(c.director)
    page = client.get(reverse("journal_stats_index"))
    assert {(j.class_name, j.subject_name) for j in page.context["journals"]} == {
        ("5А", "Математика"),
        ("5А", "Русский язык"),
        ("6Б", "Математика"),
    }
    assert {k.pk for k in page.context["classes"]} == {c.school_class.pk, c.other_class.pk}


def test_class_teacher_home_links_to_the_class_statistics_and_attention(data, client) -> None:
    c = data.cast
    client.force_login(c.class_teacher)
    text = client.get(reverse("class_teacher_home")).content.decode()
    assert reverse("class_stats", args=[c.school_class.pk]) in text
    assert reverse("class_stats_attention", args=[c.school_class.pk]) in text


def test_marks_written_through_the_service_are_counted(journal) -> None:
    """JRN-9 over JRN-4: what mark_set writes is what the statistics read."""
    c = journal.cast
    lesson = marks.lesson_for_marking(c.class_teacher, journal.past_math_lessons()[-1].pk)
    marks.mark_set(actor=c.class_teacher, lesson=lesson, student_id=c.student.pk, value=5)
    marks.mark_set(
        actor=c.class_teacher,
        lesson=marks.lesson_for_marking(c.class_teacher, journal.past_math_lessons()[-2].pk),
        student_id=c.student.pk,
        value=2,
        attendance=Attendance.LATE,
    )
    ref = st.journal_ref(c.class_teacher, class_id=c.school_class.pk, subject_id=journal.math.pk)
    row = _row(st.journal_statistics(ref), c.student)
    assert row.tally.all.count == 2 and row.tally.late == 1
    assert row.average == Decimal("3.50")


def test_a_year_without_terms_gets_a_page_that_says_so(cast, client) -> None:
    client.force_login(cast.class_teacher)
    page = client.get(reverse("class_stats", args=[cast.school_class.pk]))
    assert page.status_code == 200
    assert "ещё не разделён на четверти" in page.content.decode()
    # …and only to those who may see the class at all.
    client.force_login(cast.other_teacher)
    assert client.get(reverse("class_stats", args=[cast.school_class.pk])).status_code == 404
