"""Decisions on claimed places and the reports that carry them to the authority (VER-4, VER-5).

A claim itself is the pending ``StaffPosition`` or ``Enrollment`` (directory); deciding it
updates that row and writes one ``Decision`` here, the legal trace of who decided what and
when. The director then sends a ``Report`` with every decision of the organization not yet
reported; ``ReminderSent`` keeps the daily reminder to at most one letter per director a day.
"""

from __future__ import annotations

from typing import Self

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from parta.directory.models import (
    Enrollment,
    Organization,
    SchoolClass,
    StaffPosition,
    VisibleQuerySet,
)


class ReportQuerySet(VisibleQuerySet):
    policy_object = "confirmation_report"


class Report(models.Model):
    """VER-5: a report the director sent; its decisions point to it."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="confirmation_reports",
        verbose_name=_("организация"),
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("отправил"),
    )
    sent_at = models.DateTimeField(_("отправлен"), db_index=True)
    confirmed_count = models.PositiveIntegerField(_("подтверждено"), default=0)
    rejected_count = models.PositiveIntegerField(_("отклонено"), default=0)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("отчёт о подтверждении")
        verbose_name_plural = _("отчёты о подтверждении")
        ordering = ["-sent_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.organization} — {self.sent_at:%Y-%m-%d %H:%M}"

    @property
    def decisions_count(self) -> int:
        return self.confirmed_count + self.rejected_count


class DecisionQuerySet(VisibleQuerySet):
    policy_object = "confirmation_decision"

    def unreported(self) -> Self:
        return self.filter(report__isnull=True)


class Decision(models.Model):
    """VER-5: one confirmation or rejection of a claimed place, as it was decided."""

    class Kind(models.TextChoices):
        STAFF = "staff", _("сотрудник")
        STUDENT = "student", _("ученик")

    class Verdict(models.TextChoices):
        CONFIRMED = "confirmed", _("подтверждено")
        REJECTED = "rejected", _("отклонено")

    kind = models.CharField(_("чьё место"), max_length=10, choices=Kind.choices)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="confirmation_decisions",
        verbose_name=_("организация"),
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("чьё место"),
    )
    staff_position = models.ForeignKey(
        StaffPosition,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("должность"),
    )
    enrollment = models.ForeignKey(
        Enrollment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("зачисление"),
    )
    # What the place was when decided, kept even if the row changes later.
    position = models.CharField(
        _("должность"), max_length=20, choices=StaffPosition.Position.choices, blank=True
    )
    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("класс"),
    )
    class_name = models.CharField(_("класс"), max_length=10, blank=True)
    verdict = models.CharField(_("решение"), max_length=10, choices=Verdict.choices)
    reason = models.TextField(_("причина отказа"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("кто решил"),
    )
    decided_at = models.DateTimeField(_("когда решено"))
    report = models.ForeignKey(
        Report,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name=_("отчёт"),
    )

    objects = DecisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("решение о подтверждении")
        verbose_name_plural = _("решения о подтверждении")
        ordering = ["decided_at", "pk"]
        indexes = [models.Index(fields=["organization", "report"])]

    def __str__(self) -> str:
        return f"{self.person} — {self.place} — {self.get_verdict_display()}"

    @property
    def place(self) -> str:
        if self.kind == self.Kind.STAFF:
            return str(self.get_position_display())
        return str(_("ученик, класс %(name)s") % {"name": self.class_name})


class ReminderSent(models.Model):
    """VER-5: one reminder letter to a director on one day (keeps the command idempotent)."""

    director = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField()
    unreported = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("напоминание об отчёте")
        verbose_name_plural = _("напоминания об отчёте")
        constraints = [
            models.UniqueConstraint(fields=["director", "day"], name="reminder_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.director} — {self.day}"
