"""Pages of personal data (152-FZ): my consents, a consent's text, who opened my data.

Everyone signed in sees their own; a parent also their children's. Everything is fetched
through ``visible_to`` / ``withdrawable_by`` (the policy in ``parta.privacy.access``), so a
consent or a child that is not the person's is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from parta.accounts.api.selectors import children_of
from parta.accounts.models import User
from parta.core.errors import DomainError
from parta.privacy import access_log
from parta.privacy.consents import consent_give, consent_withdraw
from parta.privacy.models import AccessRecord, Consent
from parta.privacy.texts import CHILD, PURPOSES, Purpose, for_children

LOG_PAGE_SIZE = 25
LATER_SESSION_KEY = "parta_consents_later"


def _children(user: Any) -> list[User]:
    # The eldest first; without the classes children_of() prefetches (not shown here).
    return list(children_of(user).prefetch_related(None).order_by("birth_date", "first_name"))


@dataclass
class PurposeState:
    """One purpose for one person: the consent in force (if any) and its history, and
    whether the reader may give or withdraw it (themselves; a parent for a child — a child
    reads what the parent agreed to and cannot change it)."""

    purpose: Purpose
    may_change: bool
    history: list[Consent] = field(default_factory=list)

    @property
    def current(self) -> Consent | None:
        return next((c for c in self.history if c.withdrawn_at is None), None)

    @property
    def outdated(self) -> bool:
        current = self.current
        return current is not None and current.text_version != self.purpose.version


@dataclass
class PersonConsents:
    person: User
    is_me: bool
    states: list[PurposeState]


def _sections(user: User) -> list[PersonConsents]:
    """The reader and each of their children, with every purpose that concerns them: the
    purposes they have a record of, and for a child the purposes parents are asked for.
    Three queries whatever the number of children and consents."""
    children = _children(user)
    consents = (
        Consent.objects.visible_to(user)
        .select_related("given_by", "withdrawn_by")
        .order_by("-given_at", "-pk")
    )
    child_ids = {c.pk for c in children}
    by_person: dict[int, dict[str, PurposeState]] = {}
    for consent in consents:
        purpose = PURPOSES.get(consent.purpose) or Purpose(consent.purpose, consent.purpose, "")
        may_change = (
            consent.person_id in child_ids
            if purpose.subject == CHILD
            else consent.person_id == user.pk
        )
        states = by_person.setdefault(consent.person_id, {})
        states.setdefault(consent.purpose, PurposeState(purpose, may_change)).history.append(
            consent
        )
    sections = [PersonConsents(user, True, list(by_person.get(user.pk, {}).values()))]
    for child in children:
        states = by_person.get(child.pk, {})
        for p in for_children():
            states.setdefault(p.key, PurposeState(p, True))
        sections.append(PersonConsents(child, False, list(states.values())))
    return sections


@login_required
@require_GET
def consents(request: HttpRequest) -> HttpResponse:
    """152-FZ art. 9: every consent about me and my children — which text, given or
    withdrawn, when and by whom; give again, withdraw."""
    user = request.user
    assert isinstance(user, User)
    return render(request, "privacy/consents.html", {"sections": _sections(user)})


@login_required
@require_GET
def consent_text(request: HttpRequest, purpose: str, version: str) -> HttpResponse:
    """The text of a consent exactly as it was shown for that version."""
    found = PURPOSES.get(purpose)
    if found is None:
        raise Http404
    shown = Purpose(found.key, found.title, version, found.subject, found.withdrawal_effect)
    try:
        get_template(shown.template)
    except TemplateDoesNotExist as exc:
        raise Http404 from exc
    return render(
        request,
        "privacy/consent_text.html",
        {"purpose": shown, "is_current": version == found.version},
    )


@login_required
@require_POST
def consent_give_view(request: HttpRequest) -> HttpResponse:
    """Give (or give again) a consent for oneself or, as a parent, for a child."""
    user = request.user
    assert isinstance(user, User)
    purpose = PURPOSES.get(request.POST.get("purpose", ""))
    if purpose is None:
        raise Http404
    # A consent about a child is given by the parent for one of their children; any other
    # consent by the person for themselves.
    whose = children_of(user) if purpose.subject == CHILD else User.objects.filter(pk=user.pk)
    person_id = request.POST.get("person", "")
    person = get_object_or_404(
        whose.prefetch_related(None), pk=person_id if person_id.isdigit() else 0
    )
    try:
        consent_give(person=person, purpose_key=purpose.key, by=user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("Согласие сохранено: «%(title)s» — %(name)s.")
            % {"title": purpose.title, "name": person.full_name},
        )
    return redirect(_next(request) or "privacy_consents")


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    return target if safe and target.startswith("/") else ""


@login_required
@require_http_methods(["GET", "POST"])
def consent_withdraw_view(request: HttpRequest, consent_id: int) -> HttpResponse:
    """Withdraw a consent after reading what that stops (152-FZ art. 9 p. 2)."""
    user = request.user
    assert isinstance(user, User)
    consent = get_object_or_404(
        Consent.objects.withdrawable_by(user).in_force().select_related("person", "given_by"),
        pk=consent_id,
    )
    purpose = PURPOSES.get(consent.purpose)
    if request.method == "POST":
        try:
            consent_withdraw(consent=consent, by=user)
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(
                request,
                _("Согласие отозвано. Запись о нём и об отзыве сохранена в истории."),
            )
        return redirect("privacy_consents")
    return render(
        request, "privacy/consent_withdraw.html", {"consent": consent, "purpose": purpose}
    )


@login_required
@require_POST
def consents_later(request: HttpRequest) -> HttpResponse:
    """Hide the consent card on the parent's home page until the next sign-in."""
    request.session[LATER_SESSION_KEY] = True
    return redirect(_next(request) or "home")


# --- The access log -------------------------------------------------------------------------
@dataclass(frozen=True)
class LogLine:
    record: AccessRecord
    what: str
    role: str


def _log_page(request: HttpRequest, person: User) -> HttpResponse:
    user = request.user
    records = (
        AccessRecord.objects.visible_to(user)
        .filter(subject_id=person.pk)
        .select_related("viewer")
        .order_by("-at", "-pk")
    )
    page = Paginator(records, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    lines = [
        LogLine(r, access_log.describe(r.what, r.params), access_log.role_label(r.viewer_role))
        for r in page.object_list
    ]
    return render(
        request,
        "privacy/access_log.html",
        {
            "person": person,
            "is_me": person.pk == user.pk,
            "page": page,
            "lines": lines,
            "children": _children(user),
        },
    )


@login_required
@require_GET
def access_log_mine(request: HttpRequest) -> HttpResponse:
    """152-FZ art. 14: who opened my personal data, what and when, newest first."""
    user = request.user
    assert isinstance(user, User)
    return _log_page(request, user)


@login_required
@require_GET
def access_log_of(request: HttpRequest, person_id: int) -> HttpResponse:
    """152-FZ art. 14: a parent reads who opened their child's personal data."""
    user = request.user
    assert isinstance(user, User)
    if person_id == user.pk:
        return _log_page(request, user)
    person = get_object_or_404(children_of(user).prefetch_related(None), pk=person_id)
    return _log_page(request, person)
