"""Writes of messaging: starting a conversation, answering, reading (MSG-1) and publishing an
announcement (MSG-2, NTF-4). Each tells the people concerned through ``parta.core.events``:
the inbox always, email, SMS and push as each person chose (topic "new message",
"announcement")."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from parta.core import access, events
from parta.core.errors import DomainError
from parta.directory.models import Guardianship, Organization, SchoolClass
from parta.messaging.access import current_places, staff_of
from parta.messaging.models import (
    CLASS_AUDIENCES,
    Announcement,
    Attachment,
    Audience,
    Conversation,
    Message,
    Participant,
)
from parta.messaging.selectors import correspondents
from parta.notifications.models import Notification

MAX_RECIPIENTS = 30
MAX_FILES = 5
MAX_BODY = 5000
EXCERPT = 140


def message_file_limit() -> int:
    return int(getattr(settings, "PARTA_MAX_MESSAGE_FILE_BYTES", 10 * 1024 * 1024))


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "…"


def _check_text(body: str, files: Sequence[Any]) -> str:
    body = body.strip()
    if not body and not files:
        raise DomainError(_("Напишите текст сообщения или приложите файл."), field="body")
    if len(body) > MAX_BODY:
        raise DomainError(
            _("Сообщение длиннее %(n)s знаков: разделите его на несколько.") % {"n": MAX_BODY},
            field="body",
        )
    if len(files) > MAX_FILES:
        raise DomainError(
            _("К одному сообщению можно приложить не больше %(n)s файлов.") % {"n": MAX_FILES},
            field="attachments",
        )
    for upload in files:
        if getattr(upload, "parta_kind", None) is None:  # only a cleaned upload is stored
            raise DomainError(_("Файл не проверен."), field="attachments")
        if upload.size > message_file_limit():
            raise DomainError(_("Файл слишком большой."), field="attachments", code="too_big")
    return body


def _add_message(
    *, conversation: Conversation, sender: Any, body: str, files: Sequence[Any]
) -> Message:
    message = Message.objects.create(conversation=conversation, sender=sender, body=body)
    for upload in files:
        kind = upload.parta_kind
        attachment = Attachment(
            message=message,
            name=getattr(upload, "parta_original_name", "") or upload.name,
            size=upload.size,
            content_type=kind.content_type,
        )
        attachment.file.save(upload.name, upload, save=False)
        attachment.save()
    now = message.created_at
    Conversation.objects.filter(pk=conversation.pk).update(
        last_message=message, last_message_at=now
    )
    Participant.objects.filter(conversation=conversation).update(last_message_at=now)
    Participant.objects.filter(conversation=conversation, person=sender).update(last_read_at=now)
    recipients = list(
        Participant.objects.filter(conversation=conversation)
        .exclude(person=sender)
        .values_list("person_id", flat=True)
    )
    events.emit(
        "message",
        recipients=recipients,
        title=gettext_noop("Новое сообщение от %(sender)s"),
        body=gettext_noop("«%(excerpt)s»") if body else gettext_noop("Файлов: %(files)s"),
        params={
            "sender": sender.short_name,
            "excerpt": _excerpt(body),
            "files": len(files),
            "subject": conversation.subject,
        },
        url=reverse("conversation", args=[conversation.pk]),
        key=f"message:{message.pk}",
        organization_id=conversation.organization_id,
    )
    return message


def conversation_start(
    *,
    sender: Any,
    recipient_ids: Iterable[int],
    subject: str,
    body: str,
    files: Sequence[Any] = (),
) -> Conversation:
    """MSG-1: a new conversation of ``sender`` with the chosen people, its first message and
    files. Everyone chosen must be among the people the sender may write to; otherwise
    nothing is written and the message names them."""
    wanted = list(dict.fromkeys(int(pk) for pk in recipient_ids if pk))
    if not wanted:
        raise DomainError(_("Выберите, кому написать: начните набирать ФИО."), field="to")
    if len(wanted) > MAX_RECIPIENTS:
        raise DomainError(
            _(
                "В одной переписке может быть не больше %(n)s получателей. Чтобы написать "
                "целому классу или его родителям, сделайте объявление."
            )
            % {"n": MAX_RECIPIENTS},
            field="to",
        )
    body = _check_text(body, files)
    allowed = {p.pk: p for p in correspondents(sender).filter(pk__in=wanted)}
    if len(allowed) < len(wanted):
        raise DomainError(
            _("Этим людям написать нельзя: выберите получателей из подсказок."),
            field="to",
            code="not_correspondent",
        )
    organization_id = next(iter(access.organization_ids(access.roles_of(sender))), None)
    with transaction.atomic():
        conversation = Conversation.objects.create(
            subject=subject.strip()[:200], started_by=sender, organization_id=organization_id
        )
        Participant.objects.bulk_create(
            [Participant(conversation=conversation, person=sender)]
            + [Participant(conversation=conversation, person_id=pk) for pk in wanted]
        )
        _add_message(conversation=conversation, sender=sender, body=body, files=files)
    return conversation


def message_send(
    *, sender: Any, conversation: Conversation, body: str, files: Sequence[Any] = ()
) -> Message:
    """MSG-1: an answer in a conversation ``sender`` takes part in (the caller fetched it
    through ``visible_to``)."""
    body = _check_text(body, files)
    with transaction.atomic():
        locked = (
            Conversation.objects.select_for_update().visible_to(sender).filter(pk=conversation.pk)
        )
        if not locked.exists():
            raise DomainError(_("Переписка не найдена."))
        return _add_message(conversation=conversation, sender=sender, body=body, files=files)


def conversation_read(*, user: Any, conversation: Conversation) -> None:
    """MSG-1: the person has read everything in the conversation up to now — and the inbox's
    "new message" notifications that point to it, so one message is not unread twice."""
    now = timezone.now()
    Participant.objects.filter(conversation=conversation, person_id=user.pk).update(
        last_read_at=now
    )
    Notification.objects.visible_to(user).unread().filter(
        kind="message", url=reverse("conversation", args=[conversation.pk])
    ).update(read_at=now)


# --- announcements (MSG-2) -----------------------------------------------------------------------
def audience_of(announcement: Announcement) -> tuple[list[int], dict[int, int]]:
    """The people an announcement reaches, and for each parent the child it is about."""
    school = announcement.organization_id
    if announcement.audience in CLASS_AUDIENCES:
        places = current_places().filter(school_class_id=announcement.school_class_id)
    else:
        places = current_places().filter(school_class__organization_id=school)
    people: set[int] = set()
    children: dict[int, int] = {}
    if announcement.audience in (Audience.SCHOOL, Audience.STAFF):
        people.update(staff_of([school]).values_list("person_id", flat=True))
    if announcement.audience in (Audience.SCHOOL, Audience.CLASS):
        people.update(places.values_list("student_id", flat=True))
    if announcement.audience != Audience.STAFF:
        for guardian, child in Guardianship.objects.filter(
            child_id__in=places.values("student_id")
        ).values_list("guardian_id", "child_id"):
            people.add(guardian)
            children.setdefault(guardian, child)
    if announcement.author_id:
        people.discard(announcement.author_id)
    return sorted(people), children


def announcement_publish(
    *,
    author: Any,
    audience: str,
    title: str,
    body: str,
    school_class: SchoolClass | None = None,
    organization: Organization | None = None,
) -> Announcement:
    """MSG-2, NTF-4: write an announcement to a group and tell each member (the inbox, and
    the channels they chose). A class teacher writes to their class or its parents; the
    administration to any group of its school. A group nobody is in yet is refused."""
    from parta.messaging.selectors import publishable_classes, publishable_schools

    if audience not in Audience.values:
        raise DomainError(_("Выберите, кому объявление."), field="audience")
    title, body = title.strip(), body.strip()
    if not title:
        raise DomainError(_("Напишите заголовок объявления."), field="title")
    if not body:
        raise DomainError(_("Напишите текст объявления."), field="body")
    if len(body) > MAX_BODY:
        raise DomainError(_("Объявление длиннее %(n)s знаков.") % {"n": MAX_BODY}, field="body")
    if audience in CLASS_AUDIENCES:
        if (
            school_class is None
            or not publishable_classes(author).filter(pk=school_class.pk).exists()
        ):
            raise DomainError(_("Выберите класс из списка."), field="school_class")
        organization_id = school_class.organization_id
    else:
        school_class = None
        schools = publishable_schools(author)
        if organization is None:
            organization = schools.first()
        if organization is None or not schools.filter(pk=organization.pk).exists():
            raise DomainError(
                _("Объявление всей школе или всем её сотрудникам делает администрация школы."),
                field="audience",
            )
        organization_id = organization.pk
    with transaction.atomic():
        announcement = Announcement(
            organization_id=organization_id,
            author=author,
            audience=audience,
            school_class=school_class,
            title=title[:200],
            body=body,
        )
        recipients, children = audience_of(announcement)
        if not recipients:
            raise DomainError(
                _("В этой группе пока нет ни одного человека в Парте."), field="audience"
            )
        announcement.recipients = len(recipients)
        announcement.save()
        events.emit(
            "announcement",
            recipients=recipients,
            title=gettext_noop("Объявление: %(title)s"),
            body=gettext_noop("%(author)s: «%(excerpt)s»"),
            params={
                "title": announcement.title,
                "author": author.short_name,
                "excerpt": _excerpt(body),
            },
            url=reverse("announcement", args=[announcement.pk]),
            key=f"announcement:{announcement.pk}",
            organization_id=organization_id,
            child_ids=children,
        )
    return announcement
