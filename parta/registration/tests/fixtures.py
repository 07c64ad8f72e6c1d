"""Invitations of the test cast (ACC-3), shared by the tests and the access matrix."""

from __future__ import annotations

import datetime

from django.utils import timezone

from parta.accounts.tokens import hash_token
from parta.conftest import Cast
from parta.directory.models import Guardianship
from parta.registration.models import Invitation, InvitationLetter

TOKEN = "matrix-invitation-token-0123456789abcdefghijk"


def parent_invitation(cast: Cast, *, token: str = TOKEN, email: str = "") -> Invitation:
    """The class teacher of 5А invites a second parent of ``cast.student`` by email."""
    now = timezone.now()
    invitation = Invitation.objects.create(
        kind=Invitation.Kind.PARENT,
        organization=cast.school,
        school_class=cast.school_class,
        child=cast.student,
        guardian_kind=Guardianship.Kind.FATHER,
        email=email or "petrov.father@example.ru",
        last_name="Петров",
        first_name="Сергей",
        middle_name="Иванович",
        created_by=cast.class_teacher,
        sent_at=now,
        expires_at=now + datetime.timedelta(days=7),
    )
    InvitationLetter.objects.create(
        invitation=invitation, token_hash=hash_token(token), sent_by=cast.class_teacher
    )
    return invitation
