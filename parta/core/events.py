"""One small interface between the apps where things happen and the app that tells people.

An app that changes something people must hear about (a lesson cancelled, a substitution, a
new grade) calls ``emit`` inside its transaction; the event is handed to every receiver only
after the transaction commits, so a rolled-back change never announces itself. A receiver
that only writes rows of the same database may instead run inside the emitter's
transaction (``subscribe_in_transaction``): its rows commit, or roll back, with the change
itself, in the same COMMIT. The notifications app registers both kinds — the in-app inbox
inside the transaction, the channels a person chose (email, SMS, push) after it; it never
imports the apps that emit.

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
_in_transaction: list[Receiver] = []


def subscribe(receiver: Receiver) -> Receiver:
    """Register a function called with every event after its transaction commits."""
    if receiver not in _receivers:
        _receivers.append(receiver)
    return receiver


def subscribe_in_transaction(receiver: Receiver) -> Receiver:
    """Register a function called with every event at once, inside the emitter's
    transaction: only for receivers that write rows of this database and nothing else (no
    message leaves, no task is queued), so that a rolled-back change takes their rows with
    it. Saves the receiver a transaction and a COMMIT of its own on every event; an error in
    it fails the change, which is then not made."""
    if receiver not in _in_transaction:
        _in_transaction.append(receiver)
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
    """Announce ``kind`` to ``recipients``: to the in-transaction receivers now, to the
    others once the current transaction commits."""
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

    for receiver in list(_in_transaction):
        receiver(event)

    def deliver() -> None:
        for receiver in list(_receivers):
            receiver(event)

    transaction.on_commit(deliver)
    return event
