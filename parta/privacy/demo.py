"""Demo data of consents and the access log (152-FZ) for ``demo-parent``'s children.

The elder child (``demo-student``, 5А) has the e-journal consent given by the mother and a
few staff looks in the log; the younger one has no answer yet, so the parent's home page
shows the card that asks for it. Idempotent: runs on every ``manage.py demo``.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from parta.directory.demo import DemoLogin
from parta.directory.models import Guardianship, SchoolClass
from parta.privacy.access_log import capacity
from parta.privacy.consents import give_consent
from parta.privacy.models import AccessRecord, Consent
from parta.privacy.texts import CHILD_EJOURNAL


def populate() -> list[DemoLogin]:
    users = get_user_model().objects
    parent = users.filter(username="demo-parent").first()
    if parent is None:
        return []
    children = list(
        users.filter(
            pk__in=Guardianship.objects.filter(guardian_id=parent.pk).values("child_id")
        ).order_by("-birth_date")
    )
    student = next((c for c in children if c.username == "demo-student"), None)
    if student is None:
        return []
    if not Consent.objects.filter(person=student).exists():
        consent = give_consent(student, CHILD_EJOURNAL.key, given_by=parent)
        Consent.objects.filter(pk=consent.pk).update(given_at=timezone.now() - timedelta(days=9))
    if AccessRecord.objects.filter(subject__in=[student, parent]).exists():
        return []
    staff = {u.username: u for u in users.filter(username__startswith="demo-")}
    school_class = SchoolClass.objects.filter(enrollments__student=student).first()
    class_name = str(school_class) if school_class else "5А"
    now = timezone.now()
    looks = [
        ("demo-classteacher", student, "class_roster", {"class": class_name}, timedelta(days=6)),
        ("demo-classteacher", parent, "password_reset", {"class": class_name}, timedelta(days=6)),
        (
            "demo-classteacher",
            student,
            "credential_slips",
            {"class": class_name},
            timedelta(days=6),
        ),
        ("demo-director", student, "password_reset", {"class": class_name}, timedelta(days=2)),
        ("demo-operator", student, "person_admin", {}, timedelta(hours=5)),
        (
            "demo-classteacher",
            student,
            "api_class_students",
            {"class": class_name},
            timedelta(minutes=40),
        ),
    ]
    for username, subject, what, params, ago in looks:
        viewer = staff.get(username)
        if viewer is None:
            continue
        role, place = capacity(viewer)
        record = AccessRecord.objects.create(
            viewer=viewer,
            subject=subject,
            what=what,
            params=params,
            viewer_role=role,
            viewer_place=place,
            path="/",
        )
        AccessRecord.objects.filter(pk=record.pk).update(at=now - ago)
    return []
