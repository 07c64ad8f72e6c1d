"""Events become inbox messages, one per recipient, once (``key``): written inside the
emitter's transaction, so a new mark and its messages to the student and the parents are one
COMMIT, and a change rolled back leaves no message behind."""

from __future__ import annotations

from parta.core import events
from parta.notifications.models import Notification


@events.subscribe_in_transaction
def to_inbox(event: events.Event) -> None:
    rows = [
        Notification(
            recipient_id=pk,
            kind=event.kind,
            title=event.title,
            body=event.body,
            params=dict(event.params),
            url=event.url,
            key=event.key,
            organization_id=event.organization_id,
            child_id=event.child_ids.get(pk),
        )
        for pk in event.recipients
    ]
    Notification.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=bool(event.key))
