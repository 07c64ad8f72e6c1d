"""Thin views of complaints (ACC-6): the public form and status page, the department's queue."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parta.accounts.models import User
from parta.accounts.throttle import client_address
from parta.complaints import services
from parta.complaints.forms import AnswerForm, ComplaintForm, QueueFilterForm
from parta.complaints.models import Complaint
from parta.core.access import cabinet
from parta.core.errors import DomainError
from parta.directory.forms import SchoolChooser
from parta.directory.models import Municipality

PAGE_SIZE = 25
_TABS = (
    (Complaint.Status.NEW, gettext_lazy("Новые")),
    (Complaint.Status.IN_PROGRESS, gettext_lazy("В работе")),
    (Complaint.Status.ANSWERED, gettext_lazy("С ответом")),
)
_NUMBER = re.compile(r"^\s*(?:\d{4}-)?0*(\d{1,9})\s*$")


def _site(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def complaint_new(request: HttpRequest) -> HttpResponse:
    """ACC-6: anyone, signed in or not, complains about a school to the department."""
    status = 200
    if request.method != "POST":
        user = request.user
        # A signed-in parent need not type who they are and where to answer.
        initial = (
            {"complainant_name": user.full_name, "email": user.email, "phone": user.phone}
            if isinstance(user, User)
            else {}
        )
        form = ComplaintForm(initial=initial)
    elif request.POST.get("action") == "find":
        # "Show schools" without JavaScript: the same form back, nothing checked, nothing lost.
        form = ComplaintForm(initial=request.POST.dict())
    else:
        form = ComplaintForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                filed = services.complaint_file(
                    organization=data["organization"],
                    text=data["text"],
                    employee=data["employee"],
                    complainant_name=data["complainant_name"],
                    email=data["email"],
                    phone=data["phone"],
                    language=get_language() or "",
                    address=client_address(request),
                    site=_site(request),
                )
            except DomainError as error:
                form.add_error(error.field, str(error.message))
                if error.code == "throttled":
                    status = 429
            else:
                messages.success(
                    request,
                    _(
                        "Жалоба № %(number)s отправлена в управление образования. Письмо с "
                        "номером и ссылкой на эту страницу отправлено на %(email)s."
                    )
                    % {"number": filed.complaint.number, "email": filed.complaint.email},
                )
                return redirect(services.status_path(filed.complaint, filed.access_key))
    return render(request, "complaints/new.html", {"form": form}, status=status)


def complaint_schools(request: HttpRequest) -> HttpResponse:
    """The school chooser of the complaint form, redrawn as the municipality or search changes."""
    form = SchoolChooser(initial=request.GET.dict())
    return render(request, "complaints/_school_chooser.html", {"form": form})


def complaint_status(request: HttpRequest, key: str) -> HttpResponse:
    """ACC-6: the complainant's private page of their complaint (the link from the letter)."""
    complaint = get_object_or_404(
        Complaint.objects.select_related("organization__municipality").filter(
            services.status_lookup(key)
        )
    )
    response = render(request, "complaints/status.html", {"complaint": complaint})
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


def _queue_search(queryset: QuerySet[Complaint], text: str) -> QuerySet[Complaint]:
    if not text:
        return queryset
    condition = (
        Q(organization__short_name__icontains=text)
        | Q(organization__name__icontains=text)
        | Q(complainant_name__icontains=text)
        | Q(email__iexact=text)
    )
    number = _NUMBER.match(text)
    if number:
        condition |= Q(pk=int(number.group(1)))
    return queryset.filter(condition)


@login_required
@cabinet("complaints_queue")
def complaints_queue(request: HttpRequest) -> HttpResponse:
    """ACC-6: the department's complaints: new, in progress, answered; filters and counts."""
    municipalities = Municipality.objects.visible_to(request.user).order_by("name")
    filters = QueueFilterForm(request.GET or None, municipalities=municipalities)
    complaints: QuerySet[Complaint] = Complaint.objects.visible_to(request.user)
    if filters.is_valid():
        if filters.cleaned_data["municipality"]:
            complaints = complaints.filter(
                organization__municipality=filters.cleaned_data["municipality"]
            )
        complaints = _queue_search(complaints, filters.cleaned_data["q"].strip())
    counts = complaints.aggregate(
        **{status: Count("pk", filter=Q(status=status)) for status in Complaint.Status.values}
    )
    status = request.GET.get("status", Complaint.Status.NEW)
    if status not in Complaint.Status.values:
        status = Complaint.Status.NEW
    shown = (
        complaints.filter(status=status)
        .select_related("organization__municipality", "taken_by", "answered_by")
        .order_by("created_at" if status != Complaint.Status.ANSWERED else "-answered_at")
    )
    page = Paginator(shown, PAGE_SIZE).get_page(request.GET.get("page"))
    tabs = [(value, label, counts[value]) for value, label in _TABS]
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("status", None)
    return render(
        request,
        "complaints/queue.html",
        {
            "filters": filters,
            "page": page,
            "tabs": tabs,
            "status": status,
            "query": query.urlencode(),
            "several_municipalities": len(municipalities) > 1,
        },
    )


@login_required
@cabinet("complaints_queue")
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """ACC-6: one complaint; the official writes the answer, which closes it."""
    # Whoever may open a complaint may answer it (one policy for both, parta.complaints.access):
    # fetched through editable_by, what is left to decide is whether it is answered already.
    complaint = get_object_or_404(
        Complaint.objects.editable_by(request.user).select_related(
            "organization__municipality", "taken_by", "answered_by"
        ),
        pk=pk,
    )
    may_answer = complaint.status != Complaint.Status.ANSWERED
    form = AnswerForm(request.POST or None)
    if request.method == "POST":
        if not may_answer:
            messages.error(request, _("На эту жалобу уже дан ответ."))
            return redirect("complaint_detail", complaint.pk)
        if form.is_valid():
            user = request.user
            assert isinstance(user, User)
            try:
                services.complaint_answer(
                    complaint=complaint,
                    official=user,
                    answer=form.cleaned_data["answer"],
                    site=_site(request),
                )
            except DomainError as error:
                form.add_error("answer" if error.field else None, str(error.message))
            else:
                messages.success(
                    request,
                    _("Ответ на жалобу № %(number)s отправлен на %(email)s, жалоба закрыта.")
                    % {"number": complaint.number, "email": complaint.email},
                )
                return redirect(f"{reverse('complaints_queue')}?status={Complaint.Status.ANSWERED}")
    return render(
        request,
        "complaints/detail.html",
        {"complaint": complaint, "form": form, "may_answer": may_answer},
    )


@login_required
@cabinet("complaints_queue")
@require_POST
def complaint_take(request: HttpRequest, pk: int) -> HttpResponse:
    """ACC-6: take a new complaint into work."""
    complaint = get_object_or_404(Complaint.objects.editable_by(request.user), pk=pk)
    user = request.user
    assert isinstance(user, User)
    try:
        services.complaint_take(complaint=complaint, official=user)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Жалоба взята в работу."))
    return redirect("complaint_detail", complaint.pk)
