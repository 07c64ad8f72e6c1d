"""The demo region's journal: the school year so far, as the demo logins find it.

``manage.py demo`` calls ``populate()`` after the demo region exists. Its three schools get
the journal a school has by today (``journal.generate``): terms (the first closed, with term
grades), bells, a timetable for every class, lessons from 1 September to four weeks ahead,
topics and homework, marks, attendance and their history on the lessons already past, a few
teachers away and substituted, some achievements. Then what the demo logins should notice:

- ``demo-teacher`` teaches Mathematics in 5А, 5Б and 6А and Algebra in the upper grades, and
  stands in for a colleague in 5А on the next school day (announced to the class);
- ``demo-classteacher`` teaches Russian and Literature in 5А, the class they lead;
- ``demo-multirole`` teaches Physics at Лицей № 2;
- ``demo-student`` (5А) and ``demo-parent`` see a cancelled lesson later this week, a mark
  that ``demo-teacher`` corrected from 3 to 4 after a retake, and two achievements.

Idempotent: a second run finds the terms and adds nothing.
"""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from parta.directory.demo import REGION_CODE, SEED, DemoLogin
from parta.directory.models import Organization, Region, SchoolClass
from parta.journal.generate import journal_generate
from parta.journal.models import Achievement, Lesson, Mark, Term

WEEKS_AHEAD = 4
SPECIALTIES = {"demo-teacher": "math", "demo-classteacher": "russian", "demo-multirole": "physics"}


def populate() -> list[DemoLogin]:
    region = Region.objects.filter(code=REGION_CODE).first()
    if region is None:
        return []
    schools = list(
        Organization.objects.filter(
            municipality__region=region,
            kind=Organization.Kind.SCHOOL,
            classes__academic_year__is_current=True,
        )
        .distinct()
        .order_by("inn")
    )
    if not schools or Term.objects.filter(academic_year__organization__in=schools).exists():
        return []
    people = dict(
        get_user_model()
        .objects.filter(username__in=[*SPECIALTIES, "demo-deputy", "demo-student"])
        .values_list("username", "pk")
    )
    now = timezone.now()
    today = now.astimezone(zoneinfo.ZoneInfo(region.timezone)).date()
    year_end = max(s.academic_years.get(is_current=True).ends_on for s in schools)
    journal_generate(
        region=region,
        now=now,
        seed=SEED,
        until=min(today + datetime.timedelta(weeks=WEEKS_AHEAD), year_end),
        organizations=schools,
        preferred={people[u]: group for u, group in SPECIALTIES.items() if u in people},
    )
    users = get_user_model().objects
    student = users.filter(username="demo-student").first()
    if student is not None:
        school_class = SchoolClass.objects.filter(
            enrollments__student=student, academic_year__is_current=True
        ).first()
        if school_class is not None:
            _changes_this_week(school_class, today)
            _corrected_mark(school_class, student, today)
            _achievements(student, school_class, today)
    return []


def _changes_this_week(school_class: SchoolClass, today: datetime.date) -> None:
    """``demo-teacher`` stands in on the class's next school day; a lesson later in the week
    is cancelled for an excursion. Both through the timetable's own services, so the class,
    its parents and the teachers are told as they would be."""
    from parta.journal.services.lessons import lesson_cancel, lesson_substitute

    users = get_user_model().objects
    deputy = users.filter(username="demo-deputy").first()
    teacher = users.filter(username="demo-teacher").first()
    if deputy is None or teacher is None:
        return
    ahead = Lesson.objects.filter(
        school_class=school_class,
        date__gt=today,
        status=Lesson.Status.PLANNED,
        substitute__isnull=True,
    ).order_by("date", "number")
    days = sorted(set(ahead.values_list("date", flat=True)))[:5]
    if not days:
        return
    busy = set(
        Lesson.objects.filter(
            Q(teacher=teacher, substitute__isnull=True) | Q(substitute=teacher),
            date=days[0],
            status=Lesson.Status.PLANNED,
        ).values_list("number", flat=True)
    )
    covered = next(
        (x for x in ahead.filter(date=days[0]).exclude(teacher=teacher) if x.number not in busy),
        None,
    )
    if covered is not None:
        lesson_substitute(
            actor=deputy, lesson=covered, substitute=teacher, reason="Болезнь учителя"
        )
    later = ahead.filter(date=days[min(2, len(days) - 1)]).order_by("-number").first()
    if later is not None and later != covered:
        lesson_cancel(
            actor=deputy,
            lesson=later,
            reason="Классное мероприятие: экскурсия в краеведческий музей",
        )


def _corrected_mark(school_class: SchoolClass, student: Any, today: datetime.date) -> None:
    """A recent Mathematics "3" of ``demo-student`` that ``demo-teacher`` corrects to "4"
    after a retake: the history keeps both (JRN-7) and the parent is told of the change.

    A "3" of the last two weeks is taken when there is one; otherwise the student, present
    at the latest lesson without a mark, gets the "3" first.
    """
    from parta.journal.services.marks import lesson_for_marking, mark_set

    teacher = get_user_model().objects.filter(username="demo-teacher").first()
    if teacher is None:
        return
    lessons = Lesson.objects.filter(
        school_class=school_class,
        teacher=teacher,
        substitute__isnull=True,
        status=Lesson.Status.PLANNED,
        date__lt=today,
        date__gte=today - datetime.timedelta(days=14),
        term__closed_at__isnull=True,
    ).order_by("-date", "-number")
    three = lessons.filter(marks__student=student, marks__value=3).first()
    if three is None:
        three = lessons.exclude(
            pk__in=Mark.objects.filter(student=student).values("lesson_id")
        ).first()
        if three is None:
            return
        mark_set(
            actor=teacher, lesson=lesson_for_marking(teacher, three.pk), student_id=student.pk,
            value=3,
        )  # fmt: skip
    mark_set(
        actor=teacher,
        lesson=lesson_for_marking(teacher, three.pk),
        student_id=student.pk,
        value=4,
        comment="Исправлено после работы над ошибками",
    )


def _achievements(student: Any, school_class: SchoolClass, today: datetime.date) -> None:
    """Two achievements of ``demo-student`` this autumn, as the class teacher added them."""
    start = school_class.academic_year.starts_on
    items = [
        (
            Achievement.Kind.OLYMPIAD,
            "Победитель школьного этапа всероссийской олимпиады школьников по математике",
            "Набрал 38 баллов из 40.",
            start + datetime.timedelta(days=40),
        ),
        (
            Achievement.Kind.SPORT,
            "Грамота за 2 место в первенстве школы по мини-футболу",
            "",
            start + datetime.timedelta(days=60),
        ),
    ]
    Achievement.objects.bulk_create(
        Achievement(
            student=student,
            organization_id=school_class.organization_id,
            kind=kind,
            title=title,
            description=description,
            date=day,
            added_by_id=school_class.class_teacher_id,
        )
        for kind, title, description, day in items
        if day <= today
    )
