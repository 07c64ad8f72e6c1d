"""People: one account per person, whatever roles they hold."""

from __future__ import annotations

from typing import Any, ClassVar, Self

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parta.core import access
from parta.core.validators import format_snils


class UserQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> Self:
        """People ``user`` may see: whoever the policy allows, and always themselves."""
        condition = access.allowed(user, "person", "view")
        if getattr(user, "is_authenticated", False):
            condition |= Q(pk=user.pk)
        return self.filter(condition)

    def editable_by(self, user: Any, action: str = "issue_credentials") -> Self:
        return self.filter(access.allowed(user, "person", action))


class PartaUserManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    """A person. ``username`` is the login; email, phone and SNILS also sign in (ACC-4)."""

    middle_name = models.CharField(_("отчество"), max_length=150, blank=True)
    email = models.EmailField(_("электронная почта"), blank=True)
    phone = models.CharField(_("телефон"), max_length=16, blank=True)
    snils = models.CharField(_("СНИЛС"), max_length=11, blank=True)
    birth_date = models.DateField(_("дата рождения"), null=True, blank=True)
    # ACC-2: an issued account must set its own password before anything else opens.
    must_change_password = models.BooleanField(_("должен сменить пароль"), default=False)
    initial_password_issued_at = models.DateTimeField(
        _("начальный пароль выдан"), null=True, blank=True
    )
    # When the school last issued a password (kept after the person sets their own): ways in
    # that were opened before it, such as a link to Gosuslugi, are void (ACC-4).
    credentials_issued_at = models.DateTimeField(
        _("данные для входа выданы"), null=True, blank=True
    )
    language = models.CharField(_("язык интерфейса"), max_length=5, blank=True)

    objects: ClassVar[PartaUserManager] = PartaUserManager()

    class Meta:
        verbose_name = _("человек")
        verbose_name_plural = _("люди")
        ordering = ["last_name", "first_name", "middle_name"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"), condition=~Q(email=""), name="user_unique_email"
            ),
            models.UniqueConstraint(
                fields=["phone"], condition=~Q(phone=""), name="user_unique_phone"
            ),
            models.UniqueConstraint(
                fields=["snils"], condition=~Q(snils=""), name="user_unique_snils"
            ),
        ]
        indexes = [models.Index(fields=["last_name", "first_name"])]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    @property
    def short_name(self) -> str:
        initials = " ".join(f"{p[0]}." for p in (self.first_name, self.middle_name) if p)
        return f"{self.last_name} {initials}".strip() or self.username

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.short_name

    @property
    def snils_display(self) -> str:
        return format_snils(self.snils)


class ApiTokenQuerySet(models.QuerySet):
    def owned_by(self, user: Any) -> Self:
        """A person's own tokens: nobody sees or revokes another person's token."""
        if user is None or not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user_id=user.pk)


class ApiToken(models.Model):
    """A personal token for the API (mobile app, partner scripts).

    Only the SHA-256 of the secret is stored; the secret itself is shown once, when the
    token is created. A token stops working when revoked or past ``expires_at``.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("владелец")
    )
    name = models.CharField(_("название"), max_length=100)
    # The first characters of the secret, so a person can tell their tokens apart.
    prefix = models.CharField(_("начало токена"), max_length=16)
    key_hash = models.CharField(_("хеш токена"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("последнее использование"), null=True, blank=True)
    expires_at = models.DateTimeField(_("действует до"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("отозван"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("токен API")
        verbose_name_plural = _("токены API")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()
