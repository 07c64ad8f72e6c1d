"""Pages of issued accounts (ACC-2): a class roster, entering people, uploads, slips, resets.

Open to whoever the policy lets ``enrol`` the class (its class teacher; the school's
administration; the regional operator): every view fetches the class through
``SchoolClass.objects.editable_by(user, "enrol")`` and people through
``User.objects.editable_by(user, "issue_credentials")``, so anything else is a 404.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from parta.accounts import issuing, roster_sheet
from parta.accounts.forms_issuing import ParentForm, RosterUploadForm, StudentForm
from parta.accounts.issuing import PARENTS, STUDENT
from parta.accounts.models import User
from parta.accounts.slips import Slip, slips_pdf
from parta.core.audit import record_view
from parta.core.errors import DomainError
from parta.directory.models import Enrollment, Guardianship, SchoolClass


# --- Fetching through the access engine ----------------------------------------------------
def _school_class(request: HttpRequest, class_id: int) -> SchoolClass:
    return get_object_or_404(
        SchoolClass.objects.editable_by(request.user, "enrol").select_related(
            "organization", "academic_year"
        ),
        pk=class_id,
    )


def _students_of(school_class: SchoolClass) -> QuerySet[Enrollment]:
    return Enrollment.objects.confirmed().filter(school_class_id=school_class.pk)


def _people_of(request: HttpRequest, school_class: SchoolClass) -> QuerySet[User]:
    """The class's students and their parents whose credentials this person may issue."""
    students = _students_of(school_class).values("student_id")
    guardians = Guardianship.objects.filter(child_id__in=students).values("guardian_id")
    return User.objects.editable_by(request.user, "issue_credentials").filter(
        Q(pk__in=students) | Q(pk__in=guardians)
    )


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    return response


# --- The roster ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Status:
    code: str  # none | issued | expired | own
    label: str


def _status(user: User) -> Status:
    if issuing.has_own_password(user):
        return Status("own", _("задал(а) свой пароль"))
    if not user.has_usable_password():
        return Status("none", _("листок не печатался"))
    if issuing.initial_password_expired(user):
        return Status("expired", _("срок листка истёк — напечатайте новый"))
    return Status("issued", _("листок выдан, ещё не входил(а)"))


@dataclass(frozen=True)
class RosterLine:
    person: User
    status: Status
    relation: str  # "ученик" or the parent's kind
    is_student: bool


@login_required
@require_GET
def roster(request: HttpRequest, class_id: int) -> HttpResponse:
    """ACC-2: the class's students with their parents and whether each has set a password."""
    school_class = _school_class(request, class_id)
    people = _people_of(request, school_class)
    guardianships = (
        Guardianship.objects.filter(guardian__in=people)
        .select_related("guardian")
        .order_by("kind", "guardian__last_name", "guardian__first_name")
    )
    enrollments = (
        _students_of(school_class)
        .filter(student__in=people)
        .select_related("student")
        .prefetch_related(Prefetch("student__guardians", queryset=guardianships))
        .order_by("student__last_name", "student__first_name", "student__middle_name")
    )
    groups: list[list[RosterLine]] = []
    for enrollment in enrollments:
        student = enrollment.student
        lines = [RosterLine(student, _status(student), _("ученик"), True)]
        lines += [
            RosterLine(g.guardian, _status(g.guardian), g.get_kind_display(), False)
            for g in student.guardians.all()
        ]
        groups.append(lines)
    pending = sum(1 for lines in groups for line in lines if line.status.code != "own")
    # 152-FZ: the children whose data the page shows are logged for their parents to see.
    record_view(
        request, (lines[0].person.pk for lines in groups), "class_roster", {"class": school_class}
    )
    return render(
        request,
        "accounts/issuing/roster.html",
        {
            "school_class": school_class,
            "groups": groups,
            "pending": pending,
            "days": settings.PARTA_INITIAL_PASSWORD_DAYS,
        },
    )


# --- Entering a student with parents --------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def student_add(request: HttpRequest, class_id: int) -> HttpResponse:
    """ACC-2: enter one student and up to two parents; their accounts are created."""
    school_class = _school_class(request, class_id)
    data = request.POST if request.method == "POST" else None
    student_form = StudentForm(data, prefix=STUDENT)
    parent_forms = [
        ParentForm(data, prefix=prefix, initial={"kind": kind})
        for prefix, kind in zip(
            PARENTS, (Guardianship.Kind.MOTHER, Guardianship.Kind.FATHER), strict=True
        )
    ]
    forms_by_prefix = {STUDENT: student_form, **dict(zip(PARENTS, parent_forms, strict=True))}
    if request.method == "POST" and all(f.is_valid() for f in forms_by_prefix.values()):
        user = request.user
        assert isinstance(user, User)
        try:
            result = issuing.student_enter(
                school_class=school_class,
                student=student_form.entry(),
                parents=[f.entry() for f in parent_forms if not f.is_blank()],
                entered_by=user,
            )
        except DomainError as exc:
            prefix, _sep, name = (exc.field or "").partition("-")
            form = forms_by_prefix.get(prefix, student_form)
            form.add_error(name if name in form.fields else None, str(exc.message))
        else:
            messages.success(
                request,
                _(
                    "%(student)s внесён(а) в класс %(class)s. Новых учётных записей: %(created)s, "
                    "найдено уже существующих: %(reused)s. Напечатайте листки с данными для входа."
                )
                % {
                    "student": result.student.full_name,
                    "class": school_class,
                    "created": len(result.created),
                    "reused": len(result.reused),
                },
            )
            return redirect("issuing_roster", class_id=school_class.pk)
    return render(
        request,
        "accounts/issuing/student_add.html",
        {
            "school_class": school_class,
            "student_form": student_form,
            "parent_forms": parent_forms,
        },
    )


# --- Roster spreadsheets ---------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def roster_upload(request: HttpRequest, class_id: int) -> HttpResponse:
    """ACC-2: enter a whole class from a spreadsheet; nothing is entered if a row is wrong."""
    school_class = _school_class(request, class_id)
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    errors: list[issuing.RowError] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        user = request.user
        assert isinstance(user, User)
        try:
            result = issuing.roster_import(
                school_class=school_class, upload=upload, filename=upload.name, entered_by=user
            )
        except DomainError as exc:
            form.add_error("file", str(exc.message))
        else:
            if result.ok:
                messages.success(
                    request,
                    _(
                        "Таблица загружена: учеников — %(students)s. Новых учётных записей: "
                        "%(created)s, найдено уже существующих: %(reused)s."
                    )
                    % {
                        "students": result.students,
                        "created": result.created,
                        "reused": result.reused,
                    },
                )
                return redirect("issuing_roster", class_id=school_class.pk)
            errors = result.errors
    return render(
        request,
        "accounts/issuing/roster_upload.html",
        {"school_class": school_class, "form": form, "row_errors": errors},
    )


@login_required
@require_GET
def roster_template(request: HttpRequest, class_id: int) -> HttpResponse:
    """ACC-2: the roster template (.xlsx) in the person's language, with an example row."""
    school_class = _school_class(request, class_id)
    response = HttpResponse(
        roster_sheet.template_workbook(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    return _attachment(response, f"parta-roster-{school_class}.xlsx")


# --- Credential slips ------------------------------------------------------------------------
def _slips_response(
    request: HttpRequest,
    school_class: SchoolClass,
    issued: Sequence[tuple[User, str]],
    filename: str,
) -> HttpResponse:
    ids = [person.pk for person, _password in issued]
    students = set(
        _students_of(school_class).filter(student_id__in=ids).values_list("student_id", flat=True)
    )
    wards: dict[int, list[Guardianship]] = {}
    for g in (
        Guardianship.objects.filter(
            guardian_id__in=ids, child_id__in=_students_of(school_class).values("student_id")
        )
        .select_related("child")
        .order_by("child__last_name", "child__first_name")
    ):
        wards.setdefault(g.guardian_id, []).append(g)
    school = school_class.organization.short_name
    # 152-FZ: the children named on the slips (students, and the wards on parents' slips).
    record_view(
        request,
        [*students, *(g.child_id for gs in wards.values() for g in gs)],
        "credential_slips",
        {"class": school_class},
    )
    slips = []
    for person, password in issued:
        if person.pk in students or person.pk not in wards:
            role = _("Ученик, класс %(class)s") % {"class": school_class}
        else:
            children = wards[person.pk]
            role = _("%(kind)s ученика: %(children)s, класс %(class)s") % {
                "kind": capfirst(children[0].get_kind_display()),
                "children": ", ".join(
                    f"{g.child.first_name} {g.child.last_name}" for g in children
                ),
                "class": school_class,
            }
        assert person.initial_password_issued_at is not None
        expires = timezone.localdate(
            issuing.initial_password_expires_at(person.initial_password_issued_at)
        )
        slips.append(Slip(person.full_name, role, school, person.username, password, expires))
    response = HttpResponse(
        slips_pdf(
            slips=slips,
            address=request.build_absolute_uri("/"),
            days=settings.PARTA_INITIAL_PASSWORD_DAYS,
        ),
        content_type="application/pdf",
    )
    return _attachment(response, filename)


@never_cache
@login_required
@require_POST
def slips_print(request: HttpRequest, class_id: int) -> HttpResponse:
    """ACC-2: print slips (issuing new passwords) for the ticked people or all still waiting.

    People who already set their own password are not reset here; the roster offers the
    explicit per-person reset for them.
    """
    school_class = _school_class(request, class_id)
    people = _people_of(request, school_class)
    if request.POST.get("which") == "pending":
        chosen = list(people.exclude(issuing.own_password_q()))
    else:
        wanted = [v for v in request.POST.getlist("people") if v.isdigit()]
        chosen = list(people.filter(pk__in=wanted))
        if len(chosen) != len(set(wanted)):
            raise Http404  # someone outside the class, or nobody at all
    chosen.sort(key=lambda p: (p.last_name, p.first_name, p.middle_name))
    if not chosen:
        messages.error(request, _("Отметьте людей, которым нужны листки."))
        return redirect("issuing_roster", class_id=school_class.pk)
    user = request.user
    assert isinstance(user, User)
    issued = issuing.credentials_issue(people=chosen, issued_by=user)
    skipped = len(chosen) - len(issued)
    if skipped:
        messages.warning(
            request,
            ngettext(
                "%(n)s человек уже задал свой пароль: его пароль не сброшен. Если он его "
                "забыл, нажмите «Сбросить пароль» в его строке.",
                "%(n)s человек уже задали свои пароли: их пароли не сброшены. Если кто-то "
                "забыл пароль, нажмите «Сбросить пароль» в его строке.",
                skipped,
            )
            % {"n": skipped},
        )
    if not issued:
        return redirect("issuing_roster", class_id=school_class.pk)
    return _slips_response(request, school_class, issued, f"parta-slips-{school_class}.pdf")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest, class_id: int, person_id: int) -> HttpResponse:
    """ACC-2: reset a person's password (they forgot it) and print them a fresh slip."""
    school_class = _school_class(request, class_id)
    person = get_object_or_404(_people_of(request, school_class), pk=person_id)
    if request.method == "POST":
        user = request.user
        assert isinstance(user, User)
        issued = issuing.password_reset_issue(person=person, issued_by=user)
        return _slips_response(request, school_class, [issued], f"parta-slip-{person.username}.pdf")
    record_view(request, [person.pk], "password_reset", {"class": school_class})
    return render(
        request,
        "accounts/issuing/password_reset.html",
        {
            "school_class": school_class,
            "person": person,
            "status": _status(person),
            "days": settings.PARTA_INITIAL_PASSWORD_DAYS,
        },
    )
