"""Consents to personal-data processing (152-FZ).

Every consent is a row that is never edited away: given (by the person, or by a parent for a
minor), with the purpose and the version of the text shown; withdrawing it stamps the row.
"""

from __future__ import annotations

from typing import Any, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from parta.core import access


class ConsentQuerySet(models.QuerySet):
    def in_force(self) -> Self:
        return self.filter(withdrawn_at__isnull=True)

    def of(self, person: Any) -> Self:
        return self.filter(person_id=person.pk)

    def visible_to(self, user: Any) -> Self:
        """Consents about ``user`` and about whoever the policy lets them see (a parent:
        their children's)."""
        return self.filter(_own(user, "person") | access.allowed(user, "consent", "view"))

    def withdrawable_by(self, user: Any) -> Self:
        """152-FZ art. 9 p. 2: who gave a consent may withdraw it; a minor's consent is
        withdrawn by the parent (``consent``/``change`` in the policy), not by the child."""
        return self.filter(
            Q(given_by_id=user.pk, person_id=user.pk) | access.allowed(user, "consent", "change")
        )


def _own(user: Any, field: str) -> Q:
    if getattr(user, "is_authenticated", False):
        return Q(**{f"{field}_id": user.pk})
    return Q(pk__in=[])


class Consent(models.Model):
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="consents",
        verbose_name=_("чьи данные"),
    )
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="consents_given",
        verbose_name=_("кто дал согласие"),
    )
    purpose = models.CharField(_("цель обработки"), max_length=60)
    text_version = models.CharField(_("версия текста"), max_length=20)
    given_at = models.DateTimeField(_("дано"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("отозвано"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("кто отозвал"),
    )

    objects = ConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("согласие на обработку персональных данных")
        verbose_name_plural = _("согласия на обработку персональных данных")
        ordering = ["-given_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "purpose"],
                condition=Q(withdrawn_at__isnull=True),
                name="consent_one_in_force_per_purpose",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.purpose} ({self.text_version})"


class AccessRecordQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> Self:
        """152-FZ art. 14: a person sees who opened their data; a parent, their children's."""
        return self.filter(_own(user, "subject") | access.allowed(user, "access_record", "view"))


class AccessRecord(models.Model):
    """Someone opened a person's personal data (152-FZ): who, whose, what, when.

    Written by ``parta.privacy.access_log`` when a view sends
    ``parta.core.audit.personal_data_viewed``; one row per person shown, never edited.
    ``what`` is the code of the page and ``params`` its specifics, rendered in the reader's
    language; ``viewer_role`` and ``viewer_place`` keep in which capacity the viewer acted
    then (their roles may change later).
    """

    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("кто смотрел"),
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="access_records",
        verbose_name=_("чьи данные"),
    )
    what = models.CharField(_("что открыто"), max_length=200)
    params = models.JSONField(_("подробности"), default=dict, blank=True)
    viewer_role = models.CharField(_("в роли"), max_length=20, blank=True)
    viewer_place = models.CharField(_("организация или класс"), max_length=200, blank=True)
    path = models.CharField(_("страница"), max_length=300, blank=True)
    at = models.DateTimeField(_("когда"), auto_now_add=True, db_index=True)

    objects = AccessRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("просмотр персональных данных")
        verbose_name_plural = _("журнал просмотров персональных данных")
        ordering = ["-at"]
        indexes = [models.Index(fields=["subject", "-at"])]

    def __str__(self) -> str:
        return f"{self.viewer} → {self.subject}: {self.what}"
