"""Thin views: the home redirect, the role switcher, the first-password page, role homes."""

from __future__ import annotations

from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parta.accounts import services
from parta.accounts.forms import InitialPasswordForm
from parta.accounts.models import User
from parta.accounts.roles import SESSION_KEY, active_role, home_url_name
from parta.core import access
from parta.core.access import cabinet
from parta.directory.models import (
    Enrollment,
    Guardianship,
    Municipality,
    Organization,
    SchoolClass,
    StaffPosition,
    confirmed_place,
)


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("account_login")
    return redirect(home_url_name(active_role(request)))


@login_required
@require_POST
def role_switch(request: HttpRequest) -> HttpResponse:
    key = request.POST.get("role", "")
    for role in access.roles_of(request.user):
        if role.key == key:
            request.session[SESSION_KEY] = key
            return redirect(home_url_name(role))
    return redirect("home")


@login_required
def set_initial_password(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if not user.must_change_password:
        return redirect("home")
    form = InitialPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.initial_password_replace(
            user=user, password=form.cleaned_data["new_password1"]
        )
        update_session_auth_hash(request, user)
        from django.contrib import messages

        messages.success(request, _("Пароль сохранён. Добро пожаловать в Парту!"))
        return redirect("home")
    return render(request, "accounts/set_initial_password.html", {"form": form})


@login_required
def no_role_home(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/home_no_role.html")


def _classes_with_counts(queryset: QuerySet[SchoolClass]) -> QuerySet[SchoolClass]:
    return queryset.select_related("organization", "academic_year", "class_teacher").annotate(
        students_count=Count("enrollments", filter=confirmed_place("enrollments"))
    )


@login_required
@cabinet("student_home")
def student_home(request: HttpRequest) -> HttpResponse:
    enrollments = (
        Enrollment.objects.visible_to(request.user)
        .current()
        .filter(student_id=request.user.pk)
        .select_related("school_class__organization", "school_class__class_teacher")
    )
    return render(request, "accounts/home_student.html", {"enrollments": enrollments})


CHILD_SESSION_KEY = "parta_parent_child"


@login_required
@cabinet("parent_home")
def parent_home(request: HttpRequest) -> HttpResponse:
    """The parent's cabinet: one child at a time, switched with ``?child=`` (ACC-9).

    The chosen child is remembered in the session, so the cabinet opens on the child the
    parent looked at last; a child who is not theirs is a 404, like any other object.
    """
    current = Enrollment.objects.current().select_related(
        "school_class__organization", "school_class__class_teacher"
    )
    children = list(
        User.objects.visible_to(request.user)
        .filter(pk__in=Guardianship.objects.filter(guardian_id=request.user.pk).values("child_id"))
        .prefetch_related(Prefetch("enrollments", queryset=current, to_attr="current_enrollments"))
        .order_by("birth_date", "first_name")
    )
    asked = request.GET.get("child")
    if asked is not None:
        chosen = next((child for child in children if str(child.pk) == asked), None)
        if chosen is None:
            raise Http404
        request.session[CHILD_SESSION_KEY] = chosen.pk
    else:
        remembered = request.session.get(CHILD_SESSION_KEY)
        chosen = next(
            (child for child in children if child.pk == remembered),
            children[0] if children else None,
        )
    return render(request, "accounts/home_parent.html", {"children": children, "chosen": chosen})


@login_required
@cabinet("teacher_home")
def teacher_home(request: HttpRequest) -> HttpResponse:
    classes = _classes_with_counts(
        SchoolClass.objects.visible_to(request.user).filter(
            academic_year__is_current=True,
            organization_id__in=[
                r.organization_id for r in access.roles_of(request.user) if r.kind == "teacher"
            ],
        )
    ).order_by("organization__short_name", "grade", "letter")
    return render(request, "accounts/home_teacher.html", {"classes": classes})


@login_required
@cabinet("class_teacher_home")
def class_teacher_home(request: HttpRequest) -> HttpResponse:
    classes = _classes_with_counts(
        SchoolClass.objects.visible_to(request.user).filter(
            class_teacher_id=request.user.pk, academic_year__is_current=True
        )
    )
    return render(request, "accounts/home_class_teacher.html", {"classes": classes})


@login_required
@cabinet("school_home")
def school_home(request: HttpRequest) -> HttpResponse:
    org_ids = [
        r.organization_id
        for r in access.roles_of(request.user)
        if r.kind in access.SCHOOL_ADMINISTRATION
    ]
    organizations = (
        Organization.objects.visible_to(request.user)
        .filter(pk__in=org_ids)
        .annotate(
            classes_count=Count(
                "classes", filter=Q(classes__academic_year__is_current=True), distinct=True
            ),
            staff_count=Count("staff", filter=confirmed_place("staff"), distinct=True),
        )
    )
    classes = _classes_with_counts(
        SchoolClass.objects.visible_to(request.user).filter(
            organization_id__in=org_ids, academic_year__is_current=True
        )
    )
    staff = (
        StaffPosition.objects.visible_to(request.user)
        .confirmed()
        .filter(organization_id__in=org_ids)
        .select_related("person", "organization")
        .order_by("person__last_name", "person__first_name")
    )
    return render(
        request,
        "accounts/home_school.html",
        {"organizations": organizations, "classes": classes, "staff": staff},
    )


def _organizations_summary(queryset: QuerySet[Organization]) -> QuerySet[Organization]:
    return queryset.select_related("municipality").annotate(
        classes_count=Count(
            "classes", filter=Q(classes__academic_year__is_current=True), distinct=True
        ),
        students_count=Count(
            "classes__enrollments",
            filter=confirmed_place("classes__enrollments")
            & Q(classes__academic_year__is_current=True),
            distinct=True,
        ),
    )


@login_required
@cabinet("municipal_home")
def municipal_home(request: HttpRequest) -> HttpResponse:
    municipalities = Municipality.objects.visible_to(request.user).filter(
        pk__in=[r.context_id for r in access.roles_of(request.user) if r.kind == "municipal"]
    )
    organizations = _organizations_summary(
        Organization.objects.visible_to(request.user).filter(municipality__in=municipalities)
    ).order_by("short_name")
    return render(
        request,
        "accounts/home_municipal.html",
        {"municipalities": municipalities, "organizations": organizations},
    )


@login_required
@cabinet("operator_home")
def operator_home(request: HttpRequest) -> HttpResponse:
    municipalities = (
        Municipality.objects.visible_to(request.user)
        .annotate(organizations_count=Count("organizations"))
        .order_by("name")
    )
    return render(request, "accounts/home_operator.html", {"municipalities": municipalities})
