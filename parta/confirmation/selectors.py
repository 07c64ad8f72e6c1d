"""Reads of confirmation, always through the policy (VER-4, VER-5)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Min, Q, QuerySet

from parta.confirmation.models import Decision, Report
from parta.core import access
from parta.directory.models import Confirmation, Enrollment, StaffPosition


def director_organizations(user: Any) -> list[tuple[int, str]]:
    """(id, name) of the organizations ``user`` directs as a confirmed director."""
    return sorted(
        {
            (r.organization_id, r.context_label)
            for r in access.roles_of(user)
            if r.kind == access.DIRECTOR and r.organization_id is not None
        },
        key=lambda item: item[1],
    )


def led_classes(user: Any) -> list[tuple[str, str]]:
    """(id, label) of the classes ``user`` leads as a confirmed class teacher."""
    return [
        (str(r.context_id), r.context_label)
        for r in access.roles_of(user)
        if r.kind == access.CLASS_TEACHER
    ]


def _name_filter(prefix: str, q: str) -> Q:
    condition = Q()
    for word in q.split()[:4]:
        condition &= (
            Q(**{f"{prefix}__last_name__icontains": word})
            | Q(**{f"{prefix}__first_name__icontains": word})
            | Q(**{f"{prefix}__middle_name__icontains": word})
        )
    return condition


def _by_status(queryset: Any, status: str) -> Any:
    if status in Confirmation.values:
        return queryset.filter(status=status)
    return queryset


def staff_claims(user: Any, *, status: str, position: str, q: str) -> QuerySet[StaffPosition]:
    """VER-4: the staff claims the director may decide, filtered; pending ones first."""
    claims: QuerySet[StaffPosition] = StaffPosition.objects.filter(
        access.allowed(user, "staff_claim", "view")
    )
    claims = _by_status(claims, status)
    if position:
        claims = claims.filter(position=position)
    if q:
        claims = claims.filter(_name_filter("person", q))
    return claims.select_related("person", "organization", "decided_by").order_by(
        "person__last_name", "person__first_name", "person__middle_name", "pk"
    )


def student_claims(user: Any, *, status: str, class_id: str, q: str) -> QuerySet[Enrollment]:
    """VER-4: the student claims of the classes the class teacher leads, filtered."""
    claims: QuerySet[Enrollment] = Enrollment.objects.filter(
        access.allowed(user, "enrollment_claim", "view")
    )
    claims = _by_status(claims, status)
    if class_id:
        claims = claims.filter(school_class_id=int(class_id))
    if q:
        claims = claims.filter(_name_filter("student", q))
    return claims.select_related("student", "school_class", "decided_by").order_by(
        "school_class__grade",
        "school_class__letter",
        "student__last_name",
        "student__first_name",
        "pk",
    )


def unreported_decisions(user: Any, organization_ids: Iterable[int]) -> QuerySet[Decision]:
    """VER-5: the decisions not yet in a report of these organizations, one query for all."""
    return (
        Decision.objects.visible_to(user)
        .unreported()
        .filter(organization_id__in=list(organization_ids))
        .select_related("person", "decided_by")
        .order_by("organization_id", "decided_at", "pk")
    )


def reports_for(user: Any) -> QuerySet[Report]:
    return Report.objects.visible_to(user).select_related("organization", "sent_by")


def own_positions(user: Any) -> QuerySet[StaffPosition]:
    """The person's own staff places; a director's is left to onboarding (VER-2)."""
    return StaffPosition.objects.filter(person_id=user.pk).exclude(
        position=StaffPosition.Position.DIRECTOR
    )


def own_enrollments(user: Any) -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(student_id=user.pk)


def my_claims(user: Any) -> tuple[list[StaffPosition], list[Enrollment]]:
    """The person's own places that are or were claims (not yet confirmed, or rejected)."""
    positions = list(
        own_positions(user)
        .select_related("organization")
        .order_by("status", "organization__short_name")
    )
    enrollments = list(
        own_enrollments(user)
        .select_related("school_class__organization", "school_class__academic_year")
        .order_by("status", "-school_class__academic_year__starts_on")
    )
    return positions, enrollments


def report_decisions(report: Report) -> QuerySet[Decision]:
    return (
        Decision.objects.filter(report=report)
        .select_related("person", "decided_by")
        .order_by("kind", "decided_at", "person__last_name", "person__first_name", "pk")
    )


@dataclass(frozen=True)
class Unreported:
    organization_id: int
    organization_name: str
    count: int
    oldest: datetime.datetime


def unreported_by_organization(organization_ids: Iterable[int] | None) -> list[Unreported]:
    """VER-5: per organization (given ones, or all for None), how many decisions are not yet
    in a report and since when (one query)."""
    decisions = Decision.objects.unreported()
    if organization_ids is not None:
        decisions = decisions.filter(organization_id__in=list(organization_ids))
    rows = (
        decisions.values("organization_id", "organization__short_name")
        .annotate(n=Count("pk"), oldest=Min("decided_at"))
        .order_by("organization__short_name")
    )
    return [
        Unreported(r["organization_id"], r["organization__short_name"], r["n"], r["oldest"])
        for r in rows
    ]


def staff_pending_count(user: Any, organization_ids: Iterable[int]) -> dict[int, int]:
    """VER-4: per organization, the staff claims waiting that ``user`` may decide."""
    rows = (
        StaffPosition.objects.filter(access.allowed(user, "staff_claim", "view"))
        .filter(organization_id__in=list(organization_ids), status=Confirmation.PENDING)
        .exclude(position=StaffPosition.Position.DIRECTOR)
        .values("organization_id")
        .annotate(n=Count("pk"))
    )
    return {r["organization_id"]: r["n"] for r in rows}
