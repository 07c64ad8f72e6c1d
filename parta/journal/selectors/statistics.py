"""Statistics of the journal (JRN-9), read through the policy and counted by the database.

- A teacher's journal (class × subject × term): per student the number of marks, the plain
  and the weighted average, the distribution of marks, absences and the trend; per class the
  average, the distribution, quality and success rate, the lessons held and those left
  without a topic or homework.
- A class teacher's class for a term: per subject and over all subjects (the students ×
  subjects table of averages with each student's overall average and share of missed lessons).
- Who needs attention is read from these numbers in ``selectors/attention.py``.

Every number comes out of ``GROUP BY`` with ``COUNT``/``SUM`` and filtered aggregates: a page
costs the same few queries for a class of 5 and of 35, for 10 marks and for 10 000, and no
mark is ever loaded into Python. The sums are added up in Python only per student (a class)
or per student × subject (a class's table).

Averages follow ``marks.averages``: plain = Σv / n, weighted = Σ(v × w) / Σw with the weight
the mark was set with (``Mark.weight``), both rounded half up to two decimals. Which of the two
is "the" average (of the class, of the table, of the rules of attention) is the school's
choice (``JournalSettings.weighted``).
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum
from django.db.models.aggregates import Aggregate
from django.http import Http404

from parta.core import access
from parta.directory.models import Enrollment, SchoolClass, Subject
from parta.journal.models import Attendance, JournalSettings, Lesson, Mark, Term
from parta.journal.services.marks import school_today, settings_of

# --- the periods of the trend (JRN-9) -----------------------------------------------------
RECENT_DAYS = 14
"""JRN-9: the "last 2 weeks" of the trend and of the falling-average rule, in days up to
today (or to the end of the term, for a term that is over)."""

MIN_MARKS_EACH_PART = 2
"""JRN-9: the falling-average rule (and the trend shown) needs at least this many marks in
the last two weeks and as many before them; one mark is not a trend."""

_Q2 = Decimal("0.01")
_Q1 = Decimal("0.1")


def _round(value: Decimal) -> Decimal:
    return value.quantize(_Q2, ROUND_HALF_UP)


def percent(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` in percent, one decimal, or None when there is no whole."""
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(_Q1, ROUND_HALF_UP)


def mean(values: Iterable[Decimal | None]) -> Decimal | None:
    """The mean of the values that exist, rounded like an average; None when none."""
    present = [v for v in values if v is not None]
    if not present:
        return None
    return _round(sum(present, Decimal(0)) / len(present))


# --- the bands of the distribution ---------------------------------------------------------
@dataclass(frozen=True)
class Bands:
    """The lowest value of a mark that counts as «5», «4» and «3»; below ``three`` is «2».

    On the 5-point scale these are the marks themselves (a rare «1» counts with the «2»).
    On a 10-, 12- or 100-point scale the bands are the percentages of the scale of the
    Kazakh order 125: «5» from 85 %, «4» from 65 %, «3» from 40 %.
    """

    five: int
    four: int
    three: int
    scale: int = 5

    @classmethod
    def of(cls, scale: int) -> Bands:
        if scale == 5:
            return cls(5, 4, 3, 5)
        return cls(math.ceil(scale * 0.85), math.ceil(scale * 0.65), math.ceil(scale * 0.40), scale)

    def scaled(self, threshold: Decimal) -> Decimal:
        """A threshold of the 5-point scale as the same share of this scale."""
        return threshold if self.scale == 5 else threshold * self.scale / 5


# --- sums from the database and what they mean --------------------------------------------
@dataclass
class Sums:
    """Σ of marks with a value: their count, Σv, Σ(v × w) and Σw."""

    count: int = 0
    total: int = 0
    weighted_total: Decimal = Decimal(0)
    weights: Decimal = Decimal(0)

    def __iadd__(self, other: Sums) -> Sums:
        self.count += other.count
        self.total += other.total
        self.weighted_total += other.weighted_total
        self.weights += other.weights
        return self

    @property
    def plain(self) -> Decimal | None:
        """JRN-4: Σv / n, as ``marks.averages``."""
        if not self.count:
            return None
        return _round(Decimal(self.total) / self.count)

    @property
    def weighted(self) -> Decimal | None:
        """JRN-4: Σ(v × w) / Σw, as ``marks.averages`` (the plain one when weights sum to 0)."""
        if not self.count:
            return None
        if not self.weights:
            return self.plain
        return _round(self.weighted_total / self.weights)

    def average(self, weighted: bool) -> Decimal | None:
        return self.weighted if weighted else self.plain


@dataclass
class Tally:
    """What the database counted for one student (and one subject), or for a whole class."""

    all: Sums = field(default_factory=Sums)
    recent: Sums = field(default_factory=Sums)
    earlier: Sums = field(default_factory=Sums)
    fives: int = 0
    fours: int = 0
    threes: int = 0
    twos: int = 0
    absent: int = 0
    sick: int = 0
    excused: int = 0
    late: int = 0

    def __iadd__(self, other: Tally) -> Tally:
        self.all += other.all
        self.recent += other.recent
        self.earlier += other.earlier
        for name in ("fives", "fours", "threes", "twos", "absent", "sick", "excused", "late"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self

    @property
    def missed(self) -> int:
        """Lessons missed: absent, sick or excused (being late is not missing the lesson)."""
        return self.absent + self.sick + self.excused

    @property
    def quality(self) -> Decimal | None:
        """The share of «4» and «5» among the marks, in percent."""
        return percent(self.fives + self.fours, self.all.count)

    @property
    def success(self) -> Decimal | None:
        """The share of marks that are not «2», in percent."""
        return percent(self.all.count - self.twos, self.all.count)

    def distribution(self) -> list[tuple[str, int, Decimal | None]]:
        """(mark, how many, percent) from «5» down to «2»."""
        n = self.all.count
        return [
            ("5", self.fives, percent(self.fives, n)),
            ("4", self.fours, percent(self.fours, n)),
            ("3", self.threes, percent(self.threes, n)),
            ("2", self.twos, percent(self.twos, n)),
        ]

    def trend(self, weighted: bool) -> Decimal | None:
        """The average of the last two weeks minus the average before them, when each part
        has at least ``MIN_MARKS_EACH_PART`` marks."""
        if min(self.recent.count, self.earlier.count) < MIN_MARKS_EACH_PART:
            return None
        recent, earlier = self.recent.average(weighted), self.earlier.average(weighted)
        assert recent is not None and earlier is not None
        return recent - earlier


def _aggregates(bands: Bands, cut: datetime.date) -> dict[str, Aggregate]:
    """The filtered aggregates of marks that make a ``Tally``; ``cut`` ends the "earlier"."""
    graded = Q(value__isnull=False)
    product = ExpressionWrapper(
        F("value") * F("weight"), output_field=DecimalField(max_digits=14, decimal_places=2)
    )
    parts: dict[str, Q | None] = {
        "all": None,
        "recent": Q(lesson__date__gt=cut),
        "earlier": Q(lesson__date__lte=cut),
    }
    out: dict[str, Aggregate] = {}
    for name, part in parts.items():
        out[f"{name}_count"] = Count("value", filter=part)
        out[f"{name}_total"] = Sum("value", filter=part)
        out[f"{name}_vw"] = Sum(product, filter=graded & part if part else graded)
        out[f"{name}_w"] = Sum("weight", filter=graded & part if part else graded)
    out["fives"] = Count("value", filter=Q(value__gte=bands.five))
    out["fours"] = Count("value", filter=Q(value__gte=bands.four, value__lt=bands.five))
    out["threes"] = Count("value", filter=Q(value__gte=bands.three, value__lt=bands.four))
    out["twos"] = Count("value", filter=Q(value__lt=bands.three))
    for code in Attendance.values:
        out[code] = Count("pk", filter=Q(attendance=code))
    return out


def _tally(row: dict[str, Any]) -> Tally:
    def sums(name: str) -> Sums:
        return Sums(
            count=row[f"{name}_count"] or 0,
            total=row[f"{name}_total"] or 0,
            weighted_total=Decimal(row[f"{name}_vw"] or 0),
            weights=Decimal(row[f"{name}_w"] or 0),
        )

    return Tally(
        all=sums("all"),
        recent=sums("recent"),
        earlier=sums("earlier"),
        fives=row["fives"],
        fours=row["fours"],
        threes=row["threes"],
        twos=row["twos"],
        absent=row[Attendance.ABSENT],
        sick=row[Attendance.SICK],
        excused=row[Attendance.EXCUSED],
        late=row[Attendance.LATE],
    )


# --- what a page is about, fetched through the policy ------------------------------------
@dataclass(frozen=True)
class Period:
    """A term of the class's year and the day the statistics are counted up to."""

    term: Term
    terms: list[Term]
    today: datetime.date

    @property
    def day(self) -> datetime.date:
        """Today, or the last day of a term that is over."""
        return min(self.today, self.term.ends_on)

    @property
    def cut(self) -> datetime.date:
        """The last day before "the last two weeks"."""
        return self.day - datetime.timedelta(days=RECENT_DAYS)

    @property
    def started(self) -> bool:
        return self.term.starts_on <= self.today


@dataclass(frozen=True)
class JournalRef:
    """A teacher's journal: class × subject × term, which ``user`` may keep (JRN-9)."""

    school_class: SchoolClass
    subject: Subject
    period: Period
    journal: JournalSettings

    @property
    def bands(self) -> Bands:
        return Bands.of(self.journal.scale)

    @property
    def key(self) -> str:
        return f"j{self.school_class.pk}.{self.subject.pk}.{self.period.term.pk}"


@dataclass(frozen=True)
class ClassRef:
    """A class and a term whose statistics ``user`` may read as its class teacher or as the
    school's administration (JRN-9)."""

    school_class: SchoolClass
    period: Period
    journal: JournalSettings

    @property
    def bands(self) -> Bands:
        return Bands.of(self.journal.scale)

    @property
    def key(self) -> str:
        return f"c{self.school_class.pk}.{self.period.term.pk}"


class NoTerms(Exception):
    """The class's academic year has no terms yet: there is nothing to count by."""

    def __init__(self, school_class: SchoolClass) -> None:
        super().__init__(str(school_class))
        self.school_class = school_class


def _period(school_class: SchoolClass, term_id: Any) -> Period:
    """The term asked for (404 when it is not of the class's year), else the current one;
    ``NoTerms`` when the school has not divided the year yet."""
    terms = list(Term.objects.filter(academic_year_id=school_class.academic_year_id))
    if not terms:
        raise NoTerms(school_class)
    today = school_today(school_class)
    if term_id not in (None, ""):
        chosen = next((t for t in terms if str(t.pk) == str(term_id)), None)
        if chosen is None:
            raise Http404
        return Period(chosen, terms, today)
    current = next((t for t in terms if t.starts_on <= today <= t.ends_on), None)
    started = [t for t in terms if t.starts_on <= today]
    return Period(current or (started[-1] if started else terms[0]), terms, today)


_CLASS_RELATED = (
    "school_class__organization__municipality__region",
    "school_class__academic_year",
)


def journal_ref(user: Any, *, class_id: int, subject_id: int, term_id: Any = None) -> JournalRef:
    """The journal if ``user`` may keep it — the policy's ``lesson`` "mark": the teacher of
    that subject in that class, and the school's administration — else 404. (3 queries.)"""
    lesson = (
        Lesson.objects.filter(
            access.allowed(user, "lesson", "mark"), school_class_id=class_id, subject_id=subject_id
        )
        .select_related(*_CLASS_RELATED, "subject")
        .order_by()
        .first()
    )
    if lesson is None:
        raise Http404
    school_class = lesson.school_class
    return JournalRef(
        school_class=school_class,
        subject=lesson.subject,
        period=_period(school_class, term_id),
        journal=settings_of(school_class.organization_id),
    )


def class_ref(user: Any, *, class_id: int, term_id: Any = None) -> ClassRef:
    """The class if ``user`` is its class teacher or of its school's administration, else
    404. (3 queries.)"""
    roles = access.roles_of(user)
    led = [r.context_id for r in roles if r.kind == access.CLASS_TEACHER]
    schools = [r.organization_id for r in roles if r.kind in access.SCHOOL_ADMINISTRATION]
    school_class = (
        SchoolClass.objects.visible_to(user)
        .filter(Q(pk__in=led) | Q(organization_id__in=schools), pk=class_id)
        .select_related("organization__municipality__region", "academic_year")
        .first()
    )
    if school_class is None:
        raise Http404
    return ClassRef(
        school_class=school_class,
        period=_period(school_class, term_id),
        journal=settings_of(school_class.organization_id),
    )


def _students(school_class: SchoolClass) -> list[Any]:
    """The class's confirmed students in the order of the journal."""
    return [
        e.student
        for e in Enrollment.objects.confirmed()
        .filter(school_class=school_class)
        .select_related("student")
        .order_by("student__last_name", "student__first_name", "student__middle_name", "pk")
    ]


@dataclass(frozen=True)
class LessonCounts:
    """The lessons of a journal in the term: planned, held so far, and of those held the
    ones without a topic or without homework."""

    planned: int = 0
    held: int = 0
    without_topic: int = 0
    without_homework: int = 0

    @classmethod
    def of(cls, row: dict[str, Any] | None) -> LessonCounts:
        if not row:
            return cls()
        return cls(row["planned"], row["held"], row["without_topic"], row["without_homework"])


def _lesson_aggregates(day: datetime.date) -> dict[str, Aggregate]:
    held = Q(date__lte=day)
    return {
        "planned": Count("pk"),
        "held": Count("pk", filter=held),
        "without_topic": Count("pk", filter=held & Q(topic="")),
        "without_homework": Count("pk", filter=held & Q(homework="")),
    }


def _journal_lessons(school_class: SchoolClass, term: Term) -> Any:
    return Lesson.objects.filter(
        school_class=school_class, term=term, status=Lesson.Status.PLANNED
    ).order_by()


def _journal_marks(school_class: SchoolClass, period: Period) -> Any:
    """Marks on the lessons of the class held in the term so far (cancelled ones aside)."""
    return Mark.objects.filter(
        lesson__school_class=school_class,
        lesson__term=period.term,
        lesson__status=Lesson.Status.PLANNED,
        lesson__date__lte=period.day,
    ).order_by()


# --- a teacher's journal -------------------------------------------------------------------
@dataclass
class StudentRow:
    """One student's line of a journal's statistics."""

    student: Any
    tally: Tally
    held: int
    weighted: bool

    @property
    def average(self) -> Decimal | None:
        return self.tally.all.average(self.weighted)

    @property
    def missed_percent(self) -> Decimal | None:
        return percent(self.tally.missed, self.held)

    @property
    def trend(self) -> Decimal | None:
        return self.tally.trend(self.weighted)

    @property
    def recent_average(self) -> Decimal | None:
        return self.tally.recent.average(self.weighted)

    @property
    def earlier_average(self) -> Decimal | None:
        return self.tally.earlier.average(self.weighted)


@dataclass
class JournalStats:
    ref: JournalRef
    rows: list[StudentRow]
    total: Tally
    lessons: LessonCounts
    lessons_missing: list[Lesson]

    @property
    def weighted(self) -> bool:
        return self.ref.journal.weighted

    @property
    def average(self) -> Decimal | None:
        """The class's average: all its marks in the term pooled."""
        return self.total.all.average(self.weighted)

    @property
    def missed_percent(self) -> Decimal | None:
        return percent(self.total.missed, self.lessons.held * len(self.rows))


def journal_statistics(ref: JournalRef) -> JournalStats:
    """JRN-9: a teacher's journal per student and per class. 4 queries, whatever the size:
    the students, the lessons' counts, the lessons without a topic or homework, the marks
    grouped by student."""
    period = ref.period
    students = _students(ref.school_class)
    lessons = _journal_lessons(ref.school_class, period.term).filter(subject=ref.subject)
    counts = LessonCounts.of(lessons.aggregate(**_lesson_aggregates(period.day)))
    missing = list(
        lessons.filter(Q(topic="") | Q(homework=""), date__lte=period.day)
        .only("pk", "date", "number", "topic", "homework")
        .order_by("date", "number")
    )
    tallies = {
        row["student_id"]: _tally(row)
        for row in _journal_marks(ref.school_class, period)
        .filter(lesson__subject=ref.subject)
        .values("student_id")
        .annotate(**_aggregates(ref.bands, period.cut))
    }
    weighted = ref.journal.weighted
    rows = [StudentRow(s, tallies.get(s.pk) or Tally(), counts.held, weighted) for s in students]
    total = Tally()
    for row in rows:
        total += row.tally
    return JournalStats(ref, rows, total, counts, missing)


# --- a class over all its subjects -----------------------------------------------------------
@dataclass
class SubjectColumn:
    """One subject of a class in the term, with the class's tally in it."""

    subject_id: int
    name: str
    short_name: str
    lessons: LessonCounts
    total: Tally = field(default_factory=Tally)
    students: int = 0
    weighted: bool = True

    @property
    def average(self) -> Decimal | None:
        return self.total.all.average(self.weighted)

    @property
    def missed_percent(self) -> Decimal | None:
        return percent(self.total.missed, self.lessons.held * self.students)


@dataclass
class ClassRow:
    """A student's line of the class's table: a tally per subject (in column order)."""

    student: Any
    cells: list[Tally]
    columns: list[SubjectColumn]
    weighted: bool

    def averages(self) -> list[Decimal | None]:
        return [cell.all.average(self.weighted) for cell in self.cells]

    @property
    def average(self) -> Decimal | None:
        """The mean of the student's subject averages (each subject counts once)."""
        return mean(self.averages())

    @property
    def missed(self) -> int:
        return sum(cell.missed for cell in self.cells)

    @property
    def absent(self) -> int:
        return sum(cell.absent for cell in self.cells)

    @property
    def held(self) -> int:
        return sum(column.lessons.held for column in self.columns)

    @property
    def missed_percent(self) -> Decimal | None:
        return percent(self.missed, self.held)

    def pairs(self) -> list[tuple[SubjectColumn, Tally]]:
        return list(zip(self.columns, self.cells, strict=True))


@dataclass
class ClassStats:
    ref: ClassRef
    columns: list[SubjectColumn]
    rows: list[ClassRow]

    @property
    def weighted(self) -> bool:
        return self.ref.journal.weighted

    @property
    def average(self) -> Decimal | None:
        """The class's average over all subjects: the mean of the subjects' averages."""
        return mean(c.average for c in self.columns)

    @property
    def held(self) -> int:
        return sum(c.lessons.held for c in self.columns)

    @property
    def missed(self) -> int:
        return sum(c.total.missed for c in self.columns)

    @property
    def missed_percent(self) -> Decimal | None:
        return percent(self.missed, self.held * len(self.rows))

    @property
    def lessons(self) -> LessonCounts:
        return LessonCounts(
            planned=sum(c.lessons.planned for c in self.columns),
            held=self.held,
            without_topic=sum(c.lessons.without_topic for c in self.columns),
            without_homework=sum(c.lessons.without_homework for c in self.columns),
        )


def class_statistics(ref: ClassRef) -> ClassStats:
    """JRN-9: a class teacher's class per subject and over all subjects. 3 queries, whatever
    the size: the students, the lessons grouped by subject, the marks grouped by student and
    subject."""
    period = ref.period
    weighted = ref.journal.weighted
    students = _students(ref.school_class)
    columns = [
        SubjectColumn(
            subject_id=row["subject_id"],
            name=row["subject__name"],
            short_name=row["subject__short_name"] or row["subject__name"],
            lessons=LessonCounts.of(row),
            students=len(students),
            weighted=weighted,
        )
        for row in _journal_lessons(ref.school_class, period.term)
        .values("subject_id", "subject__name", "subject__short_name")
        .annotate(**_lesson_aggregates(period.day))
        .order_by("subject__name", "subject_id")
    ]
    position = {c.subject_id: i for i, c in enumerate(columns)}
    cells: dict[int, list[Tally]] = {s.pk: [Tally() for _ in columns] for s in students}
    for row in (
        _journal_marks(ref.school_class, period)
        .values("student_id", "lesson__subject_id")
        .annotate(**_aggregates(ref.bands, period.cut))
    ):
        line = cells.get(row["student_id"])
        at = position.get(row["lesson__subject_id"])
        if line is None or at is None:  # a student who left, a subject without lessons
            continue
        tally = _tally(row)
        line[at] = tally
        columns[at].total += tally
    rows = [ClassRow(s, cells[s.pk], columns, weighted) for s in students]
    return ClassStats(ref, columns, rows)


# --- where a person finds the statistics they may read ----------------------------------------
@dataclass(frozen=True)
class JournalLink:
    class_id: int
    class_name: str
    subject_id: int
    subject_name: str


def stats_journals(user: Any) -> list[JournalLink]:
    """The current year's journals ``user`` may keep (the policy's ``lesson`` "mark").
    (1 query.)"""
    rows = (
        Lesson.objects.filter(
            access.allowed(user, "lesson", "mark"), school_class__academic_year__is_current=True
        )
        .values(
            "school_class_id",
            "school_class__grade",
            "school_class__letter",
            "subject_id",
            "subject__name",
        )
        .distinct()
        .order_by("school_class__grade", "school_class__letter", "subject__name")
    )
    return [
        JournalLink(
            r["school_class_id"],
            f"{r['school_class__grade']}{r['school_class__letter']}",
            r["subject_id"],
            r["subject__name"],
        )
        for r in rows
    ]


def stats_classes(user: Any) -> Sequence[SchoolClass]:
    """The current year's classes whose statistics ``user`` may read: led as class teacher,
    or of a school they administer. (1 query.)"""
    roles = access.roles_of(user)
    led = [r.context_id for r in roles if r.kind == access.CLASS_TEACHER]
    schools = [r.organization_id for r in roles if r.kind in access.SCHOOL_ADMINISTRATION]
    if not led and not schools:
        return []
    return list(
        SchoolClass.objects.visible_to(user)
        .filter(Q(pk__in=led) | Q(organization_id__in=schools), academic_year__is_current=True)
        .select_related("organization")
        .order_by("organization__short_name", "grade", "letter")
    )
