"""Login settings (ACC-8): name changes, phone confirmation codes, the two-factor policy.

The person's name and phone live on ``accounts.User``; this app keeps what changing them
needs — the record of name changes and the codes sent to confirm a new phone — and each
organization's rule that its staff sign in with a second factor.
"""

from __future__ import annotations

from typing import Any, Self

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parta.directory.models import Organization


class NameChange(models.Model):
    """One change of a person's name, kept for good (ACC-8).

    ``school_record`` says the name was the one a school entered (an issued account: a
    student, a parent, staff); such a change is allowed but the school can see it happened.
    """

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="name_changes",
        verbose_name=_("человек"),
    )
    old_last_name = models.CharField(_("прежняя фамилия"), max_length=150, blank=True)
    old_first_name = models.CharField(_("прежнее имя"), max_length=150, blank=True)
    old_middle_name = models.CharField(_("прежнее отчество"), max_length=150, blank=True)
    new_last_name = models.CharField(_("новая фамилия"), max_length=150)
    new_first_name = models.CharField(_("новое имя"), max_length=150)
    new_middle_name = models.CharField(_("новое отчество"), max_length=150, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("кто изменил"),
    )
    changed_at = models.DateTimeField(_("когда"), default=timezone.now)
    school_record = models.BooleanField(_("имя из записей школы"), default=False)

    class Meta:
        verbose_name = _("смена имени")
        verbose_name_plural = _("смены имени")
        ordering = ["-changed_at", "-pk"]
        indexes = [models.Index(fields=["person", "-changed_at"])]

    def __str__(self) -> str:
        return f"{self.old_full_name} → {self.new_full_name}"

    @property
    def old_full_name(self) -> str:
        parts = (self.old_last_name, self.old_first_name, self.old_middle_name)
        return " ".join(p for p in parts if p)

    @property
    def new_full_name(self) -> str:
        parts = (self.new_last_name, self.new_first_name, self.new_middle_name)
        return " ".join(p for p in parts if p)


class PhoneCodeQuerySet(models.QuerySet):
    def owned_by(self, user: Any) -> Self:
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(person_id=user.pk)

    def open(self) -> Self:
        """Codes that may still confirm their phone: not used, not replaced, not expired."""
        return self.filter(
            used_at__isnull=True, closed_at__isnull=True, expires_at__gt=timezone.now()
        )


class PhoneCode(models.Model):
    """A 6-digit code sent by SMS to confirm a new phone number (ACC-8).

    Only a keyed hash of the code is stored. A code works once, until ``expires_at``, and for
    at most ``PARTA_PHONE_CODE_TRIES`` wrong tries; a new code closes the previous one.
    """

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="phone_codes",
        verbose_name=_("человек"),
    )
    phone = models.CharField(_("новый телефон"), max_length=16)
    code_hash = models.CharField(_("хеш кода"), max_length=128, editable=False)
    created_at = models.DateTimeField(_("отправлен"), default=timezone.now)
    expires_at = models.DateTimeField(_("действует до"))
    failed_tries = models.PositiveSmallIntegerField(_("неверных попыток"), default=0)
    used_at = models.DateTimeField(_("использован"), null=True, blank=True)
    closed_at = models.DateTimeField(_("закрыт"), null=True, blank=True)
    sms_id = models.CharField(_("номер SMS у оператора"), max_length=64, blank=True)
    sms_cost = models.DecimalField(
        _("стоимость SMS"), max_digits=8, decimal_places=2, null=True, blank=True
    )

    objects = PhoneCodeQuerySet.as_manager()

    class Meta:
        verbose_name = _("код подтверждения телефона")
        verbose_name_plural = _("коды подтверждения телефона")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["person", "-created_at"]),
            models.Index(fields=["phone", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.phone} ({self.created_at:%Y-%m-%d %H:%M})"


class SecurityPolicy(models.Model):
    """An organization's sign-in rule: its staff must use a second factor (TOTP)."""

    organization = models.OneToOneField(
        Organization,
        on_delete=models.CASCADE,
        related_name="security_policy",
        verbose_name=_("организация"),
    )
    require_staff_mfa = models.BooleanField(
        _("сотрудники входят с кодом из приложения"), default=False
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("кто изменил"),
    )
    changed_at = models.DateTimeField(_("изменено"), default=timezone.now)

    class Meta:
        verbose_name = _("правило входа организации")
        verbose_name_plural = _("правила входа организаций")

    def __str__(self) -> str:
        return str(self.organization)


class TwoFactorReset(models.Model):
    """A director or the operator removed a staff member's second factor (a lost phone).

    Kept for good: who lost it, who reset it, when, for which organization.
    """

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="two_factor_resets",
        verbose_name=_("сотрудник"),
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("организация")
    )
    reset_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("кто сбросил"),
    )
    reset_at = models.DateTimeField(_("когда"), default=timezone.now)

    class Meta:
        verbose_name = _("сброс входа с кодом")
        verbose_name_plural = _("сбросы входа с кодом")
        ordering = ["-reset_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.person} ({self.reset_at:%Y-%m-%d})"
