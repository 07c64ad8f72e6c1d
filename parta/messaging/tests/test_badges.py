"""NTF-1, MSG-1: the header's badges cost one query together, and only when rendered."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from parta.core import access
from parta.messaging import services
from parta.messaging.context_processors import header_counts
from parta.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_both_badges_are_one_query_and_only_when_rendered(journal, rf):
    cast = journal.cast
    Notification.objects.create(recipient=cast.parent, kind="homework", title="x", key="t:1")
    Notification.objects.create(recipient=cast.parent, kind="homework", title="y", key="t:2")
    Notification.objects.create(recipient=cast.other_parent, kind="homework", title="z")
    for body in ("Первое", "Второе"):
        services.conversation_start(
            sender=cast.class_teacher, recipient_ids=[cast.parent.pk], subject="", body=body
        )
    services.conversation_start(
        sender=cast.parent, recipient_ids=[cast.class_teacher.pk], subject="", body="Моё"
    )
    request = rf.get("/")
    request.user = cast.parent
    cast.parent._parta_roles = None
    access.roles_of(cast.parent)  # roles are counted elsewhere
    with CaptureQueriesContext(connection) as unused:
        header_counts(request)
    assert len(unused) == 0
    with CaptureQueriesContext(connection) as used:
        context = header_counts(request)
        rendered = Template("{{ i.value }} {{ m.value }} {{ i.value }} {{ m.value }}").render(
            Context({"i": context["parta_inbox_unread"], "m": context["parta_messages_unread"]})
        )
    # Four unread notifications (two of their own, one for each message written to the parent:
    # the inbox is written in the message's transaction), two unread conversations (the
    # parent's own is read).
    assert rendered == "4 2 4 2"
    assert len(used) == 1 and used[0]["sql"].upper().count("COUNT") == 2


def test_the_badges_statement_counts_what_the_policies_let_each_person_see(journal):
    """NTF-1, MSG-1: the badges' hand-written statement gives, for every kind of person, the
    counts of the access engine's own querysets (unread notifications; conversations with a
    message the person has not read) — and nothing for a person with no role."""
    from parta.factories import UserFactory
    from parta.messaging import selectors
    from parta.messaging.models import Participant

    cast = journal.cast
    people = [
        cast.student,
        cast.parent,
        cast.other_parent,
        cast.class_teacher,
        cast.other_teacher,
        cast.director,
        cast.official,
        cast.operator,
        cast.pending_teacher,
        UserFactory(),  # no role at all
    ]
    for n, person in enumerate(people):
        for k in range(n % 3 + 1):
            Notification.objects.create(recipient=person, kind="homework", title="x", key=f"{k}")
    Notification.objects.filter(recipient=cast.parent, key="0").update(read_at=timezone.now())
    services.conversation_start(
        sender=cast.class_teacher, recipient_ids=[cast.parent.pk], subject="", body="Один"
    )
    services.conversation_start(
        sender=cast.director, recipient_ids=[cast.class_teacher.pk], subject="", body="Два"
    )
    # Read by the class teacher after the last message: no longer unread for them.
    Participant.objects.filter(person=cast.class_teacher).update(
        last_read_at=timezone.now() + datetime.timedelta(minutes=1)
    )
    seen = set()
    for person in people:
        person._parta_roles = None
        expected = (
            Notification.objects.visible_to(person).unread().count(),
            selectors.unread_places(person).count(),
        )
        assert selectors.badge_counts(person) == expected, person
        seen.add(expected)
    assert (0, 0) in seen and len(seen) >= 4  # the data tell the people apart
    assert selectors.badge_counts(people[-1]) == (0, 0)
    assert Notification.objects.filter(recipient=people[-1]).count() == 1
