"""Giving, checking and withdrawing consents (152-FZ art. 9)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parta.accounts.api.selectors import children_of
from parta.accounts.models import User
from parta.core.errors import DomainError
from parta.directory.models import Guardianship
from parta.privacy.models import Consent
from parta.privacy.texts import CHILD, PURPOSES, Purpose, for_children


def consent_in_force(person: Any, purpose: str) -> Consent | None:
    """The consent ``person`` has given for ``purpose`` to the current text, if any."""
    current = PURPOSES[purpose].version
    return (
        Consent.objects.of(person).in_force().filter(purpose=purpose, text_version=current).first()
    )


@transaction.atomic
def give_consent(person: Any, purpose: str, *, given_by: Any) -> Consent:
    """Record that ``given_by`` consents, for ``person``, to ``purpose`` (current text).

    A consent to an older version of the text is closed and replaced: what was agreed to
    before stays on record.
    """
    text = PURPOSES[purpose]
    # Lock the person's row before looking: two consents given at the same moment (a double
    # click, both parents) wait for each other instead of both creating one in force, which
    # the constraint ``consent_one_in_force_per_purpose`` would refuse with an error page.
    User.objects.select_for_update().only("pk").get(pk=person.pk)
    existing = consent_in_force(person, purpose)
    if existing is not None:
        return existing
    Consent.objects.of(person).in_force().filter(purpose=purpose).update(
        withdrawn_at=timezone.now(), withdrawn_by=given_by
    )
    return Consent.objects.create(
        person=person, given_by=given_by, purpose=purpose, text_version=text.version
    )


@transaction.atomic
def withdraw_consent(consent: Consent, *, by: Any) -> Consent:
    """Stamp the consent withdrawn, once: the UPDATE itself checks that it is still in force,
    so of two withdrawals at the same moment the second changes nothing and is told so."""
    now = timezone.now()
    withdrawn = Consent.objects.filter(pk=consent.pk, withdrawn_at__isnull=True).update(
        withdrawn_at=now, withdrawn_by=by
    )
    if not withdrawn:
        consent.refresh_from_db(fields=["withdrawn_at", "withdrawn_by"])
        raise DomainError(_("Это согласие уже отозвано."), code="already_withdrawn")
    consent.withdrawn_at = now
    consent.withdrawn_by = by
    return consent


def _is_guardian(user: Any, child: Any) -> bool:
    return Guardianship.objects.filter(guardian_id=user.pk, child_id=child.pk).exists()


def consent_give(*, person: Any, purpose_key: str, by: Any) -> Consent:
    """152-FZ art. 9: ``by`` consents, for ``person``, to the current text of a purpose.

    A consent about oneself is given by oneself; a consent about a child (``Purpose.subject ==
    "child"``) only by the child's parent (legal representative, art. 9 p. 6), who is recorded
    as ``given_by``.
    """
    purpose = PURPOSES.get(purpose_key)
    if purpose is None:
        raise DomainError(_("Такой цели обработки данных нет."), field="purpose")
    if purpose.subject == CHILD:
        if not _is_guardian(by, person):
            raise DomainError(
                _("Согласие за ребёнка даёт его родитель (законный представитель)."),
                field="person",
            )
    elif by.pk != person.pk:
        raise DomainError(_("Это согласие человек даёт только сам."), field="person")
    return give_consent(person, purpose_key, given_by=by)


def consent_withdraw(*, consent: Consent, by: Any) -> Consent:
    """152-FZ art. 9 p. 2: the person (or a minor's parent) withdraws a consent; the row stays,
    stamped with when and by whom, so the history remains provable."""
    purpose = PURPOSES.get(consent.purpose)
    is_child_consent = purpose is not None and purpose.subject == CHILD
    allowed = (
        _is_guardian(by, consent.person)
        if is_child_consent
        else by.pk in (consent.person_id, consent.given_by_id)
    )
    if not allowed:
        raise DomainError(_("Отозвать это согласие может только тот, кто его дал."))
    return withdraw_consent(consent, by=by)


def consents_to_ask(parent: Any) -> list[tuple[Any, Purpose]]:
    """(child, purpose) pairs a parent has not yet answered: no consent to the current text
    was ever given for the child. A withdrawn consent is an answer and is not asked again;
    a consent to an older text is, so the parent reads what changed. Two queries."""
    purposes = for_children()
    if not purposes:
        return []
    # Without the children's classes children_of() prefetches: not needed here.
    children = list(children_of(parent).prefetch_related(None).order_by("birth_date", "first_name"))
    answered = set(
        Consent.objects.filter(
            person__in=[c.pk for c in children],
            purpose__in=[p.key for p in purposes],
        ).values_list("person_id", "purpose", "text_version")
    )
    return [
        (child, p)
        for child in children
        for p in purposes
        if (child.pk, p.key, p.version) not in answered
    ]
