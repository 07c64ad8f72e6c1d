"""Invitations by email (ACC-3): a school invites a parent, a student or a staff member.

An invitation names the place it will create (an enrolment in a class, a guardianship of a
child, a staff position), the names the inviter typed and the address it went to. The link
in the letter carries a random token; Parta keeps only its SHA-256 (``InvitationLetter``), one
row per letter sent, so a link from an older letter is recognised as replaced by a newer one.
"""

from __future__ import annotations

from typing import Any, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parta.directory.models import (
    Guardianship,
    Organization,
    SchoolClass,
    StaffPosition,
    VisibleQuerySet,
)


class InvitationQuerySet(VisibleQuerySet):
    policy_object = "invitation"

    def open(self) -> Self:
        """Not accepted, not revoked, not expired: the link still works."""
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


class Invitation(models.Model):
    class Kind(models.TextChoices):
        STUDENT = "student", _("ученик")
        PARENT = "parent", _("родитель")
        STAFF = "staff", _("сотрудник")

    class Status(models.TextChoices):
        SENT = "sent", _("отправлено")
        ACCEPTED = "accepted", _("принято")
        EXPIRED = "expired", _("срок истёк")
        REVOKED = "revoked", _("отозвано")

    # Who may be invited into a staff position: never a director (VER-2/VER-3 decide that).
    STAFF_POSITIONS = (
        StaffPosition.Position.TEACHER,
        StaffPosition.Position.DEPUTY,
        StaffPosition.Position.SECRETARY,
    )

    kind = models.CharField(_("кого приглашают"), max_length=10, choices=Kind.choices)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("организация"),
    )
    # The class a student is invited into; for a parent, the child's class when invited (so
    # the class teacher sees the invitation).
    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name=_("класс"),
    )
    child = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ребёнок"),
    )
    guardian_kind = models.CharField(
        _("кем приходится ребёнку"), max_length=20, choices=Guardianship.Kind.choices, blank=True
    )
    position = models.CharField(
        _("должность"), max_length=20, choices=StaffPosition.Position.choices, blank=True
    )
    email = models.EmailField(_("электронная почта"))
    last_name = models.CharField(_("фамилия"), max_length=150)
    first_name = models.CharField(_("имя"), max_length=150)
    middle_name = models.CharField(_("отчество"), max_length=150, blank=True)
    language = models.CharField(_("язык письма"), max_length=5, default="ru")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="invitations_sent",
        verbose_name=_("кто пригласил"),
    )
    created_at = models.DateTimeField(_("создано"), default=timezone.now)
    sent_at = models.DateTimeField(_("последнее письмо"), default=timezone.now)
    expires_at = models.DateTimeField(_("действует до"))
    accepted_at = models.DateTimeField(_("принято"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations_accepted",
        verbose_name=_("кто принял"),
    )
    revoked_at = models.DateTimeField(_("отозвано"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("кто отозвал"),
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("приглашение")
        verbose_name_plural = _("приглашения")
        ordering = ["-sent_at", "-pk"]
        indexes = [
            models.Index(fields=["organization", "-sent_at"]),
            models.Index(fields=["school_class", "-sent_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="student", school_class__isnull=False, child__isnull=True)
                    | Q(kind="parent", child__isnull=False)
                    | Q(kind="staff", child__isnull=True, school_class__isnull=True)
                    & ~Q(position="")
                ),
                name="invitation_names_its_place",
            )
        ]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>"

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    def status_at(self, now: Any = None) -> str:
        if self.accepted_at is not None:
            return self.Status.ACCEPTED
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.expires_at <= (now or timezone.now()):
            return self.Status.EXPIRED
        return self.Status.SENT

    @property
    def status(self) -> str:
        return self.status_at()

    @property
    def status_label(self) -> str:
        return str(self.Status(self.status).label)

    @property
    def is_closed(self) -> bool:
        """Accepted or revoked: nothing more can be done with it."""
        return self.accepted_at is not None or self.revoked_at is not None

    @property
    def place_label(self) -> str:
        """What accepting creates, in words: "ученик 5А", "мать: Петров Миша", "учитель"."""
        if self.kind == self.Kind.STUDENT:
            return str(_("ученик, класс %(class)s") % {"class": self.school_class})
        if self.kind == self.Kind.PARENT:
            kind = Guardianship.Kind(self.guardian_kind or Guardianship.Kind.REPRESENTATIVE)
            child = self.child.full_name if self.child else ""
            return str(_("%(kind)s ученика %(child)s") % {"kind": kind.label, "child": child})
        return str(StaffPosition.Position(self.position).label)


class InvitationLetter(models.Model):
    """One letter with a link: only the SHA-256 of the link's token is kept (ACC-3)."""

    invitation = models.ForeignKey(
        Invitation, on_delete=models.CASCADE, related_name="letters", verbose_name=_("приглашение")
    )
    token_hash = models.CharField(_("хеш ссылки"), max_length=64, unique=True, editable=False)
    sent_at = models.DateTimeField(_("отправлено"), default=timezone.now)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("кто отправил"),
    )

    class Meta:
        verbose_name = _("письмо с приглашением")
        verbose_name_plural = _("письма с приглашениями")
        ordering = ["-sent_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.invitation} @ {self.sent_at:%Y-%m-%d %H:%M}"
