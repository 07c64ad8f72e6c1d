"""Demo data of confirmation (VER-4, VER-5) in the demo region's Школа № 1.

- about 30 people who say they work at Школа № 1 wait for ``demo-director``;
- about 10 children who say they study in 5А wait for ``demo-classteacher``;
- ``demo-claimant`` claimed a teacher's place and was refused: their home shows the reason;
- a report went to the municipal authority a week ago; since then the director and the class
  teacher decided a few claims that are not yet reported, so the director sees the reminder.

Idempotent: runs on every ``manage.py demo`` and adds nothing the second time.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from parta.confirmation.models import Decision
from parta.confirmation.services import report_send, staff_decide, students_decide
from parta.directory.demo import (
    DEMO_PASSWORD,
    EMAIL_DOMAIN,
    DemoLogin,
    demo_school,
    ensure_demo_person,
)
from parta.directory.fake_people import FEMALE, MALE, PeopleMaker, translit
from parta.directory.models import Confirmation, Enrollment, SchoolClass, StaffPosition

STAFF_CLAIMS = 30
STUDENT_CLAIMS = 10
REJECTION_REASON = (
    "В штате школы такого сотрудника нет. Если вас приняли недавно, передайте копию приказа "
    "о приёме секретарю и подайте заявку снова."
)
LOGINS = [
    DemoLogin(
        "demo-claimant",
        DEMO_PASSWORD,
        "указал(а) Школу № 1 местом работы, директор отказал: видит причину",
    )
]


def _people(prefix: str, persons: list[Any]) -> list[Any]:
    users = get_user_model()
    password = make_password(DEMO_PASSWORD)
    return users.objects.bulk_create(
        [
            users(
                username=f"demo-{prefix}{i + 1:02d}",
                last_name=p.last_name,
                first_name=p.first_name,
                middle_name=p.middle_name,
                birth_date=p.birth_date,
                email=f"{translit(p.last_name)}.{prefix}{i + 1:02d}@{EMAIL_DOMAIN}",
                password=password,
            )
            for i, p in enumerate(persons)
        ]
    )


def populate() -> list[DemoLogin]:
    users = get_user_model().objects
    director = users.filter(username="demo-director").first()
    class_teacher = users.filter(username="demo-classteacher").first()
    if director is None or class_teacher is None:
        return []
    ensure_demo_person("demo-claimant", "Гусева", "Марина", "Олеговна")
    if users.filter(username="demo-claim-t01").exists():
        return LOGINS
    school = demo_school()
    school_class = SchoolClass.objects.filter(
        class_teacher=class_teacher, organization=school, academic_year__is_current=True
    ).first()
    if school_class is None:
        return LOGINS
    maker = PeopleMaker("confirmation-demo")
    now = timezone.now()
    start_year = school_class.academic_year.starts_on.year

    # Thirty-five adults claim a place; the last five were decided earlier.
    adults = _people(
        "claim-t",
        [maker.adult(maker.random.choice((MALE, FEMALE, FEMALE))) for _ in range(STAFF_CLAIMS + 5)],
    )
    positions = StaffPosition.objects.bulk_create(
        [
            StaffPosition(
                person=person,
                organization=school,
                position=StaffPosition.Position.SECRETARY
                if i % 12 == 5
                else StaffPosition.Position.TEACHER,
                status=Confirmation.PENDING,
            )
            for i, person in enumerate(adults)
        ]
    )
    children = _people(
        "claim-s",
        [
            maker.child(
                surname=maker.surname(),
                father=maker.father_name(),
                grade=school_class.grade,
                year_start=start_year,
            )
            for _ in range(STUDENT_CLAIMS + 3)
        ],
    )
    enrolments = Enrollment.objects.bulk_create(
        [
            Enrollment(student=child, school_class=school_class, status=Confirmation.PENDING)
            for child in children
        ]
    )

    # A week ago: two teachers confirmed and reported to the municipal authority.
    week_ago = now - datetime.timedelta(days=8)
    staff_decide(
        decider=director,
        ids=[p.pk for p in positions[-2:]],
        verdict=Decision.Verdict.CONFIRMED,
        now=week_ago,
    )
    report_send(organization=school, sent_by=director, now=week_ago + datetime.timedelta(hours=3))

    # Since then, not yet reported: the director's and the class teacher's decisions.
    yesterday = now - datetime.timedelta(days=1, hours=2)
    staff_decide(
        decider=director,
        ids=[p.pk for p in positions[-5:-2]],
        verdict=Decision.Verdict.CONFIRMED,
        now=yesterday,
    )
    claimant = users.get(username="demo-claimant")
    refused = StaffPosition.objects.create(
        person=claimant,
        organization=school,
        position=StaffPosition.Position.TEACHER,
        status=Confirmation.PENDING,
    )
    staff_decide(
        decider=director,
        ids=[refused.pk],
        verdict=Decision.Verdict.REJECTED,
        reason=REJECTION_REASON,
        now=yesterday,
    )
    students_decide(
        decider=class_teacher,
        ids=[e.pk for e in enrolments[-3:-1]],
        verdict=Decision.Verdict.CONFIRMED,
        now=now - datetime.timedelta(days=2),
    )
    students_decide(
        decider=class_teacher,
        ids=[enrolments[-1].pk],
        verdict=Decision.Verdict.REJECTED,
        reason="В 5А такого ученика нет: проверьте класс — возможно, 5Б.",
        now=now - datetime.timedelta(days=2),
    )
    return LOGINS
