"""Organization access and the authority of directors (VER-1, VER-2, VER-3).

``AccessRequest``: an organization without access asks for it (VER-1); the request is bound to
the organization's official email through a private link that only that mailbox receives.
``DirectorSubmission``: the identity data of a director whose position waits for the regional
operator (VER-2). ``DirectorChange``: the order (приказ) that replaces an organization's
director (VER-3). The operator sees the rows of their own region only (``visible_to``).
"""

from __future__ import annotations

import secrets
from typing import Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from parta.accounts.tokens import hash_token
from parta.core.uploads import PrivatePath, private_storage
from parta.directory.models import Municipality, Organization, StaffPosition, VisibleQuerySet

TOKEN_BYTES = 32


def new_token() -> tuple[str, str]:
    """A private link's secret and the hash Parta keeps (a leaked table opens no link)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, hash_token(token)


class OnboardingQuerySet(VisibleQuerySet):
    default_action = "decide"  # the operator's action on these rows is a decision


class PersonFields(models.Model):
    last_name = models.CharField(_("фамилия"), max_length=150)
    first_name = models.CharField(_("имя"), max_length=150)
    middle_name = models.CharField(_("отчество"), max_length=150, blank=True)

    class Meta:
        abstract = True

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)


# --- VER-1 ---------------------------------------------------------------------------------
class AccessRequestQuerySet(OnboardingQuerySet):
    policy_object = "access_request"

    def open(self) -> Self:
        return self.filter(status__in=AccessRequest.OPEN)


class AccessRequest(PersonFields):
    """VER-1: an organization's request for access to Parta (the director's name is typed)."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("заявка подана, ждём подписанную форму")
        UPLOADED = "uploaded", _("форма загружена, ждёт проверки")
        REVIEW = "review", _("на проверке у регионального оператора")
        APPROVED = "approved", _("доступ предоставлен")
        REJECTED = "rejected", _("отклонена")

    OPEN = (Status.SUBMITTED, Status.UPLOADED, Status.REVIEW)

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="+", verbose_name=_("муниципалитет")
    )
    kind = models.CharField(_("вид организации"), max_length=20, choices=Organization.Kind.choices)
    name = models.CharField(_("полное название"), max_length=300)
    short_name = models.CharField(_("краткое название"), max_length=120)
    inn = models.CharField(_("ИНН / БИН"), max_length=12, db_index=True)
    address = models.CharField(_("адрес"), max_length=400)
    official_email = models.EmailField(_("официальная почта"))
    phone = models.CharField(_("телефон"), max_length=16)
    language = models.CharField(max_length=8, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)

    status = models.CharField(
        _("состояние"), max_length=12, choices=Status.choices, default=Status.SUBMITTED
    )
    submitted_at = models.DateTimeField(_("подана"), auto_now_add=True)
    form_scan = models.FileField(
        _("подписанная форма"),
        storage=private_storage,
        upload_to=PrivatePath("onboarding/requests"),
        blank=True,
    )
    form_scan_name = models.CharField(max_length=200, blank=True)
    uploaded_at = models.DateTimeField(_("форма загружена"), null=True, blank=True)
    review_started_at = models.DateTimeField(_("проверка начата"), null=True, blank=True)
    decided_at = models.DateTimeField(_("решение"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("кто решил"),
    )  # fmt: skip
    rejection_reason = models.TextField(_("причина отказа"), blank=True)
    organization = models.ForeignKey(
        Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    director = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip

    objects = AccessRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("заявка на доступ")
        verbose_name_plural = _("заявки на доступ")
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["inn"],
                condition=Q(status__in=["submitted", "uploaded", "review"]),
                name="access_request_one_open_per_inn",
            )
        ]
        indexes = [models.Index(fields=["status", "municipality"])]

    def __str__(self) -> str:
        return f"{self.short_name} ({self.inn})"

    @property
    def number(self) -> str:
        return f"Д-{self.pk:06d}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


# --- VER-2 ---------------------------------------------------------------------------------
class Verdict(models.TextChoices):
    PENDING = "pending", _("на проверке")
    CONFIRMED = "confirmed", _("подтверждено")
    REJECTED = "rejected", _("отклонено")


class DirectorSubmissionQuerySet(OnboardingQuerySet):
    policy_object = "director_submission"


class DirectorSubmission(PersonFields):
    """VER-2: what a director sends to prove their authority, after consenting."""

    staff_position = models.ForeignKey(
        StaffPosition, on_delete=models.CASCADE, related_name="+", verbose_name=_("должность")
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
        verbose_name=_("руководитель"),
    )  # fmt: skip
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("организация")
    )
    position_title = models.CharField(_("должность"), max_length=200)
    snils = models.CharField(_("СНИЛС"), max_length=11)
    phone = models.CharField(_("телефон"), max_length=16)
    email = models.EmailField(_("электронная почта"))
    inn = models.CharField(_("ИНН / БИН организации"), max_length=12)
    order_scan = models.FileField(
        _("приказ о назначении"),
        storage=private_storage,
        upload_to=PrivatePath("onboarding/directors"),
        blank=True,
    )
    order_scan_name = models.CharField(max_length=200, blank=True)
    consent = models.ForeignKey(
        "privacy.Consent", on_delete=models.PROTECT, related_name="+", verbose_name=_("согласие")
    )
    status = models.CharField(
        _("состояние"), max_length=12, choices=Verdict.choices, default=Verdict.PENDING
    )
    submitted_at = models.DateTimeField(_("отправлено"), auto_now_add=True)
    decided_at = models.DateTimeField(_("решение"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    rejection_reason = models.TextField(_("причина отказа"), blank=True)

    objects = DirectorSubmissionQuerySet.as_manager()

    class Meta:
        verbose_name = _("данные руководителя")
        verbose_name_plural = _("данные руководителей")
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff_position"],
                condition=Q(status="pending"),
                name="director_submission_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.full_name}, {self.organization}"


# --- VER-3 ---------------------------------------------------------------------------------
class DirectorChangeQuerySet(OnboardingQuerySet):
    policy_object = "director_change"

    def open(self) -> Self:
        return self.filter(status__in=DirectorChange.OPEN)


class DirectorChange(PersonFields):
    """VER-3: the order that appoints a new director (the person fields are the new one's)."""

    class Status(models.TextChoices):
        LINK_SENT = "link_sent", _("ссылка отправлена на официальную почту")
        SUBMITTED = "submitted", _("приказ на проверке")
        APPLIED = "applied", _("руководитель сменён")
        REJECTED = "rejected", _("отклонено")

    OPEN = (Status.LINK_SENT, Status.SUBMITTED)

    class Source(models.TextChoices):
        CABINET = "cabinet", _("из кабинета руководителя")
        OFFICIAL_EMAIL = "email", _("по ссылке с официальной почты")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("организация")
    )
    source = models.CharField(_("откуда"), max_length=8, choices=Source.choices)
    token_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    link_sent_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    inn = models.CharField(_("ИНН / БИН организации"), max_length=12, blank=True)
    order_number = models.CharField(_("номер приказа"), max_length=40, blank=True)
    order_date = models.DateField(_("дата приказа"), null=True, blank=True)
    order_scan = models.FileField(
        _("приказ"),
        storage=private_storage,
        upload_to=PrivatePath("onboarding/changes"),
        blank=True,
    )
    order_scan_name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(_("электронная почта нового руководителя"), blank=True)
    phone = models.CharField(_("телефон"), max_length=16, blank=True)
    snils = models.CharField(_("СНИЛС"), max_length=11, blank=True)
    language = models.CharField(max_length=8, blank=True)

    status = models.CharField(
        _("состояние"), max_length=12, choices=Status.choices, default=Status.SUBMITTED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(_("отправлено"), null=True, blank=True)
    decided_at = models.DateTimeField(_("решение"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    rejection_reason = models.TextField(_("причина отказа"), blank=True)
    old_director = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    new_director = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip

    objects = DirectorChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("смена руководителя")
        verbose_name_plural = _("смены руководителей")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(status__in=["link_sent", "submitted"]),
                name="director_change_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization}: {self.full_name}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN
