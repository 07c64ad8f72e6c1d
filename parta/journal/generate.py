"""One school year of journal for a region's schools: the generator's and the demo's.

For every school with classes: its journal settings (the defaults), a bell schedule, the four
quarters of the academic year (those that ended before today closed) and a weekly timetable
per class with the federal plan's hours (``journal.curriculum``; JRN-1, JRN-2). Then, day by
day, the lessons of the year up to ``until`` (JRN-3), and for the lessons already past:
topics, homework with its due date, attendance with sick spells and their certificates,
marks with grade types and weights around each pupil's ability (JRN-4, JRN-5), the history of
every cell (JRN-7), and the term grades of the closed terms from the weighted average
(``marks.suggest_final``, JRN-6). Teachers fall ill and are substituted or their lessons
cancelled, each change with its ``ScheduleChange``; some students have achievements (JRN-8).

The numbers follow shared/domain/journal.md: 8–15 marks a quarter in a 4–5 hour subject (at
least 3 in a 1-hour one), 3–7 % of lessons missed with a winter peak, no marks in grade 1.

Rows go through ``journal.datasets`` (COPY on PostgreSQL, multi-row INSERT elsewhere) with
ids reserved in advance, and are streamed school by school: memory holds one school's
timetable and one class's counters whatever the region's size. The same seed and the same
``now`` make the same journal: each school and class draws from its own random stream, keyed
by the school's INN and the class's name, and nothing depends on database ids.
"""

from __future__ import annotations

import datetime
import json
import random
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from parta.directory.datasets import KeysCheckedOnce, subjects_catalogue_ensure
from parta.directory.models import (
    AcademicYear,
    Enrollment,
    Organization,
    Region,
    SchoolClass,
    StaffPosition,
    Subject,
)
from parta.journal import curriculum as cur
from parta.journal import fake_texts as texts
from parta.journal.curriculum import ClassInfo, Slot, TermPlan
from parta.journal.datasets import (
    BulkTable,
    IdPool,
    IndexesRebuilt,
    analyze_journal,
    is_postgresql,
)
from parta.journal.models import (
    Achievement,
    Attendance,
    Bell,
    FinalGrade,
    GradeType,
    JournalSettings,
    Lesson,
    Mark,
    MarkChange,
    ScheduleChange,
    Term,
    TimetableEntry,
)
from parta.journal.services.marks import suggest_final

# Marks a pupil gets in a quarter (about eight weeks) by the subject's hours a week, and the
# written works of the quarter, on which nearly every present pupil gets a mark.
TERM_MARKS = {1: 4, 2: 6, 3: 9, 4: 11, 5: 13, 6: 14}
TERM_ASSESSMENTS = {1: 1, 2: 2, 3: 2, 4: 3, 5: 3, 6: 3}
ASSESSED_SHARE = 0.93
# Attendance: a sick spell starts with this chance on a school day (times the season and the
# pupil's health), an excused day (a note from the parents), a single missed lesson, lateness.
SICK_START = 0.0065
EXCUSED_START = 0.0045
SKIPPED = 0.006
LATE_FIRST, LATE_LATER = 0.03, 0.005
SEASON = {9: 0.6, 10: 0.9, 11: 1.1, 12: 1.2, 1: 1.25, 2: 1.4, 3: 1.0, 4: 0.8, 5: 0.7}
HEALTH = ((0.4, 0.3), (0.8, 0.7), (1.5, 0.92), (3.0, 1.0))  # (factor, cumulative share)
# Corrections, each a second version of the cell in the history (JRN-7).
EXCUSE_LATER = 0.35  # unexcused absences the class teacher excuses afterwards
RETAKE = 0.25  # "2"s improved by a retake
TYPO = 0.004  # marks corrected a few minutes after they were typed
COMMENTED = 0.03
TEACHER_AWAY = 0.3  # teachers away once in the year (ill, on a course) for 3–8 days
ACHIEVERS = 0.065
# From this many classes on (a district has 1,000) the big tables' plain indexes are dropped
# for the load and built once afterwards (``datasets.IndexesRebuilt``).
BIG_LOAD_CLASSES = 200
ABSENCES = frozenset({Attendance.ABSENT, Attendance.SICK, Attendance.EXCUSED})
NO_ASSESSMENTS: dict[int, str] = {}


def snapshot(
    value: int | None, attendance: str, reason: str, comment: str, grade_type: int | None
) -> str:
    """The cell as ``services.marks._snapshot`` records it in the history, as JSON text."""
    parts = []
    if value is not None:
        parts.append(f'"value": {value}')
    if attendance:
        parts.append(f'"attendance": "{attendance}"')
    if reason:
        parts.append('"reason": ' + json.dumps(reason, ensure_ascii=False))
    if comment:
        parts.append('"comment": ' + json.dumps(comment, ensure_ascii=False))
    if grade_type is not None:
        parts.append(f'"grade_type": {grade_type}')
    return "{" + ", ".join(parts) + "}"


class Tables:
    """The writers of the tables a year fills, and the id pools rows refer to each other by."""

    LESSON = ("id", "school_class_id", "subject_id", "teacher_id", "substitute_id", "term_id",
              "date", "number", "starts_at", "ends_at", "room", "status", "timetable_entry_id",
              "grade_type_id", "topic", "homework", "homework_due", "homework_set_at",
              "updated_at")  # fmt: skip
    MARK = ("id", "lesson_id", "student_id", "value", "grade_type_id", "weight", "comment",
            "attendance", "reason", "version", "updated_by_id", "updated_at")  # fmt: skip
    CHANGE = ("kind", "mark_id", "final_grade_id", "lesson_id", "student_id", "school_class_id",
              "subject_id", "old", "new", "version", "seen_version", "changed_by_id",
              "changed_at")  # fmt: skip
    FINAL = ("id", "student_id", "school_class_id", "subject_id", "academic_year_id", "term_id",
             "value", "passed", "comment", "version", "updated_by_id", "updated_at")  # fmt: skip
    SCHEDULE = ("lesson_id", "kind", "details", "reason", "changed_by_id", "changed_at")
    ACHIEVEMENT = ("student_id", "organization_id", "kind", "title", "description", "date",
                   "added_by_id", "added_at")  # fmt: skip

    def __init__(self, *, use_copy: bool) -> None:
        self.lessons = BulkTable(Lesson, self.LESSON, use_copy=use_copy)
        self.marks = BulkTable(Mark, self.MARK, use_copy=use_copy)
        self.changes = BulkTable(MarkChange, self.CHANGE, use_copy=use_copy)
        self.finals = BulkTable(FinalGrade, self.FINAL, use_copy=use_copy)
        self.schedule = BulkTable(ScheduleChange, self.SCHEDULE, use_copy=use_copy)
        self.achievements = BulkTable(Achievement, self.ACHIEVEMENT, use_copy=use_copy)
        self.lesson_ids = IdPool(Lesson)
        self.mark_ids = IdPool(Mark)
        self.final_ids = IdPool(FinalGrade)

    def flush(self) -> None:
        for table in (self.lessons, self.marks, self.finals, self.changes, self.schedule,
                      self.achievements):  # fmt: skip
            table.flush()


@dataclass
class Counts:
    terms: int = 0
    bells: int = 0
    timetable: int = 0
    grades: int = 0  # cells with a mark
    attendance: int = 0  # cells with an attendance code
    substitutions: int = 0
    cancellations: int = 0

    def as_dict(self, tables: Tables) -> dict[str, int]:
        return {
            "journal_terms": self.terms,
            "journal_bells": self.bells,
            "timetable_entries": self.timetable,
            "lessons": tables.lessons.count,
            "marks": tables.marks.count,
            "grades": self.grades,
            "attendance_marks": self.attendance,
            "mark_history": tables.changes.count,
            "final_grades": tables.finals.count,
            "schedule_changes": tables.schedule.count,
            "substitutions": self.substitutions,
            "cancellations": self.cancellations,
            "achievements": tables.achievements.count,
        }


@dataclass
class School:
    organization: Organization
    classes: list[ClassInfo]
    teachers: list[int]
    director_id: int | None
    deputy_id: int | None
    students: dict[int, list[int]] = field(default_factory=dict)  # class id → students


@dataclass(frozen=True)
class GradeKind:
    id: int
    weight: Decimal
    weight100: int  # the weight in hundredths: averages are summed in integers


@dataclass
class Catalogue:
    subjects: dict[str, int]
    grade_types: dict[str, GradeKind]

    @classmethod
    def load(cls) -> Catalogue:
        subjects_catalogue_ensure()
        subjects = dict(Subject.objects.filter(organization__isnull=True).values_list("name", "pk"))
        grade_types = {
            code: GradeKind(pk, weight, int(weight * 100))
            for code, pk, weight in GradeType.objects.filter(organization__isnull=True).values_list(
                "code", "pk", "weight"
            )
        }
        return cls(subjects, grade_types)


# Who stands in for a lesson of a teacher who is away: (date, number, teacher) →
# (substitute, or None when the lesson is cancelled; reason; when it was announced).
Absences = Mapping[tuple[datetime.date, int, int], tuple[int | None, str, datetime.datetime]]


class YearGenerator:
    """Writes the school year of schools up to ``until`` as it stands at ``now``."""

    def __init__(
        self,
        *,
        tables: Tables,
        catalogue: Catalogue,
        tz: datetime.tzinfo,
        now: datetime.datetime,
        until: datetime.date | None,
        seed: Any,
        preferred: Mapping[int, str] | None = None,
    ) -> None:
        self.tables = tables
        self.catalogue = catalogue
        self.tz = tz
        self.now = now.astimezone(tz)
        self.today = self.now.date()
        self.until = until
        self.seed = seed
        self.preferred = dict(preferred or {})
        self.counts = Counts()
        self.journal = JournalSettings()  # the defaults every generated school keeps
        self.seconds = [datetime.timedelta(seconds=9 * i) for i in range(201)]

    def local(self, day: datetime.date, time: datetime.time) -> datetime.datetime:
        return datetime.datetime.combine(day, time, tzinfo=self.tz)

    def school(self, school: School, on_class: Callable[[int], object]) -> None:
        org = school.organization
        rnd = random.Random(f"{self.seed}:{org.inn}")  # noqa: S311 — test data, repeatable
        year = AcademicYear.objects.get(pk=school.classes[0].academic_year_id)
        plans = cur.school_terms(year.starts_on, year.ends_on)
        terms = Term.objects.bulk_create(self.term(year, plan, school) for plan in plans)
        self.counts.terms += len(terms)
        bells = cur.bell_times(rnd.choice(cur.BELL_STARTS))
        Bell.objects.bulk_create(
            Bell(organization=org, number=n, starts_at=s, ends_at=e) for n, s, e in bells
        )
        self.counts.bells += len(bells)
        timetable = cur.plan_timetable(
            school.classes, school.teachers, rnd=rnd, preferred=self.preferred
        )
        rooms = cur.teacher_rooms(school.classes, school.teachers)
        entries: dict[int, list[tuple[Slot, TimetableEntry]]] = {}
        for klass in school.classes:
            entries[klass.id] = [
                (
                    slot,
                    TimetableEntry(
                        school_class_id=klass.id,
                        weekday=slot.weekday,
                        number=slot.number,
                        subject_id=self.catalogue.subjects[slot.subject],
                        teacher_id=slot.teacher_id,
                        room=cur.ROOMS.get(slot.subject, rooms.get(slot.teacher_id, "")),
                        valid_from=year.starts_on,
                        valid_to=year.ends_on,
                    ),
                )
                for slot in timetable[klass.id]
            ]
        created = TimetableEntry.objects.bulk_create(
            (entry for rows in entries.values() for _, entry in rows), batch_size=2000
        )
        self.counts.timetable += len(created)
        away = self.teachers_away(school, timetable, plans, rnd)
        bell_of = {n: (s, e) for n, s, e in bells}
        term_rows = list(zip(plans, terms, strict=True))
        for klass in school.classes:
            ClassYear(self, school, klass, entries[klass.id], term_rows, bell_of, away).run()
            on_class(1)

    def term(self, year: AcademicYear, plan: TermPlan, school: School) -> Term:
        """A quarter; one that ended before today was closed two days after its end."""
        closed_at = None
        if plan.ends_on < self.today:
            closed_at = min(
                self.local(plan.ends_on + datetime.timedelta(days=2), datetime.time(15, 0)),
                self.now - datetime.timedelta(minutes=1),
            )
        return Term(
            academic_year=year,
            number=plan.number,
            name=plan.name,
            starts_on=plan.starts_on,
            ends_on=plan.ends_on,
            closed_at=closed_at,
            closed_by_id=school.director_id if closed_at else None,
        )

    def teachers_away(
        self,
        school: School,
        timetable: Mapping[int, list[Slot]],
        plans: Sequence[TermPlan],
        rnd: random.Random,
    ) -> Absences:
        """Teachers away for a few days, and who stands in for each of their lessons.

        An absence is known from its first morning on (the sick note gives its length), so
        none that starts after ``now`` is written. A substitute is free in that slot by the
        timetable, not away, not standing in elsewhere, and of the same specialty when one
        is free; with nobody free the lesson is cancelled.
        """
        slots_of: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
        specialty: dict[int, set[str]] = defaultdict(set)
        busy: set[tuple[int, int, int]] = set()
        for slots in timetable.values():
            for s in slots:
                slots_of[s.teacher_id].append((s.weekday, s.number, s.subject))
                specialty[s.teacher_id].add(cur.GROUPS[s.subject])
                busy.add((s.teacher_id, s.weekday, s.number))
        days = [d for plan in plans for d in plan.days]
        away_on: dict[datetime.date, set[int]] = defaultdict(set)
        spells = []
        for teacher in sorted(slots_of, key=school.teachers.index):
            if rnd.random() >= TEACHER_AWAY:
                continue
            start = rnd.randrange(len(days))
            spell = days[start : start + rnd.randint(3, 8)]
            reason = rnd.choice(texts.SUBSTITUTION_REASONS)
            announced = self.local(spell[0], datetime.time(7, 40))
            if announced > self.now:
                continue
            spells.append((teacher, spell, reason, announced))
            for day in spell:
                away_on[day].add(teacher)
        standing_in: set[tuple[datetime.date, int, int]] = set()
        stood_in: Counter[int] = Counter()
        result: dict[tuple[datetime.date, int, int], tuple[int | None, str, datetime.datetime]]
        result = {}
        for teacher, spell, reason, announced in spells:
            for day in spell:
                for weekday, number, subject in slots_of[teacher]:
                    if weekday != day.isoweekday():
                        continue
                    group = cur.GROUPS[subject]
                    free = [
                        t
                        for t in school.teachers
                        if (t, weekday, number) not in busy
                        and t not in away_on[day]
                        and (day, number, t) not in standing_in
                    ]
                    substitute = None
                    if free:
                        substitute = min(
                            free, key=lambda t: (group not in specialty[t], stood_in[t])
                        )
                        standing_in.add((day, number, substitute))
                        stood_in[substitute] += 1
                    result[(day, number, teacher)] = (substitute, reason, announced)
        return result


@dataclass
class LessonPlan:
    """One lesson of the class as the loop writes it."""

    id: int
    day: datetime.date
    term: Term
    slot: Slot
    subject_id: int
    kind: str | None  # the grade type code of a written work, None for an ordinary lesson
    grade_type: GradeKind
    taught_by: int
    end: datetime.datetime


class ClassYear:
    """The lessons, cells, term grades and achievements of one class for the year."""

    def __init__(
        self,
        year: YearGenerator,
        school: School,
        klass: ClassInfo,
        entries: list[tuple[Slot, TimetableEntry]],
        terms: list[tuple[TermPlan, Term]],
        bells: Mapping[int, tuple[datetime.time, datetime.time]],
        away: Absences,
    ) -> None:
        self.y = year
        self.school = school
        self.klass = klass
        self.terms = terms
        self.bells = bells
        self.away = away
        name = f"{year.seed}:{school.organization.inn}:{klass.grade}{klass.letter}"
        self.rnd = random.Random(name)  # noqa: S311 — test data, repeatable
        self.students = school.students.get(klass.id, [])
        self.graded = klass.grade >= 2  # no marks in grade 1
        self.by_weekday: dict[int, list[tuple[Slot, TimetableEntry]]] = defaultdict(list)
        for slot, entry in entries:
            self.by_weekday[slot.weekday].append((slot, entry))
        hours = dict(cur.plan_of(klass.grade))
        self.ordinary = {subject: self.ordinary_chance(h) for subject, h in hours.items()}
        types = year.catalogue.grade_types
        self.answer = types["answer"]
        # A mark on an ordinary lesson: an answer, classwork or checked homework (11:5:4).
        self.ordinary_types = (
            (types["answer"],) * 11 + (types["classwork"],) * 5 + (types["homework"],) * 4
        )
        n = len(self.students)
        if n >= len(year.seconds):
            year.seconds += [
                datetime.timedelta(seconds=9 * i) for i in range(len(year.seconds), n + 1)
            ]
        rnd = self.rnd
        bonus = 0.15 if klass.grade <= 4 else 0.0
        self.ability = [min(4.9, max(2.6, rnd.gauss(3.95 + bonus, 0.5))) for _ in range(n)]
        self.health = [
            next(f for f, share in HEALTH if r < share) for r in (rnd.random() for _ in range(n))
        ]
        self.offsets: dict[str, list[float]] = {}
        # Sick spells and excused days: the kind, reason, school days left, when it ends.
        self.spell_kind = [""] * n
        self.spell_reason = [""] * n
        self.spell_left = [0] * n
        self.spell_end: list[datetime.date] = [datetime.date.min] * n
        # Sums of the weighted marks per (pupil, subject, term) for the term grades.
        self.sums: dict[tuple[int, str, int], list[int]] = {}
        self.subject_teacher: dict[str, Counter[int]] = defaultdict(Counter)

    @staticmethod
    def ordinary_chance(hours: int) -> float:
        """The chance of a mark on an ordinary lesson, so that a quarter has TERM_MARKS."""
        h = min(max(hours, 1), 6)
        written = TERM_ASSESSMENTS[h]
        return max(0.05, (TERM_MARKS[h] - ASSESSED_SHARE * written) / (8 * h - written))

    # --- the year, day by day -----------------------------------------------------------------
    def run(self) -> None:
        y = self.y
        days = [(day, plan, term) for plan, term in self.terms for day in plan.days]
        due = self.due_dates([d for d, _, _ in days])
        written = self.assessment_plan()
        events = self.class_events()
        taught: Counter[str] = Counter()
        in_term: Counter[tuple[str, int]] = Counter()
        types = y.catalogue.grade_types
        school_days = [d for d, _, _ in days]
        for index, (day, _plan, term) in enumerate(days):
            if y.until is not None and day > y.until:
                break
            if day <= y.today:
                self.spells(index, school_days)
            for slot, entry in self.by_weekday[day.isoweekday()]:
                index = in_term[(slot.subject, term.number)]
                in_term[(slot.subject, term.number)] += 1
                kind = written.get((slot.subject, term.number), NO_ASSESSMENTS).get(index)
                lesson = self.lesson(day, term, slot, entry, kind, types, events, due, taught)
                if lesson is not None and self.students:
                    self.cells(lesson)
        self.final_grades()
        self.achievements()

    def spells(self, index: int, days: Sequence[datetime.date]) -> None:
        """Who is away all day on ``days[index]``: sick spells (2–7 school days) and excused
        days start or go on. A sick pupil brings the certificate on the day they are back."""
        rnd = self.rnd
        day = days[index]
        season = SEASON.get(day.month, 1.0)
        kinds, left = self.spell_kind, self.spell_left
        for i in range(len(kinds)):
            if left[i] > 0:
                left[i] -= 1
                continue
            kinds[i] = ""
            r = rnd.random()
            sick = SICK_START * season * self.health[i]
            if r < sick:
                length = rnd.randint(2, 7)
                kinds[i] = Attendance.SICK
                self.spell_reason[i] = rnd.choice(texts.SICK_REASONS)
                left[i] = length - 1
                back = index + length
                self.spell_end[i] = (
                    days[back] if back < len(days) else days[-1] + datetime.timedelta(days=1)
                )
            elif r < sick + EXCUSED_START:
                kinds[i] = Attendance.EXCUSED
                self.spell_reason[i] = rnd.choice(texts.EXCUSED_REASONS)
                left[i] = rnd.randint(0, 1)

    def lesson(
        self,
        day: datetime.date,
        term: Term,
        slot: Slot,
        entry: TimetableEntry,
        kind: str | None,
        types: Mapping[str, GradeKind],
        events: Mapping[tuple[datetime.date, int], tuple[str, datetime.datetime]],
        due: Mapping[tuple[str, datetime.date], datetime.date],
        taught: Counter[str],
    ) -> LessonPlan | None:
        """Write one lesson (and its schedule change); return it when its cells are due:
        it has taken place by now."""
        y, rnd = self.y, self.rnd
        tables = y.tables
        lesson_id = tables.lesson_ids.take()
        grade_type = types[kind] if kind else self.answer
        starts_at, ends_at = self.bells[slot.number]
        substitute = None
        change: tuple[str, str, str, datetime.datetime] | None = None
        event = events.get((day, slot.number))
        if event is not None:
            change = (ScheduleChange.Kind.CANCELLED, "{}", *event)
        elif (away := self.away.get((day, slot.number, slot.teacher_id))) is not None:
            substitute, reason, announced = away
            if substitute is None:
                change = (ScheduleChange.Kind.CANCELLED, "{}", reason, announced)
            else:
                details = json.dumps({"teacher": slot.teacher_id, "substitute": substitute})
                change = (ScheduleChange.Kind.SUBSTITUTION, details, reason, announced)
        cancelled = change is not None and change[0] == ScheduleChange.Kind.CANCELLED
        taught_by = substitute or slot.teacher_id
        end = y.local(day, ends_at)
        past = end <= y.now and not cancelled
        topic = homework = ""
        homework_due = homework_set_at = None
        updated_at = end if end <= y.now else y.now
        if past:
            progress = taught[slot.subject]
            taught[slot.subject] += 1
            topics = texts.TOPICS.get(slot.subject, ("Повторение",))
            theme = topics[(progress // 3) % len(topics)]
            if kind:
                topic = f"{cur.ASSESSMENT_TITLES[kind]}: {theme}"
            elif rnd.random() < 0.97:
                topic = theme
            light = slot.subject in cur.LIGHT_HOMEWORK
            if self.graded and rnd.random() < (0.12 if light else 0.88):
                homework = texts.homework_text(slot.subject, rnd, progress)
                homework_due = due.get((slot.subject, day))
                homework_set_at = min(end + datetime.timedelta(minutes=rnd.randint(2, 50)), y.now)
                updated_at = homework_set_at
            self.subject_teacher[slot.subject][taught_by] += 1
        tables.lessons.add(
            (lesson_id, self.klass.id, entry.subject_id, slot.teacher_id, substitute, term.pk,
             day, slot.number, starts_at, ends_at, entry.room,
             Lesson.Status.CANCELLED if cancelled else Lesson.Status.PLANNED, entry.pk,
             grade_type.id, topic, homework, homework_due, homework_set_at, updated_at)
        )  # fmt: skip
        if change is not None:
            kind_of_change, details, reason, announced = change
            y.counts.substitutions += kind_of_change == ScheduleChange.Kind.SUBSTITUTION
            y.counts.cancellations += cancelled
            by = self.school.deputy_id or self.school.director_id
            tables.schedule.add((lesson_id, kind_of_change, details, reason, by, announced))
        if not past:
            return None
        return LessonPlan(
            lesson_id, day, term, slot, entry.subject_id, kind, grade_type, taught_by, end
        )

    def cells(self, lesson: LessonPlan) -> None:
        """The attendance and marks of a past lesson, each cell with its history (JRN-4, 5, 7).

        The hot loop of the generator (every pupil of every past lesson): kept flat.
        """
        y, rnd = self.y, self.rnd
        tables, counts = y.tables, y.counts
        subject = lesson.slot.subject
        n = len(self.students)
        graded = self.graded and subject not in cur.PASS_FAIL
        written = lesson.kind is not None
        p_mark = ASSESSED_SHARE if written else self.ordinary[subject]
        late_chance = LATE_FIRST if lesson.slot.number == 1 else LATE_LATER
        entered = min(
            lesson.end + datetime.timedelta(minutes=rnd.randint(1, 120)),
            y.now - y.seconds[min(n, 200)],
        )
        bias = 0.2 if written else 0.0
        offset = self.offsets.get(subject)
        if graded and offset is None:
            offset = self.offsets[subject] = [rnd.gauss(0, 0.35) for _ in range(n)]
        kinds, reasons, ability = self.spell_kind, self.spell_reason, self.ability
        ordinary_types, seconds = self.ordinary_types, y.seconds
        marks, changes, mark_ids = tables.marks, tables.changes, tables.mark_ids
        lesson_id, class_id, subject_id = lesson.id, self.klass.id, lesson.subject_id
        term_number = lesson.term.number
        by = lesson.taught_by
        for i in range(n):
            attendance = kinds[i]
            reason = reasons[i] if attendance else ""
            if not attendance:
                r = rnd.random()
                if r < SKIPPED:
                    attendance = Attendance.ABSENT
                elif r < SKIPPED + late_chance:
                    attendance = Attendance.LATE
            value = None
            kind = lesson.grade_type
            if graded and attendance not in ABSENCES and rnd.random() < p_mark:
                assert offset is not None
                x = ability[i] + offset[i] + rnd.gauss(0, 0.8) - bias
                value = 5 if x >= 4.5 else 4 if x >= 3.5 else 3 if x >= 2.5 else 2
                if not written:
                    kind = ordinary_types[int(rnd.random() * 20)]
            if value is None and not attendance:
                continue
            at = entered + seconds[i]
            comment = ""
            if value is not None and rnd.random() < COMMENTED:
                comment = rnd.choice(texts.MARK_COMMENTS[value])
            cell = (value, attendance, reason, comment)
            first, later = self.correction(i, lesson, cell, at)
            mark_id = mark_ids.take()
            student = self.students[i]
            value, attendance, reason, comment = later[0] if later else first
            marks.add(
                (mark_id, lesson_id, student, value, kind.id, kind.weight, comment, attendance,
                 reason, 2 if later else 1, later[1] if later else by,
                 later[2] if later else at)
            )  # fmt: skip
            created = snapshot(*first, kind.id)
            changes.add(
                (MarkChange.Kind.CELL, mark_id, None, lesson_id, student, class_id, subject_id,
                 "{}", created, 1, None, by, at)
            )  # fmt: skip
            if later:
                changes.add(
                    (MarkChange.Kind.CELL, mark_id, None, lesson_id, student, class_id,
                     subject_id, created, snapshot(*later[0], kind.id), 2, 1, later[1],
                     later[2])
                )  # fmt: skip
            if value is not None:
                counts.grades += 1
                key = (i, subject, term_number)
                acc = self.sums.get(key)
                if acc is None:
                    self.sums[key] = [value * kind.weight100, kind.weight100]
                else:
                    acc[0] += value * kind.weight100
                    acc[1] += kind.weight100
            if attendance:
                counts.attendance += 1

    def correction(
        self,
        i: int,
        lesson: LessonPlan,
        cell: tuple[int | None, str, str, str],
        at: datetime.datetime,
    ) -> tuple[
        tuple[int | None, str, str, str],
        tuple[tuple[int | None, str, str, str], int, datetime.datetime] | None,
    ]:
        """What the teacher first wrote into a cell, and its later correction if any:
        (cell, (corrected cell, by whom, when) or None).

        A sick pupil is first marked absent; the class teacher writes "Б" with the reason
        when the certificate comes. Some absences are excused later, some "2"s retaken and
        some marks fixed minutes after a typo. Nothing is corrected after ``now`` nor after
        the term closed.
        """
        value, attendance, reason, comment = cell
        y, rnd = self.y, self.rnd
        closed = lesson.term.closed_at
        class_teacher = self.klass.teacher_id or lesson.taught_by

        def allowed(moment: datetime.datetime) -> bool:
            return moment <= y.now and (closed is None or moment < closed)

        if attendance == Attendance.SICK:
            first = (value, Attendance.ABSENT, "", comment)
            certified = y.local(self.spell_end[i], datetime.time(8, 20))
            if allowed(certified):
                return first, (cell, class_teacher, certified)
            return first, None
        if attendance == Attendance.ABSENT and rnd.random() < EXCUSE_LATER:
            excused = y.local(
                lesson.day + datetime.timedelta(days=rnd.randint(1, 3)), datetime.time(8, 25)
            )
            if allowed(excused):
                note = rnd.choice(texts.EXCUSED_REASONS)
                return cell, ((value, Attendance.EXCUSED, note, comment), class_teacher, excused)
            return cell, None
        if value == 2 and rnd.random() < RETAKE:
            retake = y.local(
                lesson.day + datetime.timedelta(days=rnd.randint(2, 7)), datetime.time(15, 10)
            )
            if allowed(retake):
                better = (rnd.choice((3, 3, 4)), attendance, reason, texts.RETAKE_COMMENT)
                return cell, (better, lesson.taught_by, retake)
            return cell, None
        if value is not None and rnd.random() < TYPO:
            fixed = at + datetime.timedelta(minutes=rnd.randint(1, 9))
            if allowed(fixed):
                typed = (value + 1 if value < 5 else 4, attendance, reason, comment)
                return typed, (cell, lesson.taught_by, fixed)
        return cell, None

    # --- the class's plans --------------------------------------------------------------------
    def due_dates(
        self, days: Sequence[datetime.date]
    ) -> dict[tuple[str, datetime.date], datetime.date]:
        """(subject, lesson day) → the day of the subject's next lesson: homework is due then."""
        weekdays: dict[str, set[int]] = defaultdict(set)
        for weekday, slots in self.by_weekday.items():
            for slot, _ in slots:
                weekdays[slot.subject].add(weekday)
        due: dict[tuple[str, datetime.date], datetime.date] = {}
        for subject, on in weekdays.items():
            following: datetime.date | None = None
            for day in reversed(days):
                if day.isoweekday() in on:
                    if following is not None:
                        due[(subject, day)] = following
                    following = day
        return due

    def assessment_plan(self) -> dict[tuple[str, int], dict[int, str]]:
        """(subject, term) → {the subject's lesson number in the term: grade type code}.

        Written works are spread over the term, none in its first two lessons nor its last;
        the last one is a test in the subjects that have one.
        """
        if not self.graded:
            return {}
        per_week: Counter[str] = Counter(
            slot.subject for slots in self.by_weekday.values() for slot, _ in slots
        )
        plan: dict[tuple[str, int], dict[int, str]] = {}
        for term_plan, _ in self.terms:
            total: Counter[str] = Counter(
                slot.subject
                for day in term_plan.days
                for slot, _ in self.by_weekday.get(day.isoweekday(), ())
            )
            for subject, count in total.items():
                if subject in cur.PASS_FAIL or count < 4:
                    continue
                k = TERM_ASSESSMENTS[min(max(per_week[subject], 1), 6)]
                kinds = cur.ASSESSMENTS.get(subject, ("independent",))
                chosen = {}
                for j in range(k):
                    index = min(count - 2, max(2, int(count * (j + 0.8) / k)))
                    test = j == k - 1 and subject in cur.TEST_LAST
                    chosen[index] = "test" if test else kinds[j % len(kinds)]
                plan[(subject, term_plan.number)] = chosen
        return plan

    def class_events(self) -> dict[tuple[datetime.date, int], tuple[str, datetime.datetime]]:
        """The class's last lesson of a day cancelled by the school (an excursion, a medical
        check), about one term in three; announced three days ahead, so known only then."""
        events = {}
        for term_plan, _ in self.terms:
            if self.rnd.random() >= 0.35 or not term_plan.days:
                continue
            day = self.rnd.choice(term_plan.days)
            reason = self.rnd.choice(texts.CANCELLATION_REASONS)
            slots = self.by_weekday.get(day.isoweekday())
            announced = self.y.local(day - datetime.timedelta(days=3), datetime.time(12, 0))
            if slots and announced <= self.y.now:
                events[(day, slots[-1][0].number)] = (reason, announced)
        return events

    # --- term grades and achievements ---------------------------------------------------------
    def final_grades(self) -> None:
        """JRN-6: term grades of the closed terms from the weighted average (pass/fail
        subjects passed), and the year grades once every term is closed."""
        y, klass = self.y, self.klass
        if not self.graded or not self.students:
            return
        closed = [(plan, term) for plan, term in self.terms if term.closed_at is not None]
        per_term: dict[tuple[int, str], list[int]] = defaultdict(list)
        for plan, term in closed:
            assert term.closed_at is not None
            at = min(y.local(plan.ends_on, datetime.time(16, 0)), term.closed_at)
            for subject, _hours in cur.plan_of(klass.grade):
                teacher = self.teacher_of(subject)
                for i, student in enumerate(self.students):
                    if subject in cur.PASS_FAIL:
                        self.final_row(student, subject, term, None, True, teacher, at)
                        continue
                    acc = self.sums.get((i, subject, plan.number))
                    if acc is None:
                        continue  # no marks this term: not assessed
                    average = (Decimal(acc[0]) / Decimal(acc[1])).quantize(
                        Decimal("0.01"), ROUND_HALF_UP
                    )
                    value = suggest_final(average, y.journal)
                    assert value is not None
                    per_term[(i, subject)].append(value)
                    self.final_row(student, subject, term, value, None, teacher, at)
        if closed and len(closed) == len(self.terms):
            at = closed[-1][1].closed_at or y.now
            for (i, subject), values in per_term.items():
                mean = Decimal(sum(values)) / len(values)
                value = int(mean.quantize(Decimal("1"), ROUND_HALF_UP))
                self.final_row(
                    self.students[i], subject, None, value, None, self.teacher_of(subject), at
                )

    def teacher_of(self, subject: str) -> int | None:
        teachers = self.subject_teacher.get(subject)
        return teachers.most_common(1)[0][0] if teachers else None

    def final_row(
        self,
        student: int,
        subject: str,
        term: Term | None,
        value: int | None,
        passed: bool | None,
        teacher: int | None,
        at: datetime.datetime,
    ) -> None:
        y, klass = self.y, self.klass
        tables = y.tables
        subject_id = y.catalogue.subjects[subject]
        final_id = tables.final_ids.take()
        new = '{"passed": true}' if passed else f'{{"value": {value}}}'
        tables.finals.add(
            (final_id, student, klass.id, subject_id, klass.academic_year_id,
             term.pk if term else None, value, passed, "", 1, teacher, at)
        )  # fmt: skip
        tables.changes.add(
            (MarkChange.Kind.FINAL, None, final_id, None, student, klass.id, subject_id, "{}",
             new, 1, None, teacher, at)
        )  # fmt: skip

    def achievements(self) -> None:
        """JRN-8: about one pupil in fifteen has a diploma, an olympiad or a sports award."""
        y, rnd = self.y, self.rnd
        start = self.terms[0][0].starts_on
        span = (min(y.today, self.terms[-1][0].ends_on) - start).days
        if span <= 0:
            return
        for student in self.students:
            if rnd.random() >= ACHIEVERS:
                continue
            kind, title = rnd.choice(texts.ACHIEVEMENTS)
            day = start + datetime.timedelta(days=rnd.randrange(span))
            title = title.format(
                subject=rnd.choice(texts.OLYMPIAD_SUBJECTS),
                topic=rnd.choice(texts.PROJECT_TOPICS),
            )
            added = min(y.local(day + datetime.timedelta(days=1), datetime.time(10, 0)), y.now)
            y.tables.achievements.add(
                (student, self.school.organization.pk, kind, title, "", day,
                 self.klass.teacher_id, added)
            )  # fmt: skip


# --- entry points ------------------------------------------------------------------------------
def load_schools(organizations: Iterable[Organization]) -> list[School]:
    """The schools with classes this year among ``organizations``, with their classes,
    confirmed teachers, administration and confirmed students, in a repeatable order."""
    schools = []
    for org in organizations:
        classes = [
            ClassInfo(c.pk, c.grade, c.letter, c.class_teacher_id, c.academic_year_id)
            for c in SchoolClass.objects.filter(
                organization=org, academic_year__is_current=True
            ).order_by("grade", "letter")
        ]
        if not classes:
            continue
        staff = list(
            StaffPosition.objects.confirmed()
            .filter(organization=org)
            .order_by("person__username")
            .values_list("person_id", "position")
        )
        teachers = [p for p, position in staff if position == StaffPosition.Position.TEACHER]
        leaders = {c.teacher_id for c in classes if c.teacher_id is not None}
        teachers += sorted(leaders - set(teachers))
        director = next((p for p, pos in staff if pos == StaffPosition.Position.DIRECTOR), None)
        deputy = next((p for p, pos in staff if pos == StaffPosition.Position.DEPUTY), None)
        school = School(org, classes, teachers, director, deputy)
        for class_id, student in (
            Enrollment.objects.confirmed()
            .filter(school_class__in=[c.id for c in classes])
            .order_by("student__username")
            .values_list("school_class_id", "student_id")
        ):
            school.students.setdefault(class_id, []).append(student)
        schools.append(school)
    return schools


def journal_generate(
    *,
    region: Region,
    now: datetime.datetime,
    seed: Any,
    use_copy: bool | None = None,
    until: datetime.date | None = None,
    organizations: Sequence[Organization] | None = None,
    preferred: Mapping[int, str] | None = None,
    stage: Callable[[str, int], Callable[[int], object]] | None = None,
) -> dict[str, int]:
    """Write the school year of the region's schools (or of ``organizations``) as it stands
    at ``now``, with lessons up to ``until`` (default: the year's end); return the counts.

    ``preferred`` fixes some teachers' specialty (teacher id → a ``curriculum.GROUPS``
    value). The caller holds the transaction.
    """
    use_copy = is_postgresql() if use_copy is None else use_copy
    if organizations is None:
        organizations = list(
            Organization.objects.filter(
                municipality__region=region, kind=Organization.Kind.SCHOOL
            ).order_by("inn")
        )
    try:
        tz: datetime.tzinfo = zoneinfo.ZoneInfo(region.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = datetime.UTC
    schools = load_schools(organizations)
    catalogue = Catalogue.load()
    stage = stage or (lambda description, total: lambda done: None)
    update = stage("журнал: классы", sum(len(s.classes) for s in schools))
    written = (JournalSettings, Term, Bell, TimetableEntry, Lesson, Mark, FinalGrade,
               ScheduleChange, Achievement)  # fmt: skip
    big = sum(len(s.classes) for s in schools) >= BIG_LOAD_CLASSES
    with (
        KeysCheckedOnce(written),
        IndexesRebuilt((Lesson, Mark, MarkChange, FinalGrade), enabled=big),
    ):
        JournalSettings.objects.bulk_create(
            [JournalSettings(organization=s.organization) for s in schools], ignore_conflicts=True
        )
        tables = Tables(use_copy=use_copy)
        year = YearGenerator(
            tables=tables,
            catalogue=catalogue,
            tz=tz,
            now=now,
            until=until,
            seed=seed,
            preferred=preferred,
        )
        for school in schools:
            year.school(school, update)
            tables.flush()  # a school's rows go out before the next school's are made
    analyze_journal()
    return year.counts.as_dict(tables) | {"journal_settings": len(schools)}


def journal_counts(region: Region) -> dict[str, int]:
    """The region's journal rows per table, as the database holds them."""
    in_region = {"school_class__organization__municipality__region": region}
    lessons = Lesson.objects.filter(**in_region)
    marks = Mark.objects.filter(lesson__school_class__organization__municipality__region=region)
    return {
        "journal_terms": Term.objects.filter(
            academic_year__organization__municipality__region=region
        ).count(),
        "journal_bells": Bell.objects.filter(organization__municipality__region=region).count(),
        "timetable_entries": TimetableEntry.objects.filter(**in_region).count(),
        "lessons": lessons.count(),
        "marks": marks.count(),
        "grades": marks.filter(value__isnull=False).count(),
        "attendance_marks": marks.exclude(attendance="").count(),
        "mark_history": MarkChange.objects.filter(**in_region).count(),
        "final_grades": FinalGrade.objects.filter(**in_region).count(),
        "schedule_changes": ScheduleChange.objects.filter(lesson__in=lessons).count(),
        "substitutions": lessons.filter(substitute__isnull=False).count(),
        "cancellations": lessons.filter(status=Lesson.Status.CANCELLED).count(),
        "achievements": Achievement.objects.filter(
            organization__municipality__region=region
        ).count(),
        "journal_settings": JournalSettings.objects.filter(
            organization__municipality__region=region
        ).count(),
    }
