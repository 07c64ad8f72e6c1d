"""The questionnaire (ACC-7): one's own page, documents, and a read-only page for staff.

A person edits only their own questionnaire. Their name-change documents are downloaded by
them and by the staff that ``parta.profiles.access`` names; everyone else gets 404. Staff
openings are written to the access log (152-FZ).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from parta.accounts.models import User
from parta.core.audit import record_view
from parta.core.errors import DomainError, form_error
from parta.core.uploads import document_response
from parta.profiles import services
from parta.profiles.forms import ProfileForm
from parta.profiles.models import QUESTIONNAIRE_FIELDS, NameChangeDocument, profiles_visible_to


def _me(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """ACC-7: the person's questionnaire and their name-change documents."""
    person = _me(request)
    questionnaire = services.questionnaire_of(person)
    form = ProfileForm(
        request.POST or None, request.FILES or None, instance=questionnaire, person=person
    )
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            document = (
                services.DocumentUpload(data["document_kind"], data["document"])
                if data.get("document")
                else None
            )
            try:
                services.profile_save(
                    person=person,
                    questionnaire=questionnaire,
                    birth_date=data["birth_date"],
                    snils=data["snils"],
                    answers={n: data[n] for n in QUESTIONNAIRE_FIELDS},
                    document=document,
                )
            except DomainError as exc:
                form_error(form, exc)
            else:
                messages.success(
                    request,
                    _("Анкета сохранена, документ добавлен.")
                    if document
                    else _("Анкета сохранена."),
                )
                return redirect("profile")
        if request.FILES.get("document") and "document" not in form.errors:
            form.add_error(
                "document",
                _("Анкета не сохранена, поэтому файл не загружен. Выберите файл снова."),
            )
    return render(
        request,
        "profiles/profile.html",
        {
            "person": person,
            "form": form,
            "documents": list(NameChangeDocument.objects.owned_by(person)),
        },
    )


@never_cache
@login_required
@require_GET
def document_download(request: HttpRequest, document_id: int) -> HttpResponseBase:
    """ACC-7: the owner, or staff the policy allows (logged for the owner to see)."""
    document = get_object_or_404(
        NameChangeDocument.objects.visible_to(request.user), pk=document_id
    )
    # The access log leaves out the owner's own look (parta.privacy.access_log).
    record_view(
        request, [document.person_id], "name_change_document", {"name": document.original_name}
    )
    return document_response(document.file, document.original_name)


@login_required
@require_http_methods(["GET", "POST"])
def document_delete(request: HttpRequest, document_id: int) -> HttpResponse:
    """ACC-7: the owner deletes their document after confirming."""
    person = _me(request)
    document = get_object_or_404(NameChangeDocument.objects.owned_by(person), pk=document_id)
    if request.method == "POST":
        services.document_delete(document=document, by=person)
        messages.success(
            request, _("Документ «%(name)s» удалён.") % {"name": document.original_name}
        )
        return redirect("profile")
    return render(request, "profiles/document_delete.html", {"document": document})


@login_required
@require_GET
def person_profile(request: HttpRequest, person_id: int) -> HttpResponse:
    """ACC-7: a person's questionnaire and documents, read-only, for the school
    administration and the regional operator (``parta.profiles.access``); logged."""
    user = _me(request)
    person = get_object_or_404(
        User.objects.filter(Q(pk=user.pk) | Q(pk__in=profiles_visible_to(user))), pk=person_id
    )
    record_view(request, [person.pk], "profile")
    return render(
        request,
        "profiles/person.html",
        {
            "person": person,
            "questionnaire": services.questionnaire_of(person),
            "documents": list(
                NameChangeDocument.objects.visible_to(user).filter(person_id=person.pk)
            ),
        },
    )
