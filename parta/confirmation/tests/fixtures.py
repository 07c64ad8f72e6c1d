"""Objects of confirmation for the access matrix (parta/core/tests/test_access_matrix.py)."""

from __future__ import annotations

from typing import Any

from parta.confirmation.models import Report
from parta.confirmation.services import report_send, staff_decide
from parta.directory.models import Confirmation, StaffPosition
from parta.factories import UserFactory


def pending_position(cast: Any) -> StaffPosition:
    return StaffPosition.objects.get(person=cast.pending_teacher)


def report(cast: Any) -> Report:
    """A report of Школа № 1 with one confirmation by its director."""
    existing = Report.objects.filter(organization=cast.school).first()
    if existing is not None:
        return existing
    claim = StaffPosition.objects.create(
        person=UserFactory(username="matrix-claim", last_name="Карпова", first_name="Вера"),
        organization=cast.school,
        position=StaffPosition.Position.SECRETARY,
        status=Confirmation.PENDING,
    )
    staff_decide(decider=cast.director, ids=[claim.pk], verdict="confirmed")
    return report_send(organization=cast.school, sent_by=cast.director)
