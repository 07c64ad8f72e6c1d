"""The school year a generated journal follows: the federal plan, the calendar, a timetable.

- ``PLAN`` — hours a week of each subject by grade (the federal plan for a five-day week:
  21 lessons in grade 1, 23 in 2–4, 29, 30, 32, 33, 33 in 5–9, 34 in 10–11), with the subject
  names of the region-wide catalogue (``directory.fake_names.SUBJECTS``).
- ``school_terms`` — the four quarters of an academic year and their school days.
- ``plan_timetable`` — a school's weekly timetable in which no teacher is in two classes at
  once (JRN-2): the class teacher teaches the primary subjects in grades 1–4, subject
  teachers by specialty the rest.

Used by the data generator and the demo (``journal.generate``); nothing here writes.
"""

from __future__ import annotations

import datetime
import math
import random
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

RUS, LIT_READING, LIT = "Русский язык", "Литературное чтение", "Литература"
ENG, MATH = "Иностранный язык (английский)", "Математика"
ALG, GEOM, PROB = "Алгебра", "Геометрия", "Вероятность и статистика"
INF, WORLD, HIST, SOC = "Информатика", "Окружающий мир", "История", "Обществознание"
GEO, PHYS, CHEM, BIO = "География", "Физика", "Химия", "Биология"
ORKSE = "Основы религиозных культур и светской этики"
ODNKNR = "Основы духовно-нравственной культуры народов России"
ART, MUSIC = "Изобразительное искусство", "Музыка"
TECH, PE = "Труд (технология)", "Физическая культура"
OBZR, PROJECT = "Основы безопасности и защиты Родины", "Индивидуальный проект"

# fmt: off
_PRIMARY_2_3 = ((RUS, 5), (LIT_READING, 4), (ENG, 2), (MATH, 4), (WORLD, 2), (MUSIC, 1),
                (ART, 1), (TECH, 1), (PE, 3))
_SENIOR = ((RUS, 2), (LIT, 3), (ENG, 3), (ALG, 4), (GEOM, 3), (PROB, 1), (INF, 1), (HIST, 2),
           (SOC, 2), (GEO, 1), (PHYS, 3), (CHEM, 2), (BIO, 2), (PE, 3), (OBZR, 1), (PROJECT, 1))
PLAN: dict[int, tuple[tuple[str, int], ...]] = {
    1: ((RUS, 5), (LIT_READING, 4), (MATH, 4), (WORLD, 2), (MUSIC, 1), (ART, 1), (TECH, 1),
        (PE, 3)),
    2: _PRIMARY_2_3,
    3: _PRIMARY_2_3,
    4: ((RUS, 5), (LIT_READING, 4), (ENG, 2), (MATH, 4), (WORLD, 2), (ORKSE, 1), (MUSIC, 1),
        (ART, 1), (TECH, 1), (PE, 2)),
    5: ((RUS, 5), (LIT, 3), (ENG, 3), (MATH, 5), (INF, 1), (HIST, 2), (GEO, 1), (BIO, 1),
        (ODNKNR, 1), (MUSIC, 1), (ART, 1), (TECH, 2), (PE, 3)),
    6: ((RUS, 6), (LIT, 3), (ENG, 3), (MATH, 5), (HIST, 3), (SOC, 1), (GEO, 1), (BIO, 1),
        (ODNKNR, 1), (MUSIC, 1), (ART, 1), (TECH, 2), (PE, 2)),
    7: ((RUS, 4), (LIT, 2), (ENG, 3), (ALG, 3), (GEOM, 2), (PROB, 1), (INF, 1), (HIST, 3),
        (SOC, 1), (GEO, 2), (PHYS, 2), (BIO, 1), (MUSIC, 1), (ART, 1), (TECH, 2), (PE, 3)),
    8: ((RUS, 3), (LIT, 2), (ENG, 3), (ALG, 3), (GEOM, 2), (PROB, 1), (INF, 1), (HIST, 3),
        (SOC, 1), (GEO, 2), (PHYS, 2), (CHEM, 2), (BIO, 2), (MUSIC, 1), (TECH, 1), (OBZR, 1),
        (PE, 3)),
    9: ((RUS, 3), (LIT, 3), (ENG, 3), (ALG, 3), (GEOM, 2), (PROB, 1), (INF, 1), (HIST, 2),
        (SOC, 1), (GEO, 2), (PHYS, 3), (CHEM, 2), (BIO, 2), (TECH, 1), (OBZR, 1), (PE, 3)),
    10: _SENIOR,
    11: _SENIOR,
}
# A teacher's specialty: the subjects one teacher teaches.
GROUPS: dict[str, str] = {
    RUS: "russian", LIT: "russian", LIT_READING: "russian",
    MATH: "math", ALG: "math", GEOM: "math", PROB: "math",
    ENG: "english", INF: "informatics",
    HIST: "history", SOC: "history", ODNKNR: "history", ORKSE: "history",
    GEO: "nature", BIO: "nature", WORLD: "nature", CHEM: "chemistry",
    PHYS: "physics", PROJECT: "physics",
    MUSIC: "arts", ART: "arts", TECH: "technology", PE: "sport", OBZR: "sport",
}
# The kinds of written work of a subject (grade type codes), in the order they come in a
# term; a term's last written work is a test ("контрольная работа") in TEST_LAST.
ASSESSMENTS: dict[str, tuple[str, ...]] = {
    RUS: ("dictation", "independent"), MATH: ("independent",), ALG: ("independent",),
    GEOM: ("independent",), PHYS: ("lab", "independent"), CHEM: ("lab", "independent"),
    BIO: ("lab",), INF: ("project",), PE: ("classwork",), MUSIC: ("project",),
    ART: ("project",), TECH: ("project",), PROJECT: ("project",),
}
TEST_LAST = frozenset({RUS, LIT, ENG, MATH, ALG, GEOM, PROB, INF, HIST, SOC, GEO, PHYS, CHEM,
                       BIO, WORLD, LIT_READING, OBZR})
# fmt: on
# In grades 1–4 the class teacher teaches these; English, music and PE have their teachers.
PRIMARY_SUBJECTS = frozenset({RUS, LIT_READING, MATH, WORLD, ART, TECH, ORKSE})
PASS_FAIL = frozenset({ORKSE, ODNKNR})  # "зачёт": no marks, the term grade is "passed"
LIGHT_HOMEWORK = frozenset({PE, MUSIC, ART, TECH, OBZR, ODNKNR, ORKSE})
HARD = frozenset({RUS, MATH, ALG, GEOM, ENG, PHYS, CHEM})  # not first or late in the day
ROOMS = {PE: "Спортзал", TECH: "Мастерская"}
ASSESSMENT_TITLES = {
    "dictation": "Диктант",
    "independent": "Самостоятельная работа",
    "lab": "Лабораторная работа",
    "test": "Контрольная работа",
    "project": "Защита проекта",
    "classwork": "Сдача нормативов",
}
FULL_LOAD = 18  # a teacher's hours a week at one full rate ("ставка")

BELL_STARTS = (datetime.time(8, 0), datetime.time(8, 30))
LESSON_MINUTES = 45
BREAKS = (10, 20, 20, 10, 10, 10, 10, 10)
# (month, day) of each quarter's start and end; the first starts and the last ends with the
# academic year. Between them the autumn, winter and spring holidays.
QUARTERS = (((9, 1), (10, 26)), ((11, 5), (12, 28)), ((1, 12), (3, 22)), ((4, 1), (5, 26)))
HOLIDAYS = ((11, 4), (2, 23), (3, 8), (5, 1), (5, 9))


def plan_of(grade: int) -> tuple[tuple[str, int], ...]:
    return PLAN[min(max(grade, 1), 11)]


def weekly_hours(grade: int) -> int:
    return sum(hours for _, hours in plan_of(grade))


# --- the calendar ------------------------------------------------------------------------------
@dataclass(frozen=True)
class TermPlan:
    number: int
    starts_on: datetime.date
    ends_on: datetime.date
    days: tuple[datetime.date, ...]  # school days: Monday to Friday but public holidays

    @property
    def name(self) -> str:
        return f"{self.number} четверть"


def school_terms(starts_on: datetime.date, ends_on: datetime.date) -> list[TermPlan]:
    """The four quarters of the academic year from ``starts_on`` to ``ends_on`` (JRN-1)."""
    terms = []
    for number, (start, end) in enumerate(QUARTERS, start=1):
        year = starts_on.year if start[0] >= 9 else starts_on.year + 1
        begins = starts_on if number == 1 else datetime.date(year, *start)
        finishes = ends_on if number == len(QUARTERS) else datetime.date(year, *end)
        holidays = {datetime.date(year, m, d) for m, d in HOLIDAYS}
        days = []
        day = begins
        while day <= finishes:
            if day.isoweekday() <= 5 and day not in holidays:
                days.append(day)
            day += datetime.timedelta(days=1)
        terms.append(TermPlan(number, begins, finishes, tuple(days)))
    return terms


def bell_times(start: datetime.time) -> list[tuple[int, datetime.time, datetime.time]]:
    """The bell schedule: lesson number, start and end, 45-minute lessons from ``start``."""
    moment = datetime.datetime.combine(datetime.date(2000, 1, 1), start)
    bells = []
    for number, pause in enumerate(BREAKS, start=1):
        end = moment + datetime.timedelta(minutes=LESSON_MINUTES)
        bells.append((number, moment.time(), end.time()))
        moment = end + datetime.timedelta(minutes=pause)
    return bells


def day_lengths(hours: int) -> dict[int, int]:
    """Lessons on each weekday: as even as possible, the longer days mid-week."""
    base, extra = divmod(hours, 5)
    lengths = dict.fromkeys(range(1, 6), base)
    for weekday in (2, 3, 4, 1, 5)[:extra]:
        lengths[weekday] += 1
    return lengths


# --- the timetable -----------------------------------------------------------------------------
@dataclass(frozen=True)
class ClassInfo:
    id: int
    grade: int
    letter: str
    teacher_id: int | None
    academic_year_id: int


@dataclass(frozen=True)
class Slot:
    weekday: int
    number: int
    subject: str
    teacher_id: int


def assign_teachers(
    classes: Sequence[ClassInfo],
    teachers: Sequence[int],
    *,
    rnd: random.Random,
    preferred: Mapping[int, str] | None = None,
) -> dict[tuple[int, str], int]:
    """Who teaches each class's subject: the class teacher in grades 1–4, else by specialty.

    A subject teacher gets a specialty the first time one is needed (``preferred`` fixes some
    beforehand) and is given classes up to a full load (more when the school is short of
    teachers) before the next teacher is taken; a class teacher teaches their own class
    their subject when they can.
    """
    preferred = dict(preferred or {})
    primary = {c.teacher_id for c in classes if c.grade <= 4 and c.teacher_id is not None}
    pool = [t for t in teachers if t not in primary] or list(teachers)
    rnd.shuffle(pool)
    pool.sort(key=lambda t: t not in preferred)  # the fixed specialties first
    assigned: dict[tuple[int, str], int] = {}
    load: Counter[int] = Counter()
    units: list[tuple[str, int, ClassInfo, str]] = []
    demand: Counter[str] = Counter()
    for klass in classes:
        for subject, hours in plan_of(klass.grade):
            if klass.grade <= 4 and subject in PRIMARY_SUBJECTS and klass.teacher_id is not None:
                assigned[(klass.id, subject)] = klass.teacher_id
                load[klass.teacher_id] += hours
            else:
                units.append((GROUPS[subject], hours, klass, subject))
                demand[GROUPS[subject]] += hours
    if not units:
        return assigned
    biggest = max(hours for _, hours, _, _ in units)
    cap = max(FULL_LOAD, biggest, math.ceil(sum(demand.values()) / len(pool) * 1.1))
    rank = {group: i for i, (group, _) in enumerate(demand.most_common())}
    units.sort(key=lambda u: (rank[u[0]], -u[1], u[2].grade, u[2].letter))
    specialty: dict[int, set[str]] = {t: {preferred[t]} for t in pool if t in preferred}
    for group, hours, klass, subject in units:
        fits = [t for t in pool if group in specialty.get(t, ()) and load[t] + hours <= cap]
        if klass.teacher_id in fits:
            choice = klass.teacher_id
        elif fits:
            choice = max(fits, key=lambda t: load[t])
        else:
            fresh = [t for t in pool if t not in specialty]
            choice = fresh[0] if fresh else min(pool, key=lambda t: load[t])
            specialty.setdefault(choice, set()).add(group)
        assigned[(klass.id, subject)] = choice
        load[choice] += hours
    return assigned


def plan_timetable(
    classes: Sequence[ClassInfo],
    teachers: Sequence[int],
    *,
    rnd: random.Random,
    preferred: Mapping[int, str] | None = None,
) -> dict[int, list[Slot]]:
    """A school's weekly timetable: each class gets its plan's hours and no teacher is in
    two classes at once (JRN-2).

    Lessons are placed an hour at a time, a subject on as many different days as it can and
    the hard ones neither first nor late. When the subject's teacher is busy at every slot
    the class has free, a teacher of the same specialty, else the least busy free teacher,
    takes that hour. There always is one: a school has at least as many teachers as classes,
    and in any slot no more teachers are busy than classes were placed there.
    """
    if len(teachers) < len(classes):
        raise ValueError("a school needs at least as many teachers as classes")
    assigned = assign_teachers(classes, teachers, rnd=rnd, preferred=preferred)
    specialty: dict[int, set[str]] = defaultdict(set)
    for (_, subject), teacher in assigned.items():
        specialty[teacher].add(GROUPS[subject])
    order = {t: i for i, t in enumerate(teachers)}
    load: Counter[int] = Counter()
    busy: set[tuple[int, int, int]] = set()  # (teacher, weekday, number)
    timetable: dict[int, list[Slot]] = {}
    for klass in sorted(classes, key=lambda c: (-c.grade, c.letter)):
        lengths = day_lengths(weekly_hours(klass.grade))
        free = [(w, n) for w in range(1, 6) for n in range(1, lengths[w] + 1)]
        on_day: Counter[tuple[int, str]] = Counter()
        slots: list[Slot] = []
        for subject, hours in sorted(plan_of(klass.grade), key=lambda u: (-u[1], u[0])):
            teacher = assigned[(klass.id, subject)]
            hard = subject in HARD
            for _ in range(hours):
                best: tuple[float, int, int] | None = None
                other: tuple[float, int, int] | None = None
                for w, n in free:
                    score = 10 * on_day[(w, subject)] + rnd.random() * 0.5
                    if hard and (n == 1 or n >= 6):
                        score += 1
                    if (teacher, w, n) not in busy:
                        if best is None or score < best[0]:
                            best = (score, w, n)
                    elif other is None or score < other[0]:
                        other = (score, w, n)
                who = teacher
                if best is not None:
                    _, w, n = best
                else:
                    assert other is not None
                    _, w, n = other
                    group = GROUPS[subject]
                    who = min(
                        (t for t in teachers if (t, w, n) not in busy),
                        key=lambda t: (group not in specialty[t], load[t], order[t]),
                    )
                free.remove((w, n))
                busy.add((who, w, n))
                load[who] += 1
                on_day[(w, subject)] += 1
                slots.append(Slot(w, n, subject, who))
        timetable[klass.id] = sorted(slots, key=lambda s: (s.weekday, s.number))
    return timetable


def teacher_rooms(classes: Sequence[ClassInfo], teachers: Sequence[int]) -> dict[int, str]:
    """Each teacher's room: primary class teachers on the ground floor, the others above."""
    primary = {c.teacher_id for c in classes if c.grade <= 4}
    rooms: dict[int, str] = {}
    low = high = 0
    for teacher in teachers:
        if teacher in primary:
            low += 1
            rooms[teacher] = f"1{low:02d}"
        else:
            rooms[teacher] = f"{2 + high // 15}{high % 15 + 1:02d}"
            high += 1
    return rooms
