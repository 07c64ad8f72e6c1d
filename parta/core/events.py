"""One small interface between the apps where things happen and the app that tells people.

An app that changes something people must hear about (a lesson cancelled, a substitution, a
new grade) calls ``emit`` inside its transaction; the event is handed to every receiver only
after the transaction commits, so a rolled-back change never announces itself. The
notifications app registers the receiver that writes the in-app inbox (and, later, sends
the channels a person chose); it never imports the apps that emit.

An ``Event`` carries no secret and only plain data, so a receiver may queue it as it is.
``key`` makes delivery idempotent: the same key for the same recipient is delivered once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction


@dataclass(frozen=True)
class Event:
    """Something that happened, for ``recipients`` (person ids).

    ``kind`` is a short code (``"schedule_change"``, ``"new_grade"``…); ``title`` and
    ``body`` are the message as a template of the receivers' language: a msgid and its
    parameters, so each person reads it in their own language (``params`` fills ``%(name)s``).
    ``url`` is where the person reads more; ``child_id`` the child it is about, for parents.
    """

    kind: str
    recipients: tuple[int, ...]
    title: str
    body: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    url: str = ""
    key: str = ""
    organization_id: int | None = None
    child_ids: Mapping[int, int] = field(default_factory=dict)  # recipient -> child


Receiver = Callable[[Event], None]
_receivers: list[Receiver] = []


def subscribe(receiver: Receiver) -> Receiver:
    """Register a function called with every event after its transaction commits."""
    if receiver not in _receivers:
        _receivers.append(receiver)
    return receiver


def emit(
    kind: str,
    *,
    recipients: Iterable[int],
    title: str,
    body: str = "",
    params: Mapping[str, Any] | None = None,
    url: str = "",
    key: str = "",
    organization_id: int | None = None,
    child_ids: Mapping[int, int] | None = None,
) -> Event | None:
    """Announce ``kind`` to ``recipients`` once the current transaction commits."""
    people = tuple(sorted({int(pk) for pk in recipients if pk is not None}))
    if not people:
        return None
    event = Event(
        kind=kind,
        recipients=people,
        title=title,
        body=body,
        params=dict(params or {}),
        url=url,
        key=key,
        organization_id=organization_id,
        child_ids=dict(child_ids or {}),
    )

    def deliver() -> None:
        for receiver in list(_receivers):
            receiver(event)

    transaction.on_commit(deliver)
    return event
