"""Links between ESIA identities and Parta accounts (ACC-4).

Parta keeps who the provider says a person is (issuer + subject identifier) and nothing else
of the sign-in: no tokens. A link is made only after the person proved the account is theirs
(its password) or the school's administration confirmed it (``LinkRequest``).
"""

from __future__ import annotations

from typing import Any, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from parta.core.validators import format_snils
from parta.directory.models import ConfirmableModel, Confirmation, Organization, VisibleQuerySet


class EsiaLinkQuerySet(models.QuerySet):
    def owned_by(self, user: Any) -> Self:
        """A person's own linked sign-ins; nobody sees another person's."""
        if user is None or not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user_id=user.pk)


class EsiaLink(models.Model):
    class Method(models.TextChoices):
        PASSWORD = "password", _("подтверждено паролем Парты")
        SCHOOL = "school", _("подтверждено школой")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="esia_links",
        verbose_name=_("учётная запись"),
    )
    issuer = models.CharField(_("поставщик входа"), max_length=300)
    subject = models.CharField(_("идентификатор на портале"), max_length=255)
    method = models.CharField(_("как подтверждено"), max_length=10, choices=Method.choices)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("кто подтвердил"),
    )
    # The name the portal gave when the link was made, so the person recognises it.
    display_name = models.CharField(_("имя на портале"), max_length=460, blank=True)
    created_at = models.DateTimeField(_("связано"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("последний вход"), null=True, blank=True)

    objects = EsiaLinkQuerySet.as_manager()

    class Meta:
        verbose_name = _("вход через Госуслуги")
        verbose_name_plural = _("входы через Госуслуги")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One portal identity opens one account, and an account has one identity per portal.
            models.UniqueConstraint(fields=["issuer", "subject"], name="esia_link_unique_subject"),
            models.UniqueConstraint(fields=["issuer", "user"], name="esia_link_one_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ← {self.display_name or self.subject}"


class LinkRequestQuerySet(models.QuerySet):
    def pending(self) -> Self:
        return self.filter(status=Confirmation.PENDING)


class LinkRequest(ConfirmableModel):
    """A person signed in through the portal asks the school to confirm which account is
    theirs. The data are what the portal returned; the school decides (ACC-4)."""

    issuer = models.CharField(_("поставщик входа"), max_length=300)
    subject = models.CharField(_("идентификатор на портале"), max_length=255)
    last_name = models.CharField(_("фамилия"), max_length=150, blank=True)
    first_name = models.CharField(_("имя"), max_length=150, blank=True)
    middle_name = models.CharField(_("отчество"), max_length=150, blank=True)
    snils = models.CharField(_("СНИЛС"), max_length=11, blank=True)
    birth_date = models.DateField(_("дата рождения"), null=True, blank=True)
    message = models.TextField(_("сообщение школе"), blank=True)
    created_at = models.DateTimeField(_("подана"), auto_now_add=True)
    status = models.CharField(
        _("подтверждение"),
        max_length=12,
        choices=Confirmation.choices,
        default=Confirmation.PENDING,
        db_index=True,
    )
    linked_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("связанная учётная запись"),
    )

    objects = LinkRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("заявка на вход через Госуслуги")
        verbose_name_plural = _("заявки на вход через Госуслуги")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "subject"],
                condition=Q(status="pending"),
                name="esia_one_pending_request_per_subject",
            )
        ]

    def __str__(self) -> str:
        return self.full_name or self.subject

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    @property
    def snils_display(self) -> str:
        return format_snils(self.snils)


class LinkCandidateQuerySet(VisibleQuerySet):
    policy_object = "esia_link_candidate"
    default_action = "decide"


class LinkCandidate(models.Model):
    """An account of one school that the portal's data point to (by SNILS, or by full name
    together with the birth date). Only the school's administration sees it and decides."""

    class Match(models.TextChoices):
        SNILS = "snils", _("совпадает СНИЛС")
        NAME_BIRTH_DATE = "name_birth_date", _("совпадают ФИО и дата рождения")

    request = models.ForeignKey(
        LinkRequest, on_delete=models.CASCADE, related_name="candidates", verbose_name=_("заявка")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("учётная запись"),
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("организация")
    )
    match = models.CharField(_("совпадение"), max_length=20, choices=Match.choices)

    objects = LinkCandidateQuerySet.as_manager()

    class Meta:
        verbose_name = _("кандидат для связи")
        verbose_name_plural = _("кандидаты для связи")
        constraints = [
            models.UniqueConstraint(
                fields=["request", "user", "organization"], name="esia_candidate_unique"
            )
        ]
        indexes = [models.Index(fields=["organization", "request"])]

    def __str__(self) -> str:
        return f"{self.request} → {self.user}"
