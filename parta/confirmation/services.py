"""Every write of confirmation: claiming a place, deciding claims, reports, reminders.

VER-4: a person claims a place (staff position or enrolment) which waits, pending; the
confirmed director decides staff claims of their organization, a confirmed class teacher
decides the student claims of their own classes — many at once, in one statement.
VER-5: every decision is recorded; the director sends the organization's unreported decisions
as a report to the municipal authority (or the regional operator); until then Parta reminds.

Services are keyword-only, run in one transaction, and raise ``DomainError`` with a message
the person can act on. Letters go out after commit (``parta.core.mail.send_letter``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parta.confirmation import selectors
from parta.confirmation.models import Decision, ReminderSent, Report
from parta.core import access
from parta.core.errors import DomainError
from parta.core.mail import render_letter, send_letter, send_letters
from parta.directory.models import (
    Confirmation,
    Enrollment,
    Official,
    Organization,
    SchoolClass,
    StaffPosition,
)

# The positions a person may claim; a director's position goes through the operator (VER-2).
CLAIMABLE_POSITIONS = (
    StaffPosition.Position.TEACHER,
    StaffPosition.Position.DEPUTY,
    StaffPosition.Position.SECRETARY,
)
# A person may have this many claims waiting at once (a claim costs someone's attention).
MAX_PENDING_CLAIMS = 5
# Decisions younger than this are not reminded about: the director may be sending right now.
REMIND_AFTER = datetime.timedelta(hours=2)
REASON_MAX_LENGTH = 500


# --- claims ---------------------------------------------------------------------------------
def _pending_claims(person: Any) -> int:
    return (
        StaffPosition.objects.filter(person_id=person.pk, status=Confirmation.PENDING)
        .exclude(position=StaffPosition.Position.DIRECTOR)
        .count()
        + Enrollment.objects.filter(student_id=person.pk, status=Confirmation.PENDING).count()
    )


def _check_claim_limit(person: Any) -> None:
    if _pending_claims(person) >= MAX_PENDING_CLAIMS:
        raise DomainError(
            _("У вас уже %(n)s заявок ждут решения. Дождитесь ответа по ним или отзовите лишние.")
            % {"n": MAX_PENDING_CLAIMS}
        )


def _lock_person(person: Any) -> None:
    """Claims of one person are made one at a time: the limit of waiting claims is counted
    and a new row is inserted under this lock, so two quick clicks cannot pass it together
    (nor collide on the unique place and fail)."""
    get_user_model().objects.select_for_update().filter(pk=person.pk).first()


def _reopen(row: StaffPosition | Enrollment) -> None:
    """A rejected claim made again (or a place left and claimed anew) waits again; the old
    reason is cleared."""
    type(row).objects.filter(pk=row.pk).update(
        status=Confirmation.PENDING,
        decided_by=None,
        decided_at=None,
        rejection_reason="",
        is_active=True,
    )
    row.refresh_from_db()


def staff_claim(*, person: Any, organization: Organization, position: str) -> StaffPosition:
    """VER-4: "I work at <organization> as <position>" — a pending staff position.

    The director of the organization decides it. A claim rejected before may be made again.
    """
    if position not in CLAIMABLE_POSITIONS:
        raise DomainError(_("Выберите должность из списка."), field="position")
    if not organization.is_active:
        raise DomainError(_("Эта организация ещё не подключена к Парте."))
    with transaction.atomic():
        _lock_person(person)
        existing = (
            StaffPosition.objects.filter(
                person_id=person.pk, organization=organization, position=position
            )
            .select_for_update()
            .first()
        )
        if existing is not None and existing.is_active and existing.is_confirmed:
            raise DomainError(_("Вы уже работаете в этой организации в этой должности."))
        if existing is not None and existing.status == Confirmation.PENDING:
            raise DomainError(_("Эта заявка уже отправлена и ждёт решения директора."))
        _check_claim_limit(person)
        if existing is not None:
            _reopen(existing)
            return existing
        return StaffPosition.objects.create(
            person_id=person.pk,
            organization=organization,
            position=position,
            status=Confirmation.PENDING,
        )


def enrollment_claim(*, person: Any, school_class: SchoolClass) -> Enrollment:
    """VER-4: "I study at <school>, class <5А>" — a pending enrolment.

    Only the class teacher of that class decides it (confirmed as staff of the school).
    """
    if not school_class.academic_year.is_current or not school_class.organization.is_active:
        raise DomainError(_("В этот класс сейчас нельзя записаться: выберите класс этого года."))
    with transaction.atomic():
        _lock_person(person)
        existing = (
            Enrollment.objects.filter(student_id=person.pk, school_class=school_class)
            .select_for_update()
            .first()
        )
        if existing is not None and existing.is_active and existing.is_confirmed:
            raise DomainError(_("Вы уже учитесь в этом классе."))
        if existing is not None and existing.status == Confirmation.PENDING:
            raise DomainError(_("Эта заявка уже отправлена и ждёт решения классного руководителя."))
        _check_claim_limit(person)
        if existing is not None:
            _reopen(existing)
            return existing
        return Enrollment.objects.create(
            student_id=person.pk, school_class=school_class, status=Confirmation.PENDING
        )


def claim_withdraw(*, claim: StaffPosition | Enrollment) -> None:
    """A person takes back their own claim while it waits (nothing was decided, no trace).

    The caller has found ``claim`` among the person's own places; a claim decided meanwhile
    is not deleted (the delete is conditional, so a decision arriving at the same moment wins).
    """
    deleted, _rows = type(claim).objects.filter(pk=claim.pk, status=Confirmation.PENDING).delete()
    if not deleted:
        raise DomainError(_("Эту заявку уже рассмотрели или отозвали."))


# --- decisions ------------------------------------------------------------------------------
@dataclass(frozen=True)
class BatchResult:
    decided: int
    ignored: int
    verdict: str


def _clean_ids(ids: Iterable[Any]) -> list[int]:
    clean = set()
    for value in ids:
        try:
            number = int(value)
        except (TypeError, ValueError):
            continue
        if 0 < number < 2**63:
            clean.add(number)
    return sorted(clean)


def _check_verdict(verdict: str, reason: str) -> str:
    if verdict not in Decision.Verdict.values:
        raise DomainError(_("Выберите: подтвердить или отклонить."))
    reason = (reason or "").strip()
    if verdict == Decision.Verdict.REJECTED and not reason:
        raise DomainError(
            _("Напишите причину отказа: её увидит человек, чтобы исправить заявку."),
            field="reason",
        )
    if len(reason) > REASON_MAX_LENGTH:
        raise DomainError(
            _("Причина слишком длинная: не больше %(n)s знаков.") % {"n": REASON_MAX_LENGTH},
            field="reason",
        )
    return reason if verdict == Decision.Verdict.REJECTED else ""


def _decide(
    *,
    claims: QuerySet,
    kind: str,
    decider: Any,
    ids: Iterable[Any],
    verdict: str,
    reason: str,
    now: datetime.datetime | None,
    site_url: str,
) -> BatchResult:
    reason = _check_verdict(verdict, reason)
    wanted = _clean_ids(ids)
    if not wanted:
        raise DomainError(_("Отметьте в таблице хотя бы одну строку."))
    now = now or timezone.now()
    staff = kind == Decision.Kind.STAFF
    who = "person" if staff else "student"
    org = "organization" if staff else "school_class__organization"
    names = {
        "pk": "pk",
        "person_id": f"{who}_id",
        "email": f"{who}__email",
        "first_name": f"{who}__first_name",
        "language": f"{who}__language",
        "organization_id": f"{org}_id",
        "organization_name": f"{org}__short_name",
    }
    if staff:
        names["position"] = "position"
    else:
        names |= {
            "school_class_id": "school_class_id",
            "grade": "school_class__grade",
            "letter": "school_class__letter",
        }
    with transaction.atomic():
        # Lock the rows being decided: two people deciding the same claim at once cannot
        # both write a decision. Rows outside the decider's scope are simply not found.
        rows = [
            dict(zip(names, row, strict=True))
            for row in claims.filter(pk__in=wanted, status=Confirmation.PENDING)
            .select_for_update(of=("self",))
            .values_list(*names.values())
        ]
        if rows:
            claims.model.objects.filter(pk__in=[r["pk"] for r in rows]).update(
                status=verdict,
                decided_by=decider,
                decided_at=now,
                rejection_reason=reason,
            )
            decisions = []
            for row in rows:
                decision = Decision(
                    kind=kind,
                    person_id=row["person_id"],
                    organization_id=row["organization_id"],
                    verdict=verdict,
                    reason=reason,
                    decided_by=decider,
                    decided_at=now,
                )
                if staff:
                    decision.staff_position_id = row["pk"]
                    decision.position = row["position"]
                else:
                    decision.enrollment_id = row["pk"]
                    decision.school_class_id = row["school_class_id"]
                    decision.class_name = f"{row['grade']}{row['letter']}"
                row["place"] = decision.place
                decisions.append(decision)
            Decision.objects.bulk_create(decisions)
            _announce(rows, verdict=verdict, reason=reason, site_url=site_url)
    return BatchResult(decided=len(rows), ignored=len(wanted) - len(rows), verdict=verdict)


def _announce(rows: list[dict[str, Any]], *, verdict: str, reason: str, site_url: str) -> None:
    """Tell each person with an email what was decided, through one SMTP connection."""
    letters = []
    for row in rows:
        if not row["email"]:
            continue
        letter = render_letter(
            "confirmation/letters/decided",
            {
                "first_name": row["first_name"],
                "place": row["place"],
                "organization": row["organization_name"],
                "confirmed": verdict == Decision.Verdict.CONFIRMED,
                "reason": reason,
                "url": site_url.rstrip("/") + reverse("home") if site_url else "",
            },
            row["language"] or None,
        )
        letter.to = [row["email"]]
        letters.append(letter)
    send_letters(letters)


def staff_decide(
    *,
    decider: Any,
    ids: Iterable[Any],
    verdict: str,
    reason: str = "",
    now: datetime.datetime | None = None,
    site_url: str = "",
) -> BatchResult:
    """VER-4: the confirmed director confirms or rejects many staff claims at once.

    Only pending claims of the director's own organization are decided (``staff_claim``
    policy); any other id — another school's, a director's position, a forged number — is
    ignored and counted. Two SQL statements whatever the batch: one UPDATE of the positions,
    one INSERT of the decisions (VER-5). A rejection needs a reason, which the person sees.
    """
    claims = StaffPosition.objects.filter(access.allowed(decider, "staff_claim", "confirm"))
    return _decide(
        claims=claims,
        kind=Decision.Kind.STAFF,
        site_url=site_url,
        decider=decider,
        ids=ids,
        verdict=verdict,
        reason=reason,
        now=now,
    )


def students_decide(
    *,
    decider: Any,
    ids: Iterable[Any],
    verdict: str,
    reason: str = "",
    now: datetime.datetime | None = None,
    site_url: str = "",
) -> BatchResult:
    """VER-4: a confirmed class teacher confirms or rejects student claims of their classes.

    Only a class teacher whose own staff position is confirmed holds the role; only claims in
    the classes they lead are found (``enrollment_claim`` policy), any other id is ignored.
    One UPDATE and one INSERT of decisions (VER-5) whatever the batch.
    """
    claims = Enrollment.objects.filter(access.allowed(decider, "enrollment_claim", "confirm"))
    return _decide(
        claims=claims,
        kind=Decision.Kind.STUDENT,
        site_url=site_url,
        decider=decider,
        ids=ids,
        verdict=verdict,
        reason=reason,
        now=now,
    )


# --- reports and reminders ------------------------------------------------------------------
def report_recipients(organization: Organization) -> list[str]:
    """Where a report goes: the municipal authority of the organization, else the operator."""
    officials = Official.objects.filter(is_active=True).exclude(person__email="")
    municipal = list(
        officials.filter(
            kind=Official.Kind.MUNICIPAL, municipality_id=organization.municipality_id
        ).values_list("person__email", flat=True)
    )
    if municipal:
        return sorted(set(municipal))
    return sorted(
        set(
            officials.filter(
                kind=Official.Kind.OPERATOR, region_id=organization.municipality.region_id
            ).values_list("person__email", flat=True)
        )
    )


def report_send(
    *,
    organization: Organization,
    sent_by: Any,
    site_url: str = "",
    now: datetime.datetime | None = None,
) -> Report:
    """VER-5: the director sends every not yet reported decision of the organization.

    The report holds the director's decisions and the class teachers' ones alike, exactly
    those without a report when it is sent (locked, so two clicks cannot report one decision
    twice). The municipal authority (or, without one, the regional operator) gets a letter
    with the report as PDF and sees it in Parta.
    """
    from parta.confirmation.pdf import report_pdf

    now = now or timezone.now()
    with transaction.atomic():
        pending = list(
            Decision.objects.unreported()
            .filter(organization=organization)
            .select_for_update(of=("self",))
            .values_list("pk", "verdict")
        )
        if not pending:
            raise DomainError(_("Все решения уже вошли в отчёты: отправлять нечего."))
        confirmed = sum(1 for _pk, verdict in pending if verdict == Decision.Verdict.CONFIRMED)
        report = Report.objects.create(
            organization=organization,
            sent_by=sent_by,
            sent_at=now,
            confirmed_count=confirmed,
            rejected_count=len(pending) - confirmed,
        )
        Decision.objects.filter(pk__in=[pk for pk, _v in pending]).update(report=report)
    # The PDF is drawn after the commit, so the decisions' locks are not held while it is.
    recipients = report_recipients(organization)
    if recipients:
        decisions = list(selectors.report_decisions(report))
        send_letter(
            "confirmation/letters/report_sent",
            recipients,
            {
                "report": report,
                "organization": organization,
                "sent_by": sent_by,
                "url": site_url.rstrip("/") + reverse("confirmation_report", args=[report.pk])
                if site_url
                else "",
            },
            attachments=[
                (
                    report_filename(report),
                    report_pdf(report=report, decisions=decisions),
                    "application/pdf",
                )
            ],
        )
    return report


def report_filename(report: Report) -> str:
    return f"parta-report-{report.organization_id}-{report.sent_at:%Y%m%d-%H%M}.pdf"


def reminders_send(*, now: datetime.datetime | None = None, site_url: str = "") -> int:
    """VER-5: remind every confirmed director whose organization has unreported decisions.

    Idempotent and safe to run as often as wanted: at most one letter per director per day
    (the day of Parta's ``TIME_ZONE``); decisions made in the last ``REMIND_AFTER``
    are left alone, the director may be about to send. Returns the number of letters sent.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    cutoff = now - REMIND_AFTER
    # One aggregate: the counts and the dates in the letters are the ones that decided who
    # is reminded, even if a report is sent meanwhile.
    unreported = {
        u.organization_id: u
        for u in selectors.unreported_by_organization(None)
        if u.oldest <= cutoff
    }
    if not unreported:
        return 0
    directors: dict[int, tuple[Any, list[selectors.Unreported]]] = {}
    for position in (
        StaffPosition.objects.confirmed()
        .filter(
            position=StaffPosition.Position.DIRECTOR,
            organization_id__in=unreported,
            organization__is_active=True,
        )
        .exclude(person__email="")
        .select_related("person")
        .order_by("person_id")
    ):
        entry = directors.setdefault(position.person_id, (position.person, []))
        entry[1].append(unreported[position.organization_id])
    already = set(
        ReminderSent.objects.filter(day=today, director_id__in=directors).values_list(
            "director_id", flat=True
        )
    )
    sent = 0
    for director_id, (director, items) in directors.items():
        if director_id in already:
            continue
        with transaction.atomic():
            _reminder, created = ReminderSent.objects.get_or_create(
                director_id=director_id,
                day=today,
                defaults={"unreported": sum(u.count for u in items)},
            )
            if not created:
                continue
            send_letter(
                "confirmation/letters/reminder",
                [director.email],
                {
                    "person": director,
                    "items": items,
                    "url": site_url.rstrip("/") + reverse("confirmation_reports")
                    if site_url
                    else "",
                },
                language=director.language or settings.LANGUAGE_CODE,
            )
            sent += 1
    return sent
