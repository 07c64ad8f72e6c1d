"""Family links a school confirms (ACC-9).

A parent does not attach a child or a second parent by themselves: they file a request, and
the administration of the child's school (or the child's class teacher) compares it with the
school's records and confirms or rejects it with a reason. Only a confirmation creates the
``Guardianship``; a request by itself gives nobody access to anything.

Two kinds of request:
- another child: the parent names the child (full name, birth date), the school and the class,
  and who they are to the child; the school finds the child among its students;
- a second parent: the parent names the person (full name, email or phone) and which of their
  children they are a parent of; the school links an existing account found by email or phone,
  or issues a new one.
"""

from __future__ import annotations

from typing import Any, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from parta.core import access
from parta.directory.models import (
    Confirmation,
    Guardianship,
    Organization,
    SchoolClass,
    VisibleQuerySet,
)


class FamilyRequestQuerySet(VisibleQuerySet):
    policy_object = "family_request"
    default_action = "decide"

    def visible_to(self, user: Any) -> Self:
        """The person's own requests (a first request is filed before any role) and those the
        policy lets them see (the school the request goes to)."""
        own = (
            Q(requested_by_id=user.pk) if getattr(user, "is_authenticated", False) else Q(pk__in=[])
        )
        return self.filter(own | access.allowed(user, self.policy_object, "view"))

    def pending(self) -> Self:
        return self.filter(status=Confirmation.PENDING)


class FamilyRequest(models.Model):
    class Kind(models.TextChoices):
        CHILD = "child", _("ещё один ребёнок")
        SECOND_PARENT = "second_parent", _("второй родитель")

    kind = models.CharField(_("что добавить"), max_length=16, choices=Kind.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="family_requests",
        verbose_name=_("кто просит"),
    )
    # The school that decides, and the class named (a child) or the child's class (a parent).
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="family_requests",
        verbose_name=_("школа"),
    )
    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="family_requests",
        verbose_name=_("класс"),
    )
    relation = models.CharField(
        _("кем приходится ребёнку"), max_length=20, choices=Guardianship.Kind.choices
    )
    # Another child: as the parent typed it; ``child`` is set by the school on confirmation.
    # A second parent: the child (one of the requester's own) they are a parent of.
    child = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ребёнок"),
    )
    child_last_name = models.CharField(_("фамилия ребёнка"), max_length=150, blank=True)
    child_first_name = models.CharField(_("имя ребёнка"), max_length=150, blank=True)
    child_middle_name = models.CharField(_("отчество ребёнка"), max_length=150, blank=True)
    child_birth_date = models.DateField(_("дата рождения ребёнка"), null=True, blank=True)
    # A second parent, as the requester typed them; ``person`` is who was linked.
    last_name = models.CharField(_("фамилия"), max_length=150, blank=True)
    first_name = models.CharField(_("имя"), max_length=150, blank=True)
    middle_name = models.CharField(_("отчество"), max_length=150, blank=True)
    email = models.EmailField(_("электронная почта"), blank=True)
    phone = models.CharField(_("телефон"), max_length=16, blank=True)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("связанный человек"),
    )
    person_created = models.BooleanField(_("учётная запись создана"), default=False)
    comment = models.TextField(_("комментарий для школы"), blank=True, max_length=1000)
    status = models.CharField(
        _("решение"),
        max_length=12,
        choices=Confirmation.choices,
        default=Confirmation.PENDING,
        db_index=True,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("кто решил"),
    )
    decided_at = models.DateTimeField(_("когда решено"), null=True, blank=True)
    rejection_reason = models.TextField(_("причина отказа"), blank=True)
    created_at = models.DateTimeField(_("подана"), auto_now_add=True, db_index=True)

    objects = FamilyRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("заявка на связь с семьёй")
        verbose_name_plural = _("заявки на связь с семьёй")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="child", child_birth_date__isnull=False)
                | Q(kind="second_parent", child__isnull=False),
                name="family_request_names_child",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject_name}"

    @property
    def child_full_name(self) -> str:
        if self.kind == self.Kind.SECOND_PARENT and self.child is not None:
            return self.child.full_name
        parts = (self.child_last_name, self.child_first_name, self.child_middle_name)
        return " ".join(p for p in parts if p)

    @property
    def parent_full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    @property
    def subject_name(self) -> str:
        """Whom the request adds: the child, or the second parent."""
        return self.child_full_name if self.kind == self.Kind.CHILD else self.parent_full_name
