"""Reads of the teacher's journal (JRN-4..7): my journals, the grid, a cell's history.

- ``journal_for``: one class × subject journal and what the person may do in it, by the
  policy of "mark" (a teacher of another subject or school, a parent, a student: 404).
- ``my_journals``: the class × subject pairs a teacher teaches (timetable slots and lessons
  taught or substituted this academic year); the class teacher's class; the whole school for
  its administration.
- ``grid``: students × lessons of one term with every cell, the averages, the suggested and
  the set term and year grades — six queries whatever the size of the class and the term.
- ``cell_history`` and ``journal_changes``: the history of one cell and of the whole journal.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import IntegerField, Q, Value
from django.http import Http404
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from parta.core import access, sql
from parta.core.errors import DomainError
from parta.directory.models import Enrollment, SchoolClass, Subject
from parta.journal.access import taught_journals
from parta.journal.models import (
    Attendance,
    FinalGrade,
    GradeType,
    JournalSettings,
    Lesson,
    Mark,
    MarkChange,
    Term,
    TimetableEntry,
)
from parta.journal.services import marks

# The letter a cell shows for each attendance mark; in Kazakh Ж/К/Д/А. The letters typed
# into a cell are ``marks.ATTENDANCE_KEYS``: each language's letters must be among them.
ATTENDANCE_SHORT = {
    Attendance.ABSENT: pgettext_lazy("посещаемость, буква в клетке журнала", "Н"),
    Attendance.LATE: pgettext_lazy("посещаемость, буква в клетке журнала", "О"),
    Attendance.EXCUSED: pgettext_lazy("посещаемость, буква в клетке журнала", "П"),
    Attendance.SICK: pgettext_lazy("посещаемость, буква в клетке журнала", "Б"),
}


def attendance_letters() -> dict[str, str]:
    """The attendance letters in the reader's language, resolved once per page."""
    return {code: str(label) for code, label in ATTENDANCE_SHORT.items()}


def cell_text(value: int | None, attendance: str, letters: dict[str, str]) -> str:
    """What a cell shows: the mark and the attendance letter ("4", "Н", "4О")."""
    return f"{value if value is not None else ''}{letters.get(attendance, '')}"


def number(value: Decimal | None) -> str:
    """An average as the reader writes it ("4,50" in Russian), or a dash."""
    if value is None:
        return "—"
    # formats.number_format costs 15 µs a call; a grid has two averages a row.
    return f"{value:.2f}".replace(".", str(formats.get_format("DECIMAL_SEPARATOR")))


# --- one journal -------------------------------------------------------------------------------
@dataclass
class Journal:
    """A class × subject journal and what the person looking at it may do."""

    school_class: SchoolClass
    subject: Subject
    settings: JournalSettings
    can_view: bool
    can_change: bool  # marks and final grades ("mark" / "final_grade" change)
    is_admin: bool  # the school's administration (closes terms, edits past the window)
    teaches: bool  # confirmed staff of the school who teaches here (a slot, a lesson)
    today: datetime.date

    @property
    def year_open(self) -> bool:
        return marks.year_is_open(self.school_class.academic_year, self.today)

    @property
    def url(self) -> str:
        return reverse("journal_grid", args=[self.school_class.pk, self.subject.pk])


def _scope_holds(scope: str, role: access.Role, klass: SchoolClass, taught: bool) -> bool:
    """Whether ``role``'s scope of the "mark" policy covers the journal of ``klass`` (the
    same meaning as the scopes registered in ``journal/access.py``)."""
    if scope == "organization":
        return role.organization_id == klass.organization_id
    if scope == "class":
        return role.context_id == klass.pk
    if scope == "journal":
        return taught and role.organization_id == klass.organization_id
    if scope == "municipality":
        return role.context_id == klass.organization.municipality_id
    if scope == "region":
        return role.context_id == klass.organization.municipality.region_id
    return False  # "self", "children": a student's or a parent's own marks, not a journal


def _journal_class(user: Any, class_id: int, subject_id: int) -> Any:
    # One row by its key: no ORDER BY (compiling the models' ordering costs more than
    # running the query).
    return (
        SchoolClass.objects.visible_to(user)
        .select_related(
            "organization__municipality__region",
            "organization__journal_settings",
            "academic_year",
        )
        .annotate(subject_ref=Value(subject_id, output_field=IntegerField()))
        .annotate(taught=taught_journals(user, school_class="pk", subject="subject_ref"))
        .filter(pk=class_id)
        .order_by()[:1]
    )


def _journal_subject(user: Any, subject_id: int) -> Any:
    return Subject.objects.visible_to(user).filter(pk=subject_id).order_by()[:1]


_JOURNAL_CLASS = sql.Baked(_journal_class)
_JOURNAL_SUBJECT = sql.Baked(_journal_subject)


def journal_for(user: Any, *, class_id: int, subject_id: int) -> Journal:
    """JRN-4: the journal of a class × subject if ``user`` may see it, else 404. Two queries,
    each compiled once per person and roles (``core.sql.Baked``) and prepared on the server
    (planning the class's joins cost more than running them, ``core.sql.prepared``)."""
    shape = access.shape_of(user)
    klass: SchoolClass | None = _JOURNAL_CLASS.first(
        shape, user, class_id=class_id, subject_id=subject_id
    )
    if klass is None:
        raise Http404
    subject: Subject | None = _JOURNAL_SUBJECT.first(shape, user, subject_id=subject_id)
    if subject is None or subject.organization_id not in (None, klass.organization_id):
        raise Http404
    # A journal is not a row of its own: the policy's scopes of "mark" are read on the class
    # (the endpoints that write still go through the policy's querysets).
    policy = access.POLICY["mark"]
    roles = access.roles_of(user)
    taught = bool(getattr(klass, "taught", False))

    def allowed(action: str) -> bool:
        return any(
            _scope_holds(policy[action][r.kind], r, klass, taught)
            for r in roles
            if r.kind in policy[action]
        )

    can_view = allowed("view")
    if not can_view:
        raise Http404
    try:
        settings = klass.organization.journal_settings
    except JournalSettings.DoesNotExist:
        settings = JournalSettings(organization=klass.organization)
    return Journal(
        school_class=klass,
        subject=subject,
        settings=settings,
        can_view=True,
        can_change=allowed("change"),
        is_admin=any(
            r.kind in access.SCHOOL_ADMINISTRATION and r.organization_id == klass.organization_id
            for r in roles
        ),
        teaches=taught
        and any(
            r.kind in (access.TEACHER, access.CLASS_TEACHER)
            and r.organization_id == klass.organization_id
            for r in roles
        ),
        today=marks.school_today(klass),
    )


# --- my journals -------------------------------------------------------------------------------
@dataclass
class JournalLink:
    school_class: SchoolClass
    subject: Subject
    teachers: list[str] = field(default_factory=list)
    substitute_only: bool = False

    @property
    def url(self) -> str:
        return reverse("journal_grid", args=[self.school_class.pk, self.subject.pk])


@dataclass
class ClassJournals:
    school_class: SchoolClass
    journals: list[JournalLink]


@dataclass
class MyJournals:
    taught: list[JournalLink]  # the person teaches these (slot, lesson or substitution)
    led: list[ClassJournals]  # the classes they lead (read; marks of their own subjects)
    school: list[ClassJournals]  # every journal of the schools they administer

    @property
    def empty(self) -> bool:
        return not (self.taught or self.led or self.school)


def _current(prefix: str = "school_class") -> Q:
    return Q(**{f"{prefix}__academic_year__is_current": True})


def taught_pairs(user: Any) -> list[tuple[int, int, bool]]:
    """(class id, subject id, only as a substitute) of what ``user`` teaches this year in the
    schools where they are confirmed staff. One query."""
    orgs = access.organization_ids(
        r for r in access.roles_of(user) if r.kind in (access.TEACHER, access.CLASS_TEACHER)
    )
    if not orgs:
        return []
    where = _current() & Q(school_class__organization_id__in=orgs)
    own = Value(0, output_field=IntegerField())
    slots = TimetableEntry.objects.filter(where, teacher_id=user.pk).values_list(
        "school_class_id", "subject_id", own
    )
    lessons = Lesson.objects.filter(where, teacher_id=user.pk).values_list(
        "school_class_id", "subject_id", own
    )
    substituted = Lesson.objects.filter(where, substitute_id=user.pk).values_list(
        "school_class_id", "subject_id", Value(1, output_field=IntegerField())
    )
    kinds: dict[tuple[int, int], bool] = {}
    for class_id, subject_id, substitute in slots.union(lessons, substituted):
        key = (class_id, subject_id)
        kinds[key] = kinds.get(key, True) and bool(substitute)
    return [(c, s, only) for (c, s), only in kinds.items()]


def _school_pairs(class_ids: list[int], org_ids: list[int]) -> list[tuple[int, int, int]]:
    """(class, subject, teacher) of the classes given and of every class of the schools."""
    where = _current() & (
        Q(school_class_id__in=class_ids) | Q(school_class__organization_id__in=org_ids)
    )
    slots = TimetableEntry.objects.filter(where).values_list(
        "school_class_id", "subject_id", "teacher_id"
    )
    lessons = Lesson.objects.filter(where).values_list(
        "school_class_id", "subject_id", "teacher_id"
    )
    return list(slots.union(lessons))


def my_journals(user: Any, *, taught_only: bool = False) -> MyJournals:
    """JRN-4: the journals ``user`` keeps and, for a class teacher and the administration,
    the journals they look after. At most five queries whatever the size of the school."""
    from parta.accounts.models import User

    roles = access.roles_of(user)
    taught = taught_pairs(user)
    led_ids: list[int] = []
    admin_orgs: list[int] = []
    if not taught_only:
        led_ids = access.ids(r for r in roles if r.kind == access.CLASS_TEACHER)
        admin_orgs = access.organization_ids(
            r for r in roles if r.kind in access.SCHOOL_ADMINISTRATION
        )
    others = _school_pairs(led_ids, admin_orgs) if (led_ids or admin_orgs) else []
    class_ids = {c for c, _s, _t in taught} | {c for c, _s, _t in others}
    subject_ids = {s for _c, s, _t in taught} | {s for _c, s, _t in others}
    classes = {
        c.pk: c for c in SchoolClass.objects.filter(pk__in=class_ids).select_related("organization")
    }
    subjects = {s.pk: s for s in Subject.objects.filter(pk__in=subject_ids)}
    teacher_ids = {t for _c, _s, t in others}
    names = (
        {u.pk: u.short_name for u in User.objects.filter(pk__in=teacher_ids)} if teacher_ids else {}
    )

    def order(link: JournalLink) -> tuple[Any, ...]:
        k = link.school_class
        return (k.organization.short_name, k.grade, k.letter, link.subject.name)

    mine = sorted(
        (
            JournalLink(classes[c], subjects[s], substitute_only=only)
            for c, s, only in taught
            if c in classes and s in subjects
        ),
        key=order,
    )
    by_class: dict[int, dict[int, JournalLink]] = defaultdict(dict)
    for c, s, t in others:
        if c not in classes or s not in subjects:
            continue
        link = by_class[c].setdefault(s, JournalLink(classes[c], subjects[s]))
        if t in names and names[t] not in link.teachers:
            link.teachers.append(names[t])

    def grouped(ids: Iterable[int]) -> list[ClassJournals]:
        found = [
            ClassJournals(classes[c], sorted(by_class[c].values(), key=order))
            for c in ids
            if c in by_class
        ]
        return sorted(found, key=lambda g: order(g.journals[0])[:3])

    admin_classes = [c for c in by_class if classes[c].organization_id in admin_orgs]
    led_classes = [c for c in led_ids if c not in admin_classes]
    return MyJournals(taught=mine, led=grouped(led_classes), school=grouped(admin_classes))


# --- the grid ----------------------------------------------------------------------------------
@dataclass(slots=True)
class Column:
    lesson: Lesson
    lock: str  # why its cells cannot be changed now; "" when they can
    can_retype: bool  # the person may choose the lesson's grade type
    type_label: str  # "Отв ×1"


@dataclass(slots=True)
class Cell:
    text: str
    version: int
    comment: str
    reason: str
    css: str


@dataclass(slots=True)
class Final:
    value: int | None
    version: int

    @property
    def text(self) -> str:
        return "" if self.value is None else str(self.value)


@dataclass(slots=True)
class Row:
    student_id: int
    name: str
    full_name: str
    cells: list[Cell]
    plain: str
    weighted: str
    suggested: str
    term_final: Final
    earlier_finals: list[Final]
    year_final: Final | None
    year_suggested: str


@dataclass
class Grid:
    journal: Journal
    terms: list[Term]
    term: Term | None
    columns: list[Column]
    rows: list[Row]
    grade_types: list[GradeType]
    is_last_term: bool
    earlier_terms: list[Term]
    final_lock: str  # why the term grades cannot be set now
    year_lock: str  # why the year grades cannot be set now
    can_close_term: bool
    focus_column: int  # the latest lesson held (where a teacher starts entering marks)

    @property
    def weighted(self) -> bool:
        return bool(self.journal.settings.weighted)


def type_label(kind: GradeType | None) -> str:
    if kind is None:
        return "—"
    return f"{kind.short_name} ×{formats.number_format(kind.weight.normalize(), None)}"


def choose_term(terms: list[Term], today: datetime.date, term_id: int | None) -> Term | None:
    """The asked term; else the one containing today; else the last begun; else the first."""
    if term_id is not None:
        found = next((t for t in terms if t.pk == term_id), None)
        if found is None:
            raise Http404
        return found
    if not terms:
        return None
    current = next((t for t in terms if t.starts_on <= today <= t.ends_on), None)
    begun = [t for t in terms if t.starts_on <= today]
    return current or (begun[-1] if begun else terms[0])


def suggest(plain: Decimal | None, weighted: Decimal | None, settings: JournalSettings) -> str:
    grade = marks.suggest_final(weighted if settings.weighted else plain, settings)
    return "" if grade is None else str(grade)


def year_suggestion(term_grades: list[int], settings: JournalSettings) -> str:
    """JRN-6: the year grade the term grades suggest (their average, in the pupil's favour)."""
    if not term_grades:
        return ""
    average = (Decimal(sum(term_grades)) / len(term_grades)).quantize(
        Decimal("0.01"), ROUND_HALF_UP
    )
    grade = marks.suggest_final(average, settings)
    return "" if grade is None else str(grade)


def _final_locks(journal: Journal, term: Term | None) -> tuple[str, str]:
    if not journal.can_change:
        readonly = _("Только просмотр: итоговые оценки ставит учитель предмета.")
        return readonly, readonly
    if not journal.year_open:
        year = _("Учебный год %(year)s завершён; его журнал открыт только для чтения.") % {
            "year": journal.school_class.academic_year.name
        }
        return year, year
    if term is not None and term.is_closed:
        return _("%(term)s закрыта: итоговые оценки за неё больше не меняются.") % {
            "term": term.name
        }, ""
    return "", ""


def _lesson_lock(user: Any, journal: Journal, lesson: Lesson, can_mark: bool) -> str:
    if not can_mark:
        return _("Только просмотр: отметки на этом уроке ставит учитель предмета.")
    try:
        marks.check_writable(
            actor=user, lesson=lesson, journal=journal.settings, existing=True, today=journal.today
        )
    except DomainError as exc:
        return str(exc.message)
    return ""


# The grid's statements. Access is decided once, by ``journal_for``; these read the journal
# it allowed. Compiled once per process (``core.sql.Baked``: building and compiling them cost
# more than PostgreSQL's part) and prepared on the server (equalities on keys only).
_TERMS = sql.Baked(lambda year_id: Term.objects.filter(academic_year_id=year_id).order_by("number"))
_STUDENTS = sql.Baked(
    lambda class_id: (
        Enrollment.objects.confirmed()
        .filter(school_class_id=class_id)
        .order_by("student__last_name", "student__first_name", "student__middle_name", "student_id")
        .values_list(
            "student_id", "student__last_name", "student__first_name", "student__middle_name"
        )
    )
)
_LESSONS = sql.Baked(
    lambda class_id, subject_id, term_id: (
        Lesson.objects.filter(school_class_id=class_id, subject_id=subject_id, term_id=term_id)
        .select_related("grade_type", "substitute")
        .only(
            "id",
            "date",
            "number",
            "status",
            "topic",
            "teacher_id",
            "substitute_id",
            "term_id",
            "school_class_id",
            "subject_id",
            "grade_type__short_name",
            "grade_type__name",
            "grade_type__weight",
            "substitute__last_name",
            "substitute__first_name",
            "substitute__middle_name",
        )
        .order_by("date", "number", "pk")
    )
)
# The cells of the term's lessons, by the lessons' keys (a join on the lesson rather than a
# list of lesson ids: one statement whatever the number of lessons).
_CELLS = sql.Baked(
    lambda class_id, subject_id, term_id: (
        Mark.objects.filter(
            lesson__school_class_id=class_id, lesson__subject_id=subject_id, lesson__term_id=term_id
        )
        .order_by()
        .values_list(
            "student_id",
            "lesson_id",
            "value",
            "attendance",
            "comment",
            "reason",
            "version",
            "weight",
        )
    )
)
# Term and year grades of the class's students (a pupil who left keeps theirs, unshown).
_FINALS = sql.Baked(
    lambda class_id, subject_id, year_id: (
        FinalGrade.objects.filter(
            subject_id=subject_id,
            academic_year_id=year_id,
            student_id__in=Enrollment.objects.confirmed()
            .filter(school_class_id=class_id)
            .values("student_id"),
        )
        .order_by()
        .values_list("student_id", "term_id", "value", "version")
    )
)
_GRADE_TYPES = sql.Baked(
    lambda organization_id: GradeType.objects.filter(
        Q(organization__isnull=True) | Q(organization_id=organization_id)
    ).order_by("position", "name")
)


def grid(journal: Journal, *, user: Any, term_id: int | None = None) -> Grid:
    """JRN-4..6: the journal page of one term in six queries, whatever its size.

    Rows are the confirmed, active students of the class (by surname); columns the lessons of
    the class × subject in the term. Averages leave out cancelled lessons; the suggested term
    grade follows the school's thresholds (weighted when the school weighs marks).
    """
    klass, subject, settings = journal.school_class, journal.subject, journal.settings
    terms = _TERMS((), year_id=klass.academic_year_id)
    term = choose_term(terms, journal.today, term_id)
    students = _STUDENTS((), class_id=klass.pk)
    lessons: list[Lesson] = []
    cells: dict[int, dict[int, tuple[Any, ...]]] = defaultdict(dict)
    if term is not None:
        keys = {"class_id": klass.pk, "subject_id": subject.pk, "term_id": term.pk}
        lessons = _LESSONS((), **keys)
        for row in _CELLS((), **keys) if lessons else ():
            cells[row[0]][row[1]] = row
    finals: dict[tuple[int, int | None], Final] = {}
    if students:
        for student_id, term_ref, value, version in _FINALS(
            (), class_id=klass.pk, subject_id=subject.pk, year_id=klass.academic_year_id
        ):
            finals[(student_id, term_ref)] = Final(value, version)

    letters = attendance_letters()
    columns = []
    frozen = (term is not None and term.is_closed) or not journal.year_open
    for lesson in lessons:
        lesson.term = term  # type: ignore[assignment]
        lesson.school_class = klass
        # What the page offers follows the policy of "lesson" ("mark": the journal's teacher
        # and the administration; "change": who teaches or substitutes the lesson and the
        # administration); the endpoints check the policy itself.
        retype = journal.is_admin or (
            journal.teaches and user.pk in (lesson.teacher_id, lesson.substitute_id)
        )
        columns.append(
            Column(
                lesson=lesson,
                lock=_lesson_lock(user, journal, lesson, journal.can_change),
                can_retype=retype and not frozen and not lesson.is_cancelled,
                type_label=type_label(lesson.grade_type),
            )
        )
    grade_types = (
        _GRADE_TYPES((), organization_id=klass.organization_id)
        if any(c.can_retype for c in columns)
        else []
    )
    is_last = term is not None and term.pk == terms[-1].pk
    earlier = [t for t in terms if term is not None and t.number < term.number] if is_last else []
    final_lock, year_lock = _final_locks(journal, term)
    none = Final(None, 0)
    # Per column: the lesson, its cells' classes, whether its marks count, its empty cell.
    plan = []
    for column in columns:
        cancelled = column.lesson.is_cancelled
        css = " jg-x" if cancelled else (" jg-ro" if column.lock else "")
        plan.append((column.lesson.pk, css, not cancelled, Cell("", 0, "", "", css)))
    texts: dict[tuple[int | None, str], str] = {}
    rows = []
    for student_id, last, first, middle in students:
        pairs: list[tuple[int, Decimal]] = []
        row_cells = []
        own = cells.get(student_id, {})
        for lesson_id, css, counts, empty in plan:
            found = own.get(lesson_id)
            if found is None:
                row_cells.append(empty)
                continue
            _s, _l, value, attendance, comment, reason, version, weight = found
            if value is not None and counts:
                pairs.append((value, weight))
            key = (value, attendance)
            text = texts.get(key)
            if text is None:
                text = texts[key] = cell_text(value, attendance, letters)
            row_cells.append(Cell(text, version, comment, reason, css))
        plain, weighted = marks.averages(pairs)
        term_grades = [
            f.value
            for t in terms
            if (f := finals.get((student_id, t.pk))) is not None and f.value is not None
        ]
        rows.append(
            Row(
                student_id=student_id,
                name=f"{last} {first}".strip(),
                full_name=" ".join(p for p in (last, first, middle) if p),
                cells=row_cells,
                plain=number(plain),
                weighted=number(weighted),
                suggested=suggest(plain, weighted, settings),
                term_final=finals.get((student_id, term.pk), none) if term else none,
                earlier_finals=[finals.get((student_id, t.pk), none) for t in earlier],
                year_final=finals.get((student_id, None), none) if is_last else None,
                year_suggested=year_suggestion(term_grades, settings) if is_last else "",
            )
        )
    return Grid(
        journal=journal,
        terms=terms,
        term=term,
        columns=columns,
        rows=rows,
        grade_types=grade_types,
        is_last_term=is_last,
        earlier_terms=earlier,
        final_lock=final_lock,
        year_lock=year_lock,
        can_close_term=term is not None and journal.is_admin,
        focus_column=max(
            (
                i
                for i, c in enumerate(columns)
                if c.lesson.date <= journal.today and not c.lesson.is_cancelled
            ),
            default=0,
        ),
    )


@dataclass
class Summary:
    """A student's row after a save: the averages and the suggested term grade (as shown)."""

    plain: str
    weighted: str
    suggested: str

    def as_dict(self) -> dict[str, str]:
        return {"plain": self.plain, "weighted": self.weighted, "suggested": self.suggested}


def _term_marks(class_id: int, subject_id: int, term_id: int) -> Any:
    """The marks that count in a class × subject × term (cancelled lessons do not)."""
    return Mark.objects.filter(
        lesson__school_class_id=class_id,
        lesson__subject_id=subject_id,
        lesson__term_id=term_id,
        value__isnull=False,
    ).exclude(lesson__status=Lesson.Status.CANCELLED)


_TERM_MARKS = sql.Baked(
    lambda class_id, subject_id, term_id: (
        _term_marks(class_id, subject_id, term_id)
        .order_by()
        .values_list("student_id", "value", "weight")
    )
)
# The students' own (a cell's save: one student; a lesson's new grade type: its class).
_STUDENTS_MARKS = sql.Baked(
    lambda class_id, subject_id, term_id, students: (
        _term_marks(class_id, subject_id, term_id)
        .filter(student_id__in=students)
        .order_by()
        .values_list("student_id", "value", "weight")
    )
)


def term_summaries(
    *,
    school_class_id: int,
    subject_id: int,
    term_id: int,
    settings: JournalSettings,
    student_ids: list[int] | None = None,
) -> dict[int, Summary]:
    """JRN-4: the averages and suggested term grade of students of a class × subject × term,
    from one query (the students given, or everybody with a mark)."""
    keys = {"class_id": school_class_id, "subject_id": subject_id, "term_id": term_id}
    found = (
        _TERM_MARKS((), **keys)
        if student_ids is None
        else _STUDENTS_MARKS((), students=list(student_ids), **keys)
    )
    pairs: dict[int, list[tuple[int, Decimal]]] = {s: [] for s in student_ids or []}
    for student_id, value, weight in found:
        pairs.setdefault(student_id, []).append((value, weight))
    result = {}
    for student_id, items in pairs.items():
        plain, weighted = marks.averages(items)
        result[student_id] = Summary(
            number(plain), number(weighted), suggest(plain, weighted, settings)
        )
    return result


def year_suggestion_of(
    *, student_id: int, subject_id: int, academic_year_id: int, settings: JournalSettings
) -> str:
    """JRN-6: the suggested year grade of a student from their term grades. One query."""
    grades = list(
        FinalGrade.objects.filter(
            student_id=student_id,
            subject_id=subject_id,
            academic_year_id=academic_year_id,
            term__isnull=False,
            value__isnull=False,
        ).values_list("value", flat=True)
    )
    return year_suggestion([g for g in grades if g is not None], settings)


# --- history -----------------------------------------------------------------------------------
@dataclass
class ChangeLine:
    change: MarkChange
    before: str
    after: str
    details: list[str]
    conflict: bool  # saved over somebody else's change the author had not seen (JRN-7)
    where: str = ""  # the lesson or the term, on the journal-wide page


def _describe(snapshot: dict[str, Any], letters: dict[str, str]) -> str:
    text = cell_text(snapshot.get("value"), snapshot.get("attendance", ""), letters)
    return text or "—"


def _details(
    old: dict[str, Any], new: dict[str, Any], kinds: dict[int, GradeType], *, final: bool
) -> list[str]:
    lines = []
    if old.get("comment", "") != new.get("comment", ""):
        lines.append(
            _("комментарий: «%(old)s» → «%(new)s»")
            % {"old": old.get("comment", ""), "new": new.get("comment", "")}
        )
    if old.get("reason", "") != new.get("reason", ""):
        lines.append(
            _("причина отсутствия: «%(old)s» → «%(new)s»")
            % {"old": old.get("reason", ""), "new": new.get("reason", "")}
        )
    if not final and old and old.get("grade_type") != new.get("grade_type"):

        def name(pk: Any) -> str:
            kind = kinds.get(pk) if pk else None
            return f"{kind.name} ({type_label(kind)})" if kind else "—"

        lines.append(
            _("вид работы: %(old)s → %(new)s")
            % {"old": name(old.get("grade_type")), "new": name(new.get("grade_type"))}
        )
    return lines


def _lines(changes: list[MarkChange], *, with_where: bool = False) -> list[ChangeLine]:
    letters = attendance_letters()
    kind_ids = {
        pk for c in changes for pk in (c.old.get("grade_type"), c.new.get("grade_type")) if pk
    }
    kinds = {k.pk: k for k in GradeType.objects.filter(pk__in=kind_ids)} if kind_ids else {}
    lines = []
    for change in changes:
        final = change.kind == MarkChange.Kind.FINAL
        where = ""
        if with_where:
            if final:
                term = change.final_grade.term if change.final_grade else None
                where = _("итог: %(term)s") % {"term": term.name} if term else _("итог: за год")
            elif change.lesson is not None:
                where = _("урок %(date)s, %(number)s-й") % {
                    "date": formats.date_format(change.lesson.date, "d.m"),
                    "number": change.lesson.number,
                }
        lines.append(
            ChangeLine(
                change=change,
                before=_describe(change.old, letters),
                after=_describe(change.new, letters),
                details=_details(change.old, change.new, kinds, final=final),
                conflict=change.seen_version is not None
                and change.seen_version != change.version - 1,
                where=where,
            )
        )
    return lines


@dataclass
class CellHistory:
    journal: Journal
    lesson: Lesson
    student_name: str
    lines: list[ChangeLine]


def cell_history(user: Any, *, lesson_id: int, student_id: int) -> CellHistory:
    """JRN-7: every change of one cell, newest first, for whoever may see the journal."""
    from parta.accounts.models import User

    lesson = Lesson.objects.visible_to(user).filter(pk=lesson_id).first()
    if lesson is None:
        raise Http404
    journal = journal_for(user, class_id=lesson.school_class_id, subject_id=lesson.subject_id)
    student = (
        User.objects.filter(
            pk=student_id,
            enrollments__school_class_id=lesson.school_class_id,
        )
        .only("last_name", "first_name", "middle_name", "username")
        .first()
    )
    if student is None:
        raise Http404
    changes = list(
        MarkChange.objects.visible_to(user)
        .filter(kind=MarkChange.Kind.CELL, lesson_id=lesson_id, student_id=student_id)
        .select_related("changed_by")
        .order_by("-version", "-id")
    )
    return CellHistory(journal, lesson, student.full_name, _lines(changes))


CHANGES_PAGE = 50


def journal_changes(user: Any, journal: Journal, *, page: Any) -> tuple[Page, list[ChangeLine]]:
    """JRN-7: the latest changes of a class × subject journal (cells and final grades),
    fifty a page, in a fixed number of queries."""
    changes = (
        MarkChange.objects.visible_to(user)
        .filter(school_class_id=journal.school_class.pk, subject_id=journal.subject.pk)
        .select_related("changed_by", "student", "lesson", "final_grade__term")
        .order_by("-changed_at", "-id")
    )
    paginator = Paginator(changes, CHANGES_PAGE)
    found = paginator.get_page(page)
    return found, _lines(list(found.object_list), with_where=True)
