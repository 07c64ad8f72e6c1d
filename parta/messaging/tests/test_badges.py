"""NTF-1, MSG-1: the header's badges cost one query together, and only when rendered."""

from __future__ import annotations

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext

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
    # Two unread notifications (the messages' own reach the inbox only after a commit, which
    # this test's transaction never makes), two unread conversations (the parent's own is read).
    assert rendered == "2 2 2 2"
    assert len(used) == 1 and used[0]["sql"].upper().count("COUNT") == 2
