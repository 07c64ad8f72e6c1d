"""Conversations between people of a school (MSG-1) and announcements to groups (MSG-2).

A conversation has participants and messages; a participant's ``last_read_at`` is their read
state: the conversation is unread for them while its last message is newer. Messages are only
ever added. Attachments live in the private storage and leave it only through a view that
has checked, through the access engine, that the person takes part in the conversation.

An announcement is written once to a group (a class, the parents of a class, the staff, the
whole school) and reaches each member through ``parta.core.events`` — the inbox, and the
channels each person chose, like every other notification (NTF-4).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from parta.core.uploads import PrivatePath, private_storage
from parta.directory.models import Organization, SchoolClass, VisibleQuerySet


class ConversationQuerySet(VisibleQuerySet):
    policy_object = "conversation"


class Conversation(models.Model):
    subject = models.CharField(_("тема"), max_length=200, blank=True)
    # The school the conversation belongs to (for the operator's counts; may be empty).
    organization = models.ForeignKey(
        Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    # The newest message, kept so that a list of conversations shows it without a query per row.
    last_message = models.ForeignKey(
        "Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ConversationQuerySet.as_manager()

    class Meta:
        verbose_name = _("переписка")
        verbose_name_plural = _("переписки")

    def __str__(self) -> str:
        return self.subject or f"#{self.pk}"


class Participant(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="participants"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="conversation_places",
        db_index=False,  # participant_person leads with it
    )
    joined_at = models.DateTimeField(auto_now_add=True)
    last_read_at = models.DateTimeField(null=True, blank=True)
    # Denormalized from the conversation, so that a person's list and unread count are one
    # index range scan whatever the number of conversations in the region.
    last_message_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("участник переписки")
        verbose_name_plural = _("участники переписки")
        constraints = [
            models.UniqueConstraint(fields=["conversation", "person"], name="participant_once")
        ]
        indexes = [
            models.Index(fields=["person", "-last_message_at"], name="participant_person"),
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id}: {self.person_id}"

    @property
    def is_unread(self) -> bool:
        return self.last_message_at is not None and (
            self.last_read_at is None or self.last_read_at < self.last_message_at
        )


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("текст"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("сообщение")
        verbose_name_plural = _("сообщения")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["conversation", "created_at"], name="message_thread")]

    def __str__(self) -> str:
        return f"{self.conversation_id}/{self.pk}"


class AttachmentQuerySet(VisibleQuerySet):
    policy_object = "message_attachment"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(
        storage=private_storage, upload_to=PrivatePath("messages"), max_length=300
    )
    name = models.CharField(_("имя файла"), max_length=200)
    size = models.PositiveIntegerField(default=0)
    content_type = models.CharField(max_length=100)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("вложение")
        verbose_name_plural = _("вложения")

    def __str__(self) -> str:
        return self.name


class AnnouncementQuerySet(VisibleQuerySet):
    policy_object = "announcement"


class Audience(models.TextChoices):
    """MSG-2: the groups an announcement is written to."""

    SCHOOL = "school", _("вся школа: сотрудники, ученики и родители")
    STAFF = "staff", _("все сотрудники школы")
    PARENTS = "parents", _("все родители школы")
    CLASS = "class", _("класс: ученики и их родители")
    CLASS_PARENTS = "class_parents", _("родители класса")


CLASS_AUDIENCES = (Audience.CLASS, Audience.CLASS_PARENTS)


class Announcement(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("школа")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    audience = models.CharField(_("кому"), max_length=20, choices=Audience.choices)
    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("класс"),
    )
    title = models.CharField(_("заголовок"), max_length=200)
    body = models.TextField(_("текст"))
    recipients = models.PositiveIntegerField(_("получателей"), default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = AnnouncementQuerySet.as_manager()

    class Meta:
        verbose_name = _("объявление")
        verbose_name_plural = _("объявления")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="announcement_school"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(audience__in=["class", "class_parents"]) & Q(school_class__isnull=False)
                )
                | (~Q(audience__in=["class", "class_parents"]) & Q(school_class__isnull=True)),
                name="announcement_class_audience",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def audience_label(self) -> str:
        """Whom it was written to, as a reader says it ("родители 5А класса")."""
        from django.utils.translation import gettext

        klass = self.school_class.name if self.school_class_id and self.school_class else ""
        labels = {
            Audience.SCHOOL: gettext("вся школа"),
            Audience.STAFF: gettext("сотрудники школы"),
            Audience.PARENTS: gettext("родители всей школы"),
            Audience.CLASS: gettext("%(class)s класс: ученики и родители") % {"class": klass},
            Audience.CLASS_PARENTS: gettext("родители %(class)s класса") % {"class": klass},
        }
        return labels.get(self.audience, self.audience)  # type: ignore[call-overload]
