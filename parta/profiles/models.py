"""The questionnaire of a person (ACC-7) and their name-change documents.

Full name, phone, birth date and SNILS live on the person (``accounts.User``); this app keeps
what only the questionnaire needs. Documents are personal data: stored privately (never by
URL), downloaded through a view that asks the access engine first.
"""

from __future__ import annotations

from typing import Any, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from parta.accounts.models import User
from parta.core import access
from parta.core.uploads import PrivatePath, private_storage


class Questionnaire(models.Model):
    """ACC-7: what a person tells about themselves for courses and completion documents."""

    class Gender(models.TextChoices):
        FEMALE = "female", _("женский")
        MALE = "male", _("мужской")

    class Delivery(models.TextChoices):
        HOME = "home", _("домой")
        ORGANIZATION = "organization", _("в организацию (на работу)")

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="questionnaire",
        verbose_name=_("человек"),
    )
    gender = models.CharField(_("пол"), max_length=10, choices=Gender.choices, blank=True)
    position = models.CharField(_("должность"), max_length=200, blank=True)
    citizenship = models.CharField(_("гражданство"), max_length=100, blank=True)
    delivery = models.CharField(
        _("куда доставить документы об обучении"),
        max_length=20,
        choices=Delivery.choices,
        blank=True,
    )
    delivery_organization = models.CharField(_("название организации"), max_length=300, blank=True)
    delivery_address = models.TextField(_("адрес доставки"), max_length=500, blank=True)
    has_vocational_education = models.BooleanField(
        _("есть высшее или среднее профессиональное образование"), default=False
    )
    updated_at = models.DateTimeField(_("изменено"), auto_now=True)

    class Meta:
        verbose_name = _("анкета")
        verbose_name_plural = _("анкеты")

    def __str__(self) -> str:
        return str(self.person)


# The questionnaire's own answers: what the person fills in on the form and the service saves.
QUESTIONNAIRE_FIELDS = (
    "gender",
    "citizenship",
    "position",
    "delivery",
    "delivery_organization",
    "delivery_address",
    "has_vocational_education",
)


class NameChangeDocumentQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> Self:
        """The owner's own documents, and those of the people whose questionnaire the policy
        lets ``user`` open (``profile``/``view`` in ``parta.profiles.access``)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(Q(person_id=user.pk) | Q(person__in=profiles_visible_to(user)))

    def owned_by(self, user: Any) -> Self:
        return self.filter(person_id=user.pk)


def profiles_visible_to(user: Any) -> Any:
    """People (ids) whose questionnaire and documents ``user`` may open as staff."""
    return User.objects.filter(access.allowed(user, "profile", "view")).values("pk")


class NameChangeDocument(models.Model):
    """ACC-7: a document that explains why the surname differs from the education document."""

    class Kind(models.TextChoices):
        CIVIL_REGISTRY = "civil_registry", _("справка из ЗАГС о смене фамилии")
        MARRIAGE = "marriage", _("свидетельство о заключении брака")
        WORK_BOOK = "work_book", _("копия трудовой книжки")

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="name_change_documents",
        verbose_name=_("чей документ"),
    )
    kind = models.CharField(_("вид документа"), max_length=20, choices=Kind.choices)
    file = models.FileField(
        _("файл"), storage=private_storage, upload_to=PrivatePath("name-change"), max_length=200
    )
    original_name = models.CharField(_("имя файла"), max_length=200)
    size = models.PositiveIntegerField(_("размер, байт"), default=0)
    uploaded_at = models.DateTimeField(_("загружен"), auto_now_add=True)

    objects = NameChangeDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("документ о смене фамилии")
        verbose_name_plural = _("документы о смене фамилии")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"
