"""NTF-1, NTF-4: the in-app inbox — a person's own notifications, newest first, in the
reader's language, marked read one by one or all at once, with an unread badge in the header
that costs one small COUNT and only on pages that render it."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from parta.core import events
from parta.notifications import selectors
from parta.notifications.models import Notification

TITLE = gettext_noop("Урок отменён: %(subject)s, %(class)s, %(date)s, %(number)s-й урок")
PARAMS = {"subject": "Математика", "class": "5А", "date": "07.12.2026", "number": 1}


def _note(person, n: int = 0, **kw) -> Notification:
    return Notification.objects.create(
        recipient=person,
        kind=kw.pop("kind", "schedule_change"),
        title=kw.pop("title", TITLE),
        params=kw.pop("params", PARAMS),
        url=kw.pop("url", "/timetable/"),
        key=kw.pop("key", f"test:{person.pk}:{n}"),
        **kw,
    )


def test_inbox_lists_own_notifications_newest_first(cast, client):
    older = _note(cast.parent, 1)
    Notification.objects.filter(pk=older.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=2)
    )
    newer = _note(cast.parent, 2, params={**PARAMS, "subject": "Русский язык"})
    _note(cast.other_parent, 3)
    client.force_login(cast.parent)
    response = client.get(reverse("inbox"))
    assert [n.pk for n, *_ in response.context["items"]] == [newer.pk, older.pk]
    body = response.content.decode()
    assert "Урок отменён: Русский язык, 5А, 07.12.2026, 1-й урок" in body


def test_title_is_rendered_in_the_readers_language_and_falls_back_to_the_msgid():
    with translation.override("ru"):
        assert (
            selectors.render_message(TITLE, PARAMS)
            == "Урок отменён: Математика, 5А, 07.12.2026, 1-й урок"
        )
    # Parameters that do not fit the text: the msgid is shown, never an error.
    assert selectors.render_message(TITLE, {"subject": "Математика"}) == TITLE
    assert selectors.render_message("Просто текст", {}) == "Просто текст"
    assert selectors.render_message("", PARAMS) == ""


def test_title_uses_the_catalogue_of_the_reader(cast, client):
    """The stored msgid is translated when shown: a Kazakh reader gets the Kazakh text."""
    _note(cast.parent, title="Класс %(cls)s", params={"cls": "5А"})
    client.force_login(cast.parent)
    client.cookies["parta_language"] = "kk"
    body = client.get(reverse("inbox")).content.decode()
    assert "5А сыныбы" in body
    client.cookies["parta_language"] = "ru"
    assert "Класс 5А" in client.get(reverse("inbox")).content.decode()


def test_opening_a_notification_marks_it_read_and_follows_its_link(cast, client):
    note = _note(cast.parent, url="/timetable/class/1/?date=2026-12-07")
    client.force_login(cast.parent)
    response = client.get(reverse("inbox_open", args=[note.pk]))
    assert (
        response.status_code == 302
        and response["Location"] == "/timetable/class/1/?date=2026-12-07"
    )
    note.refresh_from_db()
    assert note.read_at is not None


def test_a_link_outside_parta_is_not_followed(cast, client):
    note = _note(cast.parent, url="https://evil.example.com/")
    client.force_login(cast.parent)
    response = client.get(reverse("inbox_open", args=[note.pk]))
    assert response["Location"] == reverse("inbox")


def test_mark_one_and_all_read(cast, client):
    notes = [_note(cast.parent, n) for n in range(3)]
    foreign = _note(cast.other_parent, 9)
    client.force_login(cast.parent)
    assert client.post(reverse("inbox_read", args=[notes[0].pk])).status_code == 302
    assert Notification.objects.visible_to(cast.parent).unread().count() == 2
    assert client.post(reverse("inbox_read_all")).status_code == 302
    assert Notification.objects.filter(recipient=cast.parent, read_at__isnull=True).count() == 0
    foreign.refresh_from_db()
    assert foreign.read_at is None


def test_someone_elses_notification_is_not_found(cast, client):
    foreign = _note(cast.other_parent)
    client.force_login(cast.parent)
    assert client.get(reverse("inbox_open", args=[foreign.pk])).status_code == 404
    assert client.post(reverse("inbox_read", args=[foreign.pk])).status_code == 404
    foreign.refresh_from_db()
    assert foreign.read_at is None


def test_unread_filter_and_badge(cast, client):
    read = _note(cast.parent, 1, read_at=timezone.now())
    unread = _note(cast.parent, 2)
    client.force_login(cast.parent)
    response = client.get(reverse("inbox") + "?show=unread")
    assert [n.pk for n, *_ in response.context["items"]] == [unread.pk]
    assert read.pk not in [n.pk for n, *_ in response.context["items"]]
    home = client.get(reverse("parent_home")).content.decode()
    assert 'class="inbox-count" aria-hidden="true">1<' in home
    assert "1 непрочитанное" in home


def test_inbox_costs_the_same_with_many_notifications(cast, client, django_assert_max_num_queries):
    _note(cast.parent, 0, child=cast.student)
    client.force_login(cast.parent)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("inbox"))
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=cast.parent,
                kind="homework",
                title=gettext_noop("Домашнее задание: %(subject)s, сдать к %(due)s"),
                params={"subject": "Математика", "due": "08.12.2026"},
                key=f"bulk:{n}",
                child=cast.student,
            )
            for n in range(80)
        ]
    )
    with django_assert_max_num_queries(len(small)):
        response = client.get(reverse("inbox"))
    assert len(response.context["items"]) == 30
    assert response.context["page"].paginator.num_pages == 3
    assert "о ребёнке: Петров М. И." in response.content.decode()


def test_event_lands_in_the_inbox_with_the_change_and_once(
    cast, django_capture_on_commit_callbacks
):
    """The inbox rows are written in the emitter's transaction (one COMMIT with the change);
    the same key delivers nothing twice."""
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            events.emit(
                "homework",
                recipients=[cast.parent.pk, cast.student.pk],
                title=TITLE,
                params=PARAMS,
                key="hw:1",
            )
        assert Notification.objects.count() == 2
    assert Notification.objects.count() == 2


def test_a_rolled_back_change_leaves_no_message(cast, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        events.emit("homework", recipients=[cast.parent.pk], title=TITLE, params=PARAMS)
        assert Notification.objects.count() == 1
        raise RuntimeError("the change fails after its event")
    assert not Notification.objects.exists()
    assert not callbacks  # nor does anything leave by the channels


@pytest.mark.parametrize("member", ["student", "parent", "class_teacher", "director", "official"])
def test_every_member_has_an_inbox_page(cast, client, member):
    client.force_login(cast.members[member])
    response = client.get(reverse("inbox"))
    assert response.status_code == 200
    assert "Уведомлений пока нет" in response.content.decode()
