"""Reads of messaging: whom a person may write to, their conversations, one conversation, the
unread count and announcements. Every list is a fixed number of queries whatever its size."""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Lower, Replace
from django.utils.translation import gettext as _

from parta.core import access, sql
from parta.directory.models import Guardianship, SchoolClass, StaffPosition
from parta.messaging.access import current_places
from parta.messaging.models import Announcement, Attachment, Conversation, Message, Participant

SEARCH_LIMIT = 20


def correspondents(user: Any) -> QuerySet:
    """MSG-1: the people ``user`` may start a conversation with (active, not themselves)."""
    from parta.accounts.models import User

    return (
        User.objects.filter(access.allowed(user, "correspondent", "message"))
        .filter(is_active=True)
        .exclude(pk=user.pk)
    )


def may_write(user: Any) -> bool:
    return access.may(user, "correspondent", "message")


def _folded(text: str) -> str:
    """Lower case, «ё» read as «е»: «Королев» finds «Королёв»."""
    return text.lower().replace("ё", "е")


def _fold(field_name: str) -> Any:
    return Replace(Lower(field_name), Value("ё"), Value("е"))


@dataclass
class Correspondent:
    person: Any
    description: str = ""

    @property
    def pk(self) -> int:
        return int(self.person.pk)

    def as_json(self) -> dict[str, Any]:
        return {"id": self.pk, "name": self.person.full_name, "description": self.description}


def search_correspondents(
    user: Any, query: str, *, limit: int = SEARCH_LIMIT
) -> list[Correspondent]:
    """MSG-1: people ``user`` may write to whose name matches every word typed (the start of
    the surname, the name or the patronymic), each with who they are for the sender ("teacher,
    School No. 1", "parent: Petrov M., 5A"). Five queries, whatever the size of the region."""
    words = [_folded(w) for w in re.split(r"[\s,.]+", query.strip()) if w][:4]
    if not words or len(query.strip()) < 2:
        return []
    people = correspondents(user).annotate(
        _last=_fold("last_name"), _first=_fold("first_name"), _middle=_fold("middle_name")
    )
    for word in words:
        people = people.filter(
            Q(_last__startswith=word) | Q(_first__startswith=word) | Q(_middle__startswith=word)
        )
    found = list(people.order_by("last_name", "first_name", "middle_name", "pk")[:limit])
    return describe(user, found)


def describe(user: Any, people: Sequence[Any]) -> list[Correspondent]:
    """Who each of ``people`` is, in a sentence for ``user`` (four queries)."""
    from parta.accounts.models import User

    pks = [p.pk for p in people]
    parts: dict[int, list[str]] = defaultdict(list)
    if not pks:
        return []
    for row in (
        StaffPosition.objects.confirmed()
        .filter(person_id__in=pks)
        .select_related("organization")
        .order_by("position")
    ):
        parts[row.person_id].append(f"{row.get_position_display()}, {row.organization.short_name}")
    for klass in SchoolClass.objects.filter(
        class_teacher_id__in=pks, academic_year__is_current=True
    ):
        parts[klass.class_teacher_id].append(
            _("классный руководитель %(class)s") % {"class": klass.name}
        )
    for place in current_places().filter(student_id__in=pks).select_related("school_class"):
        parts[place.student_id].append(_("ученик %(class)s") % {"class": place.school_class.name})
    # A parent's children, only those the sender may see (never a child of another school).
    visible = User.objects.filter(access.allowed(user, "person", "view"))
    classes = {
        p.student_id: p.school_class.name
        for p in current_places()
        .filter(student__guardians__guardian_id__in=pks)
        .select_related("school_class")
    }
    for link in (
        Guardianship.objects.filter(guardian_id__in=pks, child__in=visible)
        .select_related("child")
        .order_by("child__last_name", "child__first_name")
    ):
        child = link.child.short_name
        if link.child_id in classes:
            child = f"{child}, {classes[link.child_id]}"
        parts[link.guardian_id].append(_("родитель: %(child)s") % {"child": child})
    return [Correspondent(p, "; ".join(parts.get(p.pk, []))) for p in people]


# --- conversations -------------------------------------------------------------------------------
@dataclass
class ConversationRow:
    place: Participant
    others: list[Any] = field(default_factory=list)

    @property
    def conversation(self) -> Conversation:
        return self.place.conversation

    @property
    def unread(self) -> bool:
        return self.place.is_unread


def places_of(user: Any, *, unread_only: bool = False) -> QuerySet:
    """The person's conversations (their places in them), the newest message first."""
    rows = (
        Participant.objects.filter(access.allowed(user, "conversation_place", "view"))
        .filter(last_message_at__isnull=False)
        .select_related("conversation__last_message__sender")
        .order_by("-last_message_at", "-pk")
    )
    if unread_only:
        rows = rows.filter(_unread())
    return rows


def _unread() -> Q:
    return Q(last_read_at__isnull=True) | Q(last_read_at__lt=F("last_message_at"))


def rows_of(user: Any, places: Sequence[Participant]) -> list[ConversationRow]:
    """The page's conversations with the other participants (one query)."""
    others: dict[int, list[Any]] = defaultdict(list)
    for p in (
        Participant.objects.filter(conversation_id__in=[p.conversation_id for p in places])
        .exclude(person_id=user.pk)
        .select_related("person")
        .order_by("person__last_name", "person__first_name")
    ):
        others[p.conversation_id].append(p.person)
    return [ConversationRow(p, others.get(p.conversation_id, [])) for p in places]


def unread_places(user: Any) -> QuerySet:
    """The person's conversations with a message they have not read."""
    return (
        Participant.objects.filter(access.allowed(user, "conversation_place", "view"))
        .filter(last_message_at__isnull=False)
        .filter(_unread())
    )


def unread_count(user: Any) -> int:
    return unread_places(user).count()


# The header's badges on every page: both counts of the person's own rows, one prepared
# statement (compiling the two querysets cost more than running them).
_BADGES_SQL = """
    SELECT
        (SELECT COUNT(*) FROM notifications_notification n
          WHERE n.recipient_id = %(user)s AND n.read_at IS NULL),
        (SELECT COUNT(*) FROM messaging_participant p
          WHERE p.person_id = %(user)s AND p.last_message_at IS NOT NULL
            AND (p.last_read_at IS NULL OR p.last_read_at < p.last_message_at))
"""


@functools.cache
def _badges_are_own_rows() -> bool:
    """Whether every kind of role sees its own rows ("self") of notifications and of
    conversation places and nothing else (the policies are registered once, at start)."""

    def own_only(obj: str) -> bool:
        rules = access.POLICY[obj]["view"]
        return set(rules) >= set(access.ROLE_KINDS) and set(rules.values()) == {"self"}

    return own_only("notification") and own_only("conversation_place")


def badge_counts(user: Any) -> tuple[int, int]:
    """NTF-1, MSG-1: unread notifications and unread conversations, in one statement (the
    header's badges, the app's).

    The policies of both give every role its own rows ("self"); while they do, the counts
    are one prepared statement on the person's key (a test compares it with the policies'
    querysets). A person with no role sees nothing of either; should a policy ever give a
    role more, the counts come from the policies' querysets themselves."""
    from parta.notifications.models import Notification

    if _badges_are_own_rows():
        if not access.roles_of(user):
            return 0, 0
        notifications, conversations = sql.fetch_all(_BADGES_SQL, {"user": user.pk})[0]
        return int(notifications), int(conversations)
    notifications, conversations = sql.count_each(
        [Notification.objects.visible_to(user).unread(), unread_places(user)]
    )
    return notifications, conversations


def conversation_for(user: Any, pk: int) -> Conversation | None:
    return Conversation.objects.visible_to(user).filter(pk=pk).first()


@dataclass
class Thread:
    conversation: Conversation
    participants: list[Participant]
    messages: list[Message]
    me: Participant
    earlier: int  # messages before the ones shown

    @property
    def others(self) -> list[Participant]:
        return [p for p in self.participants if p.person_id != self.me.person_id]

    def read_by(self, message: Message) -> list[Any]:
        """The other participants who have opened the conversation since ``message``."""
        return [
            p.person
            for p in self.others
            if p.last_read_at is not None and p.last_read_at >= message.created_at
        ]


THREAD_LIMIT = 100


def thread(user: Any, conversation: Conversation, *, show_all: bool = False) -> Thread:
    """MSG-1: the conversation's participants and its last ``THREAD_LIMIT`` messages (all with
    ``show_all``) with their senders and files: four queries."""
    participants = list(
        Participant.objects.filter(conversation=conversation)
        .select_related("person")
        .order_by("joined_at", "pk")
    )
    me = next(p for p in participants if p.person_id == user.pk)
    messages = (
        Message.objects.filter(conversation=conversation)
        .select_related("sender")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("pk")))
        .order_by("-created_at", "-pk")
    )
    total = None
    if not show_all:
        shown = list(messages[: THREAD_LIMIT + 1])
        if len(shown) > THREAD_LIMIT:
            shown = shown[:THREAD_LIMIT]
            total = Message.objects.filter(conversation=conversation).count()
    else:
        shown = list(messages)
    shown.reverse()
    earlier = (total - len(shown)) if total is not None else 0
    return Thread(conversation, participants, shown, me, earlier)


def attachment_for(user: Any, conversation: Conversation, pk: int) -> Attachment | None:
    return (
        Attachment.objects.visible_to(user)
        .filter(message__conversation=conversation, pk=pk)
        .first()
    )


# --- announcements -------------------------------------------------------------------------------
def announcements_for(user: Any) -> QuerySet:
    """MSG-2: the announcements the person may read, newest first, with author and class."""
    return (
        Announcement.objects.visible_to(user)
        .select_related("author", "school_class", "organization")
        .order_by("-created_at", "-pk")
    )


def publishable_classes(user: Any) -> QuerySet:
    return (
        SchoolClass.objects.filter(access.allowed(user, "announcement_class", "publish"))
        .select_related("organization")
        .order_by("organization__short_name", "grade", "letter")
    )


def publishable_schools(user: Any) -> QuerySet:
    from parta.directory.models import Organization

    return Organization.objects.filter(
        access.allowed(user, "announcement_school", "publish")
    ).order_by("short_name")


def may_announce(user: Any) -> bool:
    return access.may(user, "announcement_class", "publish")
