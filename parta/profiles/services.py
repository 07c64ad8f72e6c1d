"""Saving the questionnaire and managing name-change documents (ACC-7)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from parta.accounts.models import User
from parta.core.errors import DomainError
from parta.profiles.models import QUESTIONNAIRE_FIELDS, NameChangeDocument, Questionnaire


@dataclass(frozen=True)
class DocumentUpload:
    kind: str
    file: Any  # an upload cleaned by parta.core.uploads.DocumentField


def questionnaire_of(person: User) -> Questionnaire:
    """The person's questionnaire, unsaved and empty if they never filled it."""
    found = Questionnaire.objects.filter(person_id=person.pk).first()
    return found or Questionnaire(person=person)


@transaction.atomic
def profile_save(
    *,
    person: User,
    questionnaire: Questionnaire,
    birth_date: date | None,
    snils: str,
    answers: dict[str, Any],
    document: DocumentUpload | None = None,
) -> Questionnaire:
    """ACC-7: save the questionnaire, the birth date and SNILS (checksum-validated by the form,
    one person per SNILS), and the name-change document if one came with it — all or nothing.

    ``questionnaire`` is the person's, as ``questionnaire_of`` gave it (the form edits it).
    """
    if questionnaire.person_id != person.pk:  # a programming error, not the person's
        raise ValueError("the questionnaire of another person")
    if snils and User.objects.filter(snils=snils).exclude(pk=person.pk).exists():
        raise DomainError(
            _(
                "Этот СНИЛС уже указан в другой учётной записи Парты. Проверьте цифры; если "
                "СНИЛС ваш, обратитесь в школу или к оператору Парты."
            ),
            field="snils",
        )
    person.birth_date = birth_date
    person.snils = snils
    try:
        with transaction.atomic():
            person.save(update_fields=["birth_date", "snils"])
    except IntegrityError as exc:  # the same SNILS saved by someone else a moment ago
        raise DomainError(
            _("Этот СНИЛС уже указан в другой учётной записи Парты."), field="snils"
        ) from exc
    for name in QUESTIONNAIRE_FIELDS:
        setattr(questionnaire, name, answers[name])
    if questionnaire.delivery != Questionnaire.Delivery.ORGANIZATION:
        questionnaire.delivery_organization = ""
    questionnaire.save()
    if document is not None:
        document_add(person=person, kind=document.kind, upload=document.file)
    return questionnaire


def document_add(*, person: User, kind: str, upload: Any) -> NameChangeDocument:
    """ACC-7: keep a name-change document (already checked by content and size) privately."""
    if kind not in NameChangeDocument.Kind.values:
        raise DomainError(_("Выберите вид документа."), field="document_kind")
    document = NameChangeDocument(
        person=person,
        kind=kind,
        original_name=getattr(upload, "parta_original_name", upload.name)[:200],
        size=upload.size,
    )
    document.file.save(upload.name, upload, save=False)
    document.save()
    return document


@transaction.atomic
def document_delete(*, document: NameChangeDocument, by: User) -> None:
    """ACC-7: only the owner deletes their document; the file goes with the row."""
    if document.person_id != by.pk:
        raise DomainError(_("Удалить документ может только его владелец."))
    storage, name = document.file.storage, document.file.name
    document.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))
