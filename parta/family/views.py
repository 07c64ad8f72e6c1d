"""Thin views of family requests (ACC-9): the parent's requests, the school's decisions."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from parta.accounts.api.selectors import children_of
from parta.accounts.models import User
from parta.core import access
from parta.core.access import cabinet
from parta.core.audit import record_view
from parta.core.errors import DomainError, form_error
from parta.directory.models import Confirmation
from parta.family import services
from parta.family.forms import ChildRequestForm, DecisionForm, SchoolClassChooser, SecondParentForm
from parta.family.models import FamilyRequest

PAGE_SIZE = 25


def _site(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def adults_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Family requests are for adults: a person whose only roles are a student's gets 404.

    A person without children yet (a teacher whose child goes to another school, a parent
    whose first link waits) may ask for a child; the school decides.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        roles = access.roles_of(request.user)
        if roles and all(role.kind == access.STUDENT for role in roles):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _own_requests(user: User) -> Any:
    # Only the person's own requests, not the ones their school lets them decide.
    return FamilyRequest.objects.visible_to(user).filter(requested_by_id=user.pk)


@login_required
@adults_only
def family_index(request: HttpRequest) -> HttpResponse:
    """ACC-9: my family — the children linked, my requests and what the school answered."""
    user = _user(request)
    requests = _own_requests(user).select_related("organization", "school_class", "child")
    children = children_of(user).prefetch_related(None).order_by("birth_date", "first_name")
    return render(
        request,
        "family/index.html",
        {
            "requests": requests[:50],
            "children": children,
            "is_parent": access.has_role(user, access.PARENT),
        },
    )


@login_required
@adults_only
def family_request_child(request: HttpRequest) -> HttpResponse:
    """ACC-9: ask the school of another child to link the child to me."""
    user = _user(request)
    if request.method == "POST" and request.POST.get("action") == "find":
        # "Show schools" without JavaScript: the same form back, nothing checked, nothing lost.
        form = ChildRequestForm(initial=request.POST.dict())
    else:
        form = ChildRequestForm(request.POST or None)
    if request.method == "POST" and form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            services.family_request_child(
                parent=user,
                school_class=data["school_class"],
                last_name=data["child_last_name"],
                first_name=data["child_first_name"],
                middle_name=data["child_middle_name"],
                birth_date=data["child_birth_date"],
                relation=data["relation"],
                comment=data["comment"],
                site=_site(request),
            )
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(
                request,
                _(
                    "Заявка отправлена в «%(school)s». Школа сверит её со своими записями; "
                    "решение появится здесь и придёт на почту."
                )
                % {"school": data["organization"].short_name},
            )
            return redirect("family_index")
    return render(request, "family/request_child.html", {"form": form})


@login_required
@adults_only
def family_school_options(request: HttpRequest) -> HttpResponse:
    """The school and class lists of the child request, redrawn as the choices change."""
    form = SchoolClassChooser(initial=request.GET.dict())
    return render(request, "family/_school_class_chooser.html", {"form": form})


@login_required
@cabinet("parent_home")
def family_request_parent(request: HttpRequest) -> HttpResponse:
    """ACC-9: ask the school of my child to link the child's second parent."""
    user = _user(request)
    children = children_of(user).prefetch_related(None).order_by("birth_date", "first_name")
    form = SecondParentForm(request.POST or None, children=children)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.family_request_second_parent(
                parent=user,
                child=data["child"],
                last_name=data["last_name"],
                first_name=data["first_name"],
                middle_name=data["middle_name"],
                email=data["email"],
                phone=data["phone"],
                relation=data["relation"],
                comment=data["comment"],
                site=_site(request),
            )
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(
                request,
                _("Заявка отправлена в школу ребёнка. Решение появится здесь и придёт на почту."),
            )
            return redirect("family_index")
    return render(request, "family/request_parent.html", {"form": form})


@login_required
@require_POST
def family_request_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """ACC-9: take back my request the school has not decided yet."""
    user = _user(request)
    family_request = get_object_or_404(_own_requests(user).pending(), pk=pk)
    try:
        services.family_request_withdraw(request=family_request, parent=user)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Заявка отозвана."))
    return redirect("family_index")


# --- the school's side ------------------------------------------------------------------------
_TABS = (
    (Confirmation.PENDING, gettext_lazy("Ждут решения")),
    (Confirmation.CONFIRMED, gettext_lazy("Подтверждены")),
    (Confirmation.REJECTED, gettext_lazy("Отклонены")),
)


@login_required
@cabinet("family_school_requests")
def family_school_requests(request: HttpRequest) -> HttpResponse:
    """ACC-9: the school's family requests: waiting, confirmed, rejected."""
    user = _user(request)
    requests = FamilyRequest.objects.editable_by(user)
    counts = services.requests_counts(requests)
    status = request.GET.get("status", Confirmation.PENDING)
    if status not in Confirmation.values:
        status = Confirmation.PENDING
    shown = (
        requests.filter(status=status)
        .select_related("requested_by", "organization", "school_class", "child", "decided_by")
        .order_by("created_at" if status == Confirmation.PENDING else "-decided_at")
    )
    page = Paginator(shown, PAGE_SIZE).get_page(request.GET.get("page"))
    record_view(
        request,
        [r.requested_by_id for r in page] + [r.child_id for r in page if r.child_id],
        "family_requests",
    )
    return render(
        request,
        "family/school_requests.html",
        {
            "page": page,
            "tabs": [(value, label, counts[value]) for value, label in _TABS],
            "status": status,
        },
    )


@login_required
@cabinet("family_school_requests")
def family_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """ACC-9: compare a request with the school's records, confirm or reject it."""
    user = _user(request)
    family_request = get_object_or_404(
        FamilyRequest.objects.editable_by(user).select_related(
            "requested_by", "organization", "school_class", "child", "person", "decided_by"
        ),
        pk=pk,
    )
    pending = family_request.status == Confirmation.PENDING
    matches = []
    existing = None
    students = None
    if family_request.kind == FamilyRequest.Kind.CHILD and pending:
        matches = list(services.candidates(family_request, user)[:30])
        students = User.objects.filter(pk__in=[e.student_id for e in matches])
    elif family_request.kind == FamilyRequest.Kind.SECOND_PARENT and pending:
        existing = services.second_parent_match(family_request)
    form = DecisionForm(request.POST or None, students=students)
    if request.method == "POST" and pending and form.is_valid():
        try:
            if form.cleaned_data["decision"] == DecisionForm.CONFIRM:
                decision = services.family_request_confirm(
                    request=family_request,
                    decider=user,
                    student=form.cleaned_data.get("student"),
                    site=_site(request),
                )
                if decision.needs_slip:
                    messages.warning(
                        request,
                        _(
                            "Заявка подтверждена, второму родителю создана учётная запись. "
                            "Почты у него нет: распечатайте листок с данными для входа в "
                            "списке класса %(class)s."
                        )
                        % {"class": family_request.school_class},
                    )
                else:
                    messages.success(request, _("Заявка подтверждена, семья связана."))
            else:
                services.family_request_reject(
                    request=family_request,
                    decider=user,
                    reason=form.cleaned_data["reason"],
                    site=_site(request),
                )
                messages.success(request, _("Заявка отклонена, родитель увидит причину."))
        except DomainError as error:
            form_error(form, error)
        else:
            return redirect("family_school_requests")
    subjects = [family_request.requested_by_id, family_request.child_id]
    subjects += [e.student_id for e in matches]
    if existing is not None:
        subjects += existing.person_ids
    record_view(
        request,
        [pk for pk in subjects if pk],
        "family_request",
        {"school": family_request.organization.short_name},
    )
    return render(
        request,
        "family/decide.html",
        {
            "req": family_request,
            "form": form,
            "matches": matches,
            "existing": existing,
            "pending": pending,
            "chosen_student": str(form["student"].value() or "") if students is not None else "",
        },
    )
