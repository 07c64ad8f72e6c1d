"""Demo family requests (ACC-9) at Школа № 1.

``demo-grandma`` (a grandmother, legal representative) asks Школа № 1 to link her grandchild
in 5А: the request waits for ``demo-director`` and ``demo-classteacher``, and the school's
records show the matching student. An earlier request of hers, naming a child the school does
not have, was rejected with a reason she reads on /family/. ``demo-parent`` already has two
children, switched on /parent/. Idempotent: runs on every ``manage.py demo``.
"""

from __future__ import annotations

import datetime
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from parta.directory.demo import DEMO_PASSWORD, DemoLogin, demo_school, ensure_demo_person
from parta.directory.models import Confirmation, Enrollment, Guardianship, SchoolClass
from parta.family.models import FamilyRequest


def populate() -> list[DemoLogin]:
    users = get_user_model().objects
    director = users.filter(username="demo-director").first()
    school = demo_school()
    school_class = (
        SchoolClass.objects.filter(organization=school, class_teacher__username="demo-classteacher")
        .order_by("grade")
        .first()
    )
    if director is None or school_class is None:
        return []
    # A student of 5А without a grandmother in Парта yet: the first by name, not demo-student.
    enrollment = (
        Enrollment.objects.current()
        .filter(school_class=school_class, student__birth_date__isnull=False)
        .exclude(student__username__startswith="demo-")
        .select_related("student")
        .order_by("student__last_name", "student__first_name")
        .first()
    )
    if enrollment is None:
        return []
    grandchild = enrollment.student
    grandma = ensure_demo_person(
        "demo-grandma",
        grandchild.last_name if grandchild.last_name.endswith("а") else f"{grandchild.last_name}а",
        "Валентина",
        "Петровна",
        birth_date=datetime.date(1958, 6, 14),
    )
    login = DemoLogin(
        "demo-grandma", DEMO_PASSWORD, "бабушка: заявка на связь с внуком ждёт Школу № 1"
    )
    if FamilyRequest.objects.filter(requested_by=grandma).exists():
        return [login]
    Guardianship.objects.filter(guardian=grandma).delete()
    now = timezone.now()
    rejected = FamilyRequest.objects.create(
        kind=FamilyRequest.Kind.CHILD,
        requested_by=grandma,
        organization=school,
        school_class=school_class,
        relation=Guardianship.Kind.REPRESENTATIVE,
        child_last_name=grandchild.last_name,
        child_first_name="Анастасия",
        child_birth_date=grandchild.birth_date - timedelta(days=400),
        status=Confirmation.REJECTED,
        decided_by=director,
        decided_at=now - timedelta(days=4),
        rejection_reason=(
            "В классе 5А нет ученицы с такими именем и датой рождения. Проверьте класс: "
            "возможно, внучка учится в 6А."
        ),
    )
    FamilyRequest.objects.filter(pk=rejected.pk).update(created_at=now - timedelta(days=6))
    pending = FamilyRequest.objects.create(
        kind=FamilyRequest.Kind.CHILD,
        requested_by=grandma,
        organization=school,
        school_class=school_class,
        relation=Guardianship.Kind.REPRESENTATIVE,
        child_last_name=grandchild.last_name,
        child_first_name=grandchild.first_name,
        child_middle_name=grandchild.middle_name,
        child_birth_date=grandchild.birth_date,
        comment="Я опекун внука по постановлению администрации, документ принесу в школу.",
    )
    FamilyRequest.objects.filter(pk=pending.pk).update(created_at=now - timedelta(hours=5))
    return [login]
