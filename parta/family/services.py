"""Family requests (ACC-9): a parent asks, the child's school confirms or rejects.

The rule this module keeps: no one attaches a stranger's child. A request never creates a link
by itself; only ``family_request_confirm`` does, called by a person the access engine lets
decide requests of that school (its administration, or the class teacher of the class), and it
links only a child who studies at that school now and whose records match the request.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parta.accounts import issuing
from parta.accounts.models import User
from parta.core import access
from parta.core.errors import DomainError
from parta.core.mail import send_letter
from parta.directory.models import (
    Confirmation,
    Enrollment,
    Guardianship,
    SchoolClass,
    StaffPosition,
)
from parta.family.models import FamilyRequest

# A parent may have this many requests waiting at once: enough for a large family.
MAX_PENDING = 6
_OLDEST_CHILD_YEARS = 25


def _fold(value: str) -> str:
    return " ".join((value or "").split()).casefold().replace("ё", "е")


def _absolute(site: str, path: str) -> str:
    return site.rstrip("/") + path


def _name(value: str) -> str:
    return " ".join((value or "").split())


def _check_pending_limit(parent: User) -> None:
    """Lock the parent's row, then count: two requests filed at the same moment wait for each
    other, so neither the limit nor the duplicate check after it is passed by both."""
    User.objects.select_for_update().only("pk").get(pk=parent.pk)
    if FamilyRequest.objects.filter(requested_by=parent).pending().count() >= MAX_PENDING:
        raise DomainError(
            _(
                "У вас уже %(n)s заявок ждут решения школы. Дождитесь решения по ним, "
                "прежде чем подавать новые."
            )
            % {"n": MAX_PENDING},
            code="too_many",
        )


def _school_emails(school_class: SchoolClass) -> list[str]:
    """Who is told about a new request: the class teacher and the school's administration."""
    admins = StaffPosition.objects.confirmed().filter(
        organization_id=school_class.organization_id,
        position__in=[StaffPosition.Position.DIRECTOR, StaffPosition.Position.DEPUTY],
    )
    emails = set(
        User.objects.filter(
            Q(pk__in=admins.values("person_id")) | Q(pk=school_class.class_teacher_id or 0)
        )
        .exclude(email="")
        .values_list("email", flat=True)
    )
    return sorted(emails)


def _announce(request: FamilyRequest, school_class: SchoolClass, site: str) -> None:
    send_letter(
        "family/letters/new_request",
        _school_emails(school_class),
        {
            "request": request,
            "url": _absolute(site, reverse("family_decide", args=[request.pk])),
        },
    )


@transaction.atomic
def family_request_child(
    *,
    parent: User,
    school_class: SchoolClass,
    last_name: str,
    first_name: str,
    middle_name: str,
    birth_date: datetime.date,
    relation: str,
    comment: str = "",
    site: str,
) -> FamilyRequest:
    """ACC-9: a parent asks the school of another child of theirs to link the child.

    The request says nothing to the parent about whether such a child studies there: only the
    school, comparing with its records, decides.
    """
    school_class = SchoolClass.objects.select_related("organization").get(pk=school_class.pk)
    if not school_class.organization.is_active:
        raise DomainError(_("Эта школа не подключена к Парте."), field="organization")
    today = timezone.localdate()
    if not today.replace(year=today.year - _OLDEST_CHILD_YEARS) <= birth_date <= today:
        raise DomainError(
            _("Проверьте дату рождения: она в будущем или ребёнку больше 25 лет."),
            field="child_birth_date",
        )
    if relation not in Guardianship.Kind.values:
        raise DomainError(_("Выберите, кем вы приходитесь ребёнку."), field="relation")
    _check_pending_limit(parent)
    names = {"last_name": _name(last_name), "first_name": _name(first_name)}
    duplicate = FamilyRequest.objects.pending().filter(
        requested_by=parent,
        kind=FamilyRequest.Kind.CHILD,
        child_last_name__iexact=names["last_name"],
        child_first_name__iexact=names["first_name"],
        child_birth_date=birth_date,
    )
    if duplicate.exists():
        raise DomainError(_("Такая заявка уже подана и ждёт решения школы."), code="duplicate")
    request = FamilyRequest.objects.create(
        kind=FamilyRequest.Kind.CHILD,
        requested_by=parent,
        organization=school_class.organization,
        school_class=school_class,
        relation=relation,
        child_last_name=names["last_name"],
        child_first_name=names["first_name"],
        child_middle_name=_name(middle_name),
        child_birth_date=birth_date,
        comment=comment.strip(),
    )
    _announce(request, school_class, site)
    return request


@transaction.atomic
def family_request_second_parent(
    *,
    parent: User,
    child: User,
    last_name: str,
    first_name: str,
    middle_name: str,
    email: str,
    phone: str,
    relation: str,
    comment: str = "",
    site: str,
) -> FamilyRequest:
    """ACC-9: a parent asks the school of their child to link the child's second parent.

    The child must be the parent's own (a confirmed guardianship) and study at a school in
    Parta now: that school decides.
    """
    if not Guardianship.objects.filter(guardian_id=parent.pk, child_id=child.pk).exists():
        raise DomainError(_("Выберите своего ребёнка из списка."), field="child")
    enrollment = (
        Enrollment.objects.current()
        .filter(student_id=child.pk, school_class__organization__is_active=True)
        .select_related("school_class__organization")
        .first()
    )
    if enrollment is None:
        raise DomainError(
            _(
                "Ребёнок сейчас не учится ни в одной школе в Парте, поэтому подтвердить "
                "второго родителя некому."
            ),
            field="child",
        )
    if not email and not phone:
        raise DomainError(
            _("Укажите почту или телефон второго родителя: по ним Парта найдёт его или создаст."),
            field="email",
        )
    if (email and parent.email and email.casefold() == parent.email.casefold()) or (
        phone and phone == parent.phone
    ):
        raise DomainError(
            _("Это ваши собственные почта или телефон. Укажите данные второго родителя."),
            field="email",
        )
    if relation not in Guardianship.Kind.values:
        raise DomainError(_("Выберите, кем второй родитель приходится ребёнку."), field="relation")
    _check_pending_limit(parent)
    request = FamilyRequest.objects.create(
        kind=FamilyRequest.Kind.SECOND_PARENT,
        requested_by=parent,
        organization=enrollment.school_class.organization,
        school_class=enrollment.school_class,
        child=child,
        relation=relation,
        last_name=_name(last_name),
        first_name=_name(first_name),
        middle_name=_name(middle_name),
        email=email.strip(),
        phone=phone,
        comment=comment.strip(),
    )
    _announce(request, enrollment.school_class, site)
    return request


@transaction.atomic
def family_request_withdraw(*, request: FamilyRequest, parent: User) -> None:
    """ACC-9: the parent takes back a request the school has not decided yet."""
    locked = FamilyRequest.objects.select_for_update().get(pk=request.pk)
    if locked.requested_by_id != parent.pk or locked.status != Confirmation.PENDING:
        raise DomainError(_("Школа уже решила по этой заявке."), code="decided")
    locked.delete()


# --- the school's side ------------------------------------------------------------------------
def _decider_classes(decider: User, organization_id: int) -> list[int] | None:
    """Classes of the school the decider may pick a child from; None means the whole school."""
    roles = access.roles_of(decider)
    if any(
        r.kind in access.SCHOOL_ADMINISTRATION and r.organization_id == organization_id
        for r in roles
    ):
        return None
    return [
        r.context_id
        for r in roles
        if r.kind == access.CLASS_TEACHER and r.organization_id == organization_id and r.context_id
    ]


def candidates(request: FamilyRequest, decider: User) -> QuerySet[Enrollment]:
    """ACC-9: the students of the request's school the decider may link, best matches first.

    Only current, confirmed enrolments at the school the request went to; for a class teacher,
    only their own class. Matches by surname and birth date come first; the school decides.
    """
    enrollments = (
        Enrollment.objects.current()
        .filter(school_class__organization_id=request.organization_id)
        .select_related("student", "school_class")
    )
    classes = _decider_classes(decider, request.organization_id)
    if classes is not None:
        enrollments = enrollments.filter(school_class_id__in=classes)
    match = Q(student__last_name__iexact=request.child_last_name) | Q(
        student__birth_date=request.child_birth_date
    )
    return enrollments.filter(match).order_by(
        "student__last_name", "student__first_name", "school_class__grade"
    )


@dataclass(frozen=True)
class SecondParentMatch:
    """What confirming a second-parent request will meet in Parta, told to the school.

    The school sees whether an account has the request's email or phone and whether its
    surname and first name are the request's, never the account's own name: the person is
    nobody the school may look up. ``person_ids`` are for the access log only.
    """

    found: bool = False
    name_matches: bool = False
    person_ids: tuple[int, ...] = ()

    @property
    def will_link(self) -> bool:
        return self.found and self.name_matches


def second_parent_match(request: FamilyRequest) -> SecondParentMatch:
    """ACC-9: as ``family_request_confirm`` will find the second parent (the rules of
    ``parta.accounts.issuing``): by email and by phone; one account whose name matches is
    linked; a name that differs, or email and phone of two different people, is refused."""
    lookups = [
        Q(email__iexact=request.email) if request.email else None,
        Q(phone=request.phone) if request.phone else None,
    ]
    found: dict[int, User] = {}
    for condition in lookups:
        if condition is not None:
            for user in User.objects.filter(condition).only("pk", "last_name", "first_name")[:2]:
                found.setdefault(user.pk, user)
    if not found:
        return SecondParentMatch()
    person_ids = tuple(sorted(found))
    if len(found) > 1:
        return SecondParentMatch(found=True, person_ids=person_ids)
    (user,) = found.values()
    matches = names_match(user, request.last_name, request.first_name)
    return SecondParentMatch(found=True, name_matches=matches, person_ids=person_ids)


def names_match(user: User, last_name: str, first_name: str) -> bool:
    return _fold(user.last_name) == _fold(last_name) and _fold(user.first_name) == _fold(first_name)


@dataclass
class Decision:
    request: FamilyRequest
    needs_slip: bool = False  # a new second parent without email: the school prints a slip


def _lock(request: FamilyRequest) -> FamilyRequest:
    locked = (
        FamilyRequest.objects.select_for_update(of=("self",))
        .select_related("requested_by", "child", "organization", "school_class")
        .get(pk=request.pk)
    )
    if locked.status != Confirmation.PENDING:
        raise DomainError(_("По этой заявке уже принято решение."), code="decided")
    return locked


def _link(guardian: User, child: User, relation: str) -> None:
    if guardian.pk == child.pk:
        raise DomainError(_("Родитель и ребёнок — один и тот же человек."), code="self")
    Guardianship.objects.get_or_create(guardian=guardian, child=child, defaults={"kind": relation})


def _tell_requester(request: FamilyRequest, site: str) -> None:
    send_letter(
        "family/letters/decided",
        [request.requested_by.email],
        {"request": request, "url": _absolute(site, reverse("family_index"))},
        language=request.requested_by.language or None,
    )


def _finish(request: FamilyRequest, decider: User, status: str) -> None:
    request.status = status
    request.decided_by = decider
    request.decided_at = timezone.now()


@transaction.atomic
def family_request_confirm(
    *, request: FamilyRequest, decider: User, student: User | None = None, site: str
) -> Decision:
    """ACC-9: the school confirms a request; only now is the Guardianship created.

    Another child: ``student`` must be among ``candidates`` (a current student of the school,
    of the class teacher's own class) and match the request's first name and birth date.
    A second parent: found by email or phone (the name must match), else issued a new account
    (``parta.accounts.issuing``) whose login and initial password are emailed, or printed on a
    slip by the school when there is no email.
    """
    request = _lock(request)
    decision = Decision(request=request)
    if request.kind == FamilyRequest.Kind.CHILD:
        if student is None:
            raise DomainError(_("Выберите ученика из записей школы."), field="student")
        found = candidates(request, decider).filter(student_id=student.pk).first()
        if found is None:
            raise DomainError(
                _("Этот ученик не учится в этой школе (или не в вашем классе)."), field="student"
            )
        child = found.student
        if _fold(child.first_name) != _fold(request.child_first_name) or (
            child.birth_date and child.birth_date != request.child_birth_date
        ):
            raise DomainError(
                _(
                    "Имя или дата рождения ученика не совпадают с заявкой. Если родитель "
                    "ошибся, отклоните заявку и укажите причину — он подаст новую."
                ),
                field="student",
            )
        if child.pk == request.requested_by_id:
            raise DomainError(_("Родитель и ребёнок — один и тот же человек."), field="student")
        _link(request.requested_by, child, request.relation)
        request.child = child
        request.school_class = found.school_class
    else:
        assert request.child is not None
        child = request.child
        if (
            not Enrollment.objects.current()
            .filter(student_id=child.pk, school_class__organization_id=request.organization_id)
            .exists()
        ):
            raise DomainError(
                _("Ребёнок больше не учится в этой школе. Отклоните заявку с пояснением."),
                code="left",
            )
        entry, problems = issuing.person_entry_clean(
            issuing.PersonEntry(
                last_name=request.last_name,
                first_name=request.first_name,
                middle_name=request.middle_name,
                email=request.email,
                phone=request.phone,
                kind=request.relation,
            ),
            prefix="parent",
            birth_date_required=False,
        )
        if problems:
            raise DomainError(problems[0][1], code="invalid")
        person, created = issuing.guardian_find_or_create(
            entry, prefix="parent", organization_id=request.organization_id, child=child
        )
        if person.pk == request.requested_by_id:
            raise DomainError(
                _("Второй родитель совпал с тем, кто подал заявку. Отклоните её."), code="same"
            )
        _link(person, child, request.relation)
        request.person = person
        request.person_created = created
        password = ""
        if created and person.email:
            # The letter carries the initial password; without an email the school prints
            # the slip from the class roster, as for any issued account (ACC-2).
            (_issued, password), *_rest = issuing.credentials_issue(
                people=[person], issued_by=decider
            )
        context = {
            "request": request,
            "person": person,
            "child": child,
            "password": password,
            "days": settings.PARTA_INITIAL_PASSWORD_DAYS,
            "url": _absolute(site, reverse("account_login")),
        }
        if person.email:
            send_letter("family/letters/linked_parent", [person.email], context)
        decision.needs_slip = created and not person.email
    _finish(request, decider, Confirmation.CONFIRMED)
    request.save()
    _tell_requester(request, site)
    return decision


@transaction.atomic
def family_request_reject(
    *, request: FamilyRequest, decider: User, reason: str, site: str
) -> FamilyRequest:
    """ACC-9: the school rejects a request with a reason the parent reads; nothing is linked."""
    reason = reason.strip()
    if not reason:
        raise DomainError(
            _("Напишите причину: родитель увидит её и сможет исправить заявку."), field="reason"
        )
    request = _lock(request)
    request.rejection_reason = reason
    _finish(request, decider, Confirmation.REJECTED)
    request.save()
    _tell_requester(request, site)
    return request


def requests_counts(requests: QuerySet[FamilyRequest]) -> dict[str, int]:
    return requests.aggregate(
        **{status: Count("pk", filter=Q(status=status)) for status in Confirmation.values}
    )
