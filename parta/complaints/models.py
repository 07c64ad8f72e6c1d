"""Complaints to the education department (ACC-6).

A parent whose school will not give them credentials (or who meets any other problem with a
school) writes to the municipal education department without signing in. The complaint names
the school, says what happened and, optionally, who was responsible; the answer goes to the
email the complainant gave. The department works through a queue: new → in progress → answered.

The complainant follows their complaint through a private link that only their letters carry;
nobody else reaches it without a role. Only the SHA-256 of the link's key is stored
(``access_key_hash``), as for every private link: a copy of the database opens no complaint.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parta.directory.models import Organization, VisibleQuerySet


class ComplaintQuerySet(VisibleQuerySet):
    policy_object = "complaint"
    default_action = "answer"


class Complaint(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("новая")
        IN_PROGRESS = "in_progress", _("в работе")
        ANSWERED = "answered", _("отвечена")

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("школа"),
    )
    text = models.TextField(_("что случилось"), max_length=5000)
    employee = models.CharField(_("ответственный сотрудник"), max_length=300, blank=True)
    complainant_name = models.CharField(_("ФИО заявителя"), max_length=300)
    email = models.EmailField(_("почта для ответа"))
    phone = models.CharField(_("телефон"), max_length=16, blank=True)
    language = models.CharField(_("язык писем"), max_length=5, blank=True)
    access_key_hash = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(
        _("состояние"), max_length=12, choices=Status.choices, default=Status.NEW, db_index=True
    )
    created_at = models.DateTimeField(_("подана"), auto_now_add=True, db_index=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("кто взял в работу"),
    )
    taken_at = models.DateTimeField(_("взята в работу"), null=True, blank=True)
    answer = models.TextField(_("ответ"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("кто ответил"),
    )
    answered_at = models.DateTimeField(_("дан ответ"), null=True, blank=True)

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        verbose_name = _("жалоба")
        verbose_name_plural = _("жалобы")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        """The number the complainant quotes: the year and the row's id, e.g. 2026-00042.

        The year is the local one: a complaint filed just after midnight on 1 January in Moscow
        belongs to the new year, though in UTC it is still 31 December.
        """
        year = timezone.localtime(self.created_at).year if self.created_at else ""
        return f"{year}-{self.pk:05d}" if self.pk else ""
