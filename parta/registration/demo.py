"""Demo invitations by email (ACC-3) at Школа № 1, one of each state.

``demo-classteacher`` (5А) has invited: a father whose letter is still waiting — its link
``/join/invitation/demo-invitation-5a/`` can be opened to set up his account; a mother who
accepted and now signs in as ``demo-invited-mother``; a student whose link expired; a parent
whose invitation was revoked. ``demo-director`` has invited a teacher (the link
``/join/invitation/demo-invitation-teacher/`` is open) and a secretary whose link expired.
Only the SHA-256 of the links is stored, as for real ones. No letters are sent. Idempotent:
runs on every ``manage.py demo``; an open link that someone accepted stays accepted.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from parta.accounts.tokens import hash_token
from parta.directory.demo import DEMO_PASSWORD, DemoLogin, demo_school, ensure_demo_person
from parta.directory.models import Enrollment, Guardianship, SchoolClass
from parta.registration.models import Invitation, InvitationLetter
from parta.registration.services import invitation_accept

PARENT_TOKEN = "demo-invitation-5a"  # noqa: S105 (a published demo link)
TEACHER_TOKEN = "demo-invitation-teacher"  # noqa: S105 (a published demo link)
ACCEPTED_TOKEN = "demo-invitation-5a-accepted"  # noqa: S105 (a published demo link)
DOMAIN = "parta-demo.example"


def _invitation(
    *, token: str, by: Any, sent_days_ago: int, days: int = 7, **fields: Any
) -> Invitation:
    """The demo invitation of ``fields["email"]``, created once with its letter."""
    existing = Invitation.objects.filter(email=fields["email"]).first()
    if existing is not None:
        return existing
    sent = timezone.now() - datetime.timedelta(days=sent_days_ago)
    invitation = Invitation.objects.create(
        created_by=by,
        created_at=sent,
        sent_at=sent,
        expires_at=sent + datetime.timedelta(days=days),
        **fields,
    )
    InvitationLetter.objects.create(
        invitation=invitation, token_hash=hash_token(token), sent_at=sent, sent_by=by
    )
    return invitation


def _masculine(surname: str) -> str:
    """The father's form of a child's surname: Гаврилова → Гаврилов, Ким → Ким."""
    for ending in ("ова", "ева", "ёва", "ина", "ына"):
        if surname.endswith(ending):
            return surname[:-1]
    return surname


def populate() -> list[DemoLogin]:
    users = get_user_model().objects
    director = users.filter(username="demo-director").first()
    teacher = users.filter(username="demo-classteacher").first()
    school = demo_school()
    school_class = (
        SchoolClass.objects.filter(organization=school, class_teacher=teacher)
        .order_by("grade")
        .first()
    )
    if director is None or teacher is None or school_class is None:
        return []
    children = list(
        Enrollment.objects.current()
        .filter(school_class=school_class)
        .exclude(student__username__startswith="demo-")
        .select_related("student")
        .order_by("student__last_name", "student__first_name")[:3]
    )
    if len(children) < 3:
        return []
    first, second, third = (e.student for e in children)
    common = {"organization": school, "school_class": school_class}

    _invitation(
        token=PARENT_TOKEN,
        by=teacher,
        sent_days_ago=1,
        kind=Invitation.Kind.PARENT,
        child=first,
        guardian_kind=Guardianship.Kind.FATHER,
        email=f"invite-father@{DOMAIN}",
        last_name=_masculine(first.last_name),
        first_name="Роман",
        middle_name="Алексеевич",
        **common,
    )
    mother = _invitation(
        token=ACCEPTED_TOKEN,
        by=teacher,
        sent_days_ago=3,
        kind=Invitation.Kind.PARENT,
        child=second,
        guardian_kind=Guardianship.Kind.MOTHER,
        email=f"invited-mother@{DOMAIN}",
        last_name=second.last_name if second.last_name.endswith("а") else f"{second.last_name}а",
        first_name="Дина",
        middle_name="Андреевна",
        **common,
    )
    if mother.accepted_at is None:
        person = ensure_demo_person(
            "demo-invited-mother",
            mother.last_name,
            mother.first_name,
            mother.middle_name,
            email=mother.email,
        )
        invitation_accept(token=ACCEPTED_TOKEN, person=person)
    else:
        ensure_demo_person("demo-invited-mother", mother.last_name, mother.first_name)
    _invitation(
        token="demo-invitation-5a-expired",  # noqa: S106 (a demo link)
        by=teacher,
        sent_days_ago=12,
        kind=Invitation.Kind.STUDENT,
        email=f"invite-student@{DOMAIN}",
        last_name="Жумабаев",
        first_name="Арман",
        **common,
    )
    revoked = _invitation(
        token="demo-invitation-5a-revoked",  # noqa: S106 (a demo link)
        by=teacher,
        sent_days_ago=5,
        kind=Invitation.Kind.PARENT,
        child=third,
        guardian_kind=Guardianship.Kind.REPRESENTATIVE,
        email=f"invite-revoked@{DOMAIN}",
        last_name="Ли",
        first_name="Виктория",
        **common,
    )
    if revoked.revoked_at is None:
        Invitation.objects.filter(pk=revoked.pk).update(
            revoked_at=timezone.now() - datetime.timedelta(days=4), revoked_by=teacher
        )
    _invitation(
        token=TEACHER_TOKEN,
        by=director,
        sent_days_ago=2,
        kind=Invitation.Kind.STAFF,
        organization=school,
        position="teacher",
        email=f"invite-teacher@{DOMAIN}",
        last_name="Абдрахманова",
        first_name="Гульнара",
        middle_name="Сериковна",
    )
    _invitation(
        token="demo-invitation-secretary",  # noqa: S106 (a demo link)
        by=director,
        sent_days_ago=9,
        kind=Invitation.Kind.STAFF,
        organization=school,
        position="secretary",
        email=f"invite-secretary@{DOMAIN}",
        last_name="Орлова",
        first_name="Наталья",
    )
    return [
        DemoLogin(
            "demo-invited-mother",
            DEMO_PASSWORD,
            "мама ученика 5А, приняла приглашение по почте; открытые приглашения: "
            f"/join/invitation/{PARENT_TOKEN}/ (отец, 5А), /join/invitation/{TEACHER_TOKEN}/ "
            "(учитель)",
        )
    ]
