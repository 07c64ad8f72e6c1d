"""Invitations by email (ACC-3) under two requests at once, on PostgreSQL's row locks."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, transaction

from parta.core.errors import DomainError
from parta.registration import services
from parta.registration.models import Invitation

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _send(cast: Any) -> services.Sent:
    return services.invitation_send(
        by=cast.class_teacher,
        kind=Invitation.Kind.PARENT,
        email="petrov.father@example.ru",
        last_name="Петров",
        first_name="Сергей",
        site_url="http://testserver/",
        child=cast.student,
        guardian_kind="father",
    )


def test_acc3_two_quick_submits_send_one_invitation(cast):
    """The second submit waits for the first to commit, then sees its invitation as a
    duplicate — instead of both passing the check and two letters going out."""
    first_sent, release = threading.Event(), threading.Event()
    codes: list[str] = []

    def first() -> None:
        try:
            with transaction.atomic():
                _send(cast)
                first_sent.set()
                release.wait(10)  # the first request is still running: not committed yet
        finally:
            connection.close()

    def second() -> None:
        try:
            _send(cast)
            codes.append("sent")
        except DomainError as exc:
            codes.append(exc.code)
        finally:
            connection.close()

    one = threading.Thread(target=first)
    one.start()
    assert first_sent.wait(10)
    two = threading.Thread(target=second)
    two.start()
    two.join(1.0)
    second_waited = two.is_alive()
    release.set()
    one.join(10)
    two.join(10)
    assert second_waited
    assert codes == ["duplicate"]
    assert Invitation.objects.count() == 1
