"""Reads of onboarding: a person's own waiting director positions, what waits for the operator."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from parta.core import access
from parta.directory.models import Confirmation, StaffPosition
from parta.onboarding.models import AccessRequest, DirectorChange, DirectorSubmission, Verdict


def pending_director_positions(user: Any) -> QuerySet[StaffPosition]:
    """VER-2: the person's own active director positions that are not confirmed yet.

    Such a position gives no role, so it is reached by ownership, not through the policy.
    """
    if not getattr(user, "is_authenticated", False):
        return StaffPosition.objects.none()
    return (
        StaffPosition.objects.filter(
            person_id=user.pk,
            position=StaffPosition.Position.DIRECTOR,
            is_active=True,
            organization__is_active=True,
        )
        .exclude(status=Confirmation.CONFIRMED)
        .select_related("organization__municipality__region")
        .order_by("pk")
    )


def operator_waiting(user: Any) -> dict[str, int]:
    """What waits for the operator's decision in their region: three COUNT queries."""
    if not access.has_role(user, access.OPERATOR):
        return {}
    return {
        "requests": AccessRequest.objects.visible_to(user)
        .filter(status__in=(AccessRequest.Status.UPLOADED, AccessRequest.Status.REVIEW))
        .count(),
        "directors": DirectorSubmission.objects.visible_to(user)
        .filter(status=Verdict.PENDING)
        .count(),
        "changes": DirectorChange.objects.visible_to(user)
        .filter(status=DirectorChange.Status.SUBMITTED)
        .count(),
    }
