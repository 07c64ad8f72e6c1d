"""/api/v1/ endpoints of messages and announcements for the mobile app (MSG-1, MSG-2).

- ``GET /messages`` — the caller's conversations, the newest first (``?unread=true``);
- ``GET /messages/unread`` — the two badge counts (notifications, conversations);
- ``GET /messages/recipients?q=`` — people the caller may write to, by the words of a name;
- ``POST /messages`` — a new conversation; ``GET /messages/{id}`` — its messages (marks it
  read); ``POST /messages/{id}`` — an answer;
- ``GET /announcements`` and ``GET /announcements/{id}`` — the caller's announcements.

Every read goes through the same selectors as the pages (404 for a conversation the caller
does not take part in); every write through the same services, so the rules are the same.
Files are sent from the site; their download addresses are the site's.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import Field, Path, Query, Router, Schema, Status

from parta.accounts.api.auth import person
from parta.accounts.api.common import AUTH_ERRORS, INVALID, MAX_ID, NOT_FOUND
from parta.accounts.api.schemas import ErrorOut
from parta.core.errors import DomainError
from parta.messaging import selectors, services

router = Router(tags=["messages"])
REFUSED: dict[int, Any] = {400: ErrorOut}


class PersonOut(Schema):
    id: int
    name: str


class FileOut(Schema):
    name: str
    size: int
    url: str


class MessageOut(Schema):
    id: int
    sender: PersonOut | None
    body: str
    created_at: datetime.datetime
    files: list[FileOut]
    read_by: list[PersonOut] = Field(
        description="for the caller's own messages: who has opened the conversation since"
    )


class ConversationOut(Schema):
    id: int
    subject: str
    others: list[PersonOut]
    last_message: str
    last_message_at: datetime.datetime | None
    last_sender: PersonOut | None
    unread: bool


class ConversationPage(Schema):
    items: list[ConversationOut]
    count: int


class ThreadOut(Schema):
    id: int
    subject: str
    participants: list[PersonOut]
    messages: list[MessageOut]
    earlier: int = Field(description="older messages not in this answer (ask ?all=true)")


class UnreadOut(Schema):
    notifications: int
    conversations: int


class RecipientOut(Schema):
    id: int
    name: str
    description: str


class NewConversationIn(Schema):
    to: list[int] = Field(..., min_length=1, max_length=services.MAX_RECIPIENTS)
    subject: str = Field("", max_length=200)
    body: str = Field(..., min_length=1, max_length=services.MAX_BODY)


class AnswerIn(Schema):
    body: str = Field(..., min_length=1, max_length=services.MAX_BODY)


class AnnouncementOut(Schema):
    id: int
    title: str
    body: str
    school: str
    audience: str
    audience_label: str
    school_class: str
    author: PersonOut | None
    created_at: datetime.datetime


class AnnouncementPage(Schema):
    items: list[AnnouncementOut]
    count: int


def _person(user: Any) -> dict[str, Any] | None:
    return {"id": user.pk, "name": user.full_name} if user is not None else None


def _conversation_out(row: selectors.ConversationRow) -> dict[str, Any]:
    conversation = row.conversation
    last = conversation.last_message
    return {
        "id": conversation.pk,
        "subject": conversation.subject,
        "others": [_person(p) for p in row.others],
        "last_message": last.body if last else "",
        "last_message_at": conversation.last_message_at,
        "last_sender": _person(last.sender) if last else None,
        "unread": row.unread,
    }


@router.get(
    "/messages",
    response={200: ConversationPage, **AUTH_ERRORS, **INVALID},
    summary="The caller's conversations",
    description="The newest message first; `unread=true` keeps the unread ones only.",
)
def conversation_list(
    request: HttpRequest,
    unread: bool = False,
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=MAX_ID),
) -> dict[str, Any]:
    user = person(request)
    places = selectors.places_of(user, unread_only=unread)
    page = list(places[offset : offset + limit])
    rows = selectors.rows_of(user, page)
    return {"items": [_conversation_out(r) for r in rows], "count": places.count()}


@router.get(
    "/messages/unread",
    response={200: UnreadOut, **AUTH_ERRORS},
    summary="Unread notifications and conversations (the app's badges)",
)
def unread(request: HttpRequest) -> dict[str, int]:
    notifications, conversations = selectors.badge_counts(person(request))
    return {"notifications": notifications, "conversations": conversations}


@router.get(
    "/messages/recipients",
    response={200: list[RecipientOut], **AUTH_ERRORS, **INVALID},
    summary="People the caller may write to, by name",
    description=(
        "Every word of `q` must start the surname, the name or the patronymic («ё» is read "
        "as «е»); at most 20 people, each described for the caller."
    ),
)
def recipients(request: HttpRequest, q: str = Query(..., min_length=2, max_length=100)) -> list:
    return [c.as_json() for c in selectors.search_correspondents(person(request), q)]


def _thread_out(user: Any, thread: selectors.Thread) -> dict[str, Any]:
    conversation = thread.conversation
    return {
        "id": conversation.pk,
        "subject": conversation.subject,
        "participants": [_person(p.person) for p in thread.participants],
        "earlier": thread.earlier,
        "messages": [
            {
                "id": m.pk,
                "sender": _person(m.sender),
                "body": m.body,
                "created_at": m.created_at,
                "files": [
                    {
                        "name": a.name,
                        "size": a.size,
                        "url": reverse("message_attachment", args=[conversation.pk, a.pk]),
                    }
                    for a in m.attachments.all()
                ],
                "read_by": [_person(p) for p in thread.read_by(m)]
                if m.sender_id == user.pk
                else [],
            }
            for m in thread.messages
        ],
    }


@router.post(
    "/messages",
    response={201: ThreadOut, **REFUSED, **AUTH_ERRORS, **NOT_FOUND, **INVALID},
    summary="Start a conversation",
    description=(
        "`to`: ids of people the caller may write to (see `/messages/recipients`); anybody "
        "else answers 404, as for a person who does not exist, and nothing is written."
    ),
)
def conversation_create(request: HttpRequest, payload: NewConversationIn) -> Status:
    user = person(request)
    try:
        conversation = services.conversation_start(
            sender=user, recipient_ids=payload.to, subject=payload.subject, body=payload.body
        )
    except DomainError as exc:
        if exc.code == "not_correspondent":  # somebody the caller may not see: as missing
            raise Http404 from exc
        raise
    return Status(201, _thread_out(user, selectors.thread(user, conversation)))


def _conversation(user: Any, pk: int) -> Any:
    found = selectors.conversation_for(user, pk)
    if found is None:
        raise Http404
    return found


@router.get(
    "/messages/{conversation_id}",
    response={200: ThreadOut, **AUTH_ERRORS, **NOT_FOUND, **INVALID},
    summary="A conversation's messages (marks it read)",
    description="The last 100 messages, or all with `all=true`. 404 unless a participant.",
)
def conversation_get(
    request: HttpRequest,
    conversation_id: int = Path(..., ge=1, le=MAX_ID),
    show_all: bool = Query(False, alias="all"),
) -> dict[str, Any]:
    user = person(request)
    conversation = _conversation(user, conversation_id)
    thread = selectors.thread(user, conversation, show_all=show_all)
    services.conversation_read(user=user, conversation=conversation)
    return _thread_out(user, thread)


@router.post(
    "/messages/{conversation_id}",
    response={201: MessageOut, **REFUSED, **AUTH_ERRORS, **NOT_FOUND, **INVALID},
    summary="Answer in a conversation",
)
def conversation_answer(
    request: HttpRequest, payload: AnswerIn, conversation_id: int = Path(..., ge=1, le=MAX_ID)
) -> Status:
    user = person(request)
    conversation = _conversation(user, conversation_id)
    message = services.message_send(sender=user, conversation=conversation, body=payload.body)
    return Status(
        201,
        {
            "id": message.pk,
            "sender": _person(user),
            "body": message.body,
            "created_at": message.created_at,
            "files": [],
            "read_by": [],
        },
    )


def _announcement_out(item: Any) -> dict[str, Any]:
    return {
        "id": item.pk,
        "title": item.title,
        "body": item.body,
        "school": item.organization.short_name,
        "audience": item.audience,
        "audience_label": item.audience_label,
        "school_class": item.school_class.name if item.school_class else "",
        "author": _person(item.author),
        "created_at": item.created_at,
    }


@router.get(
    "/announcements",
    response={200: AnnouncementPage, **AUTH_ERRORS, **INVALID},
    summary="The caller's announcements, the newest first",
)
def announcement_list(
    request: HttpRequest,
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=MAX_ID),
) -> dict[str, Any]:
    found = selectors.announcements_for(person(request))
    return {
        "items": [_announcement_out(a) for a in found[offset : offset + limit]],
        "count": found.count(),
    }


@router.get(
    "/announcements/{announcement_id}",
    response={200: AnnouncementOut, **AUTH_ERRORS, **NOT_FOUND, **INVALID},
    summary="One announcement",
    description="404 unless the caller is in its group (or the school's administration).",
)
def announcement_get(
    request: HttpRequest, announcement_id: int = Path(..., ge=1, le=MAX_ID)
) -> dict[str, Any]:
    item = selectors.announcements_for(person(request)).filter(pk=announcement_id).first()
    if item is None:
        raise Http404
    return _announcement_out(item)
