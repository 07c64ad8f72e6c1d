"""MSG-2, NTF-4: announcements to a group reach each member through the events path."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from parta.core.errors import DomainError
from parta.messaging import services
from parta.messaging.models import Announcement, Audience
from parta.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_a_class_teacher_writes_to_the_parents_of_the_class(
    journal, django_capture_on_commit_callbacks
):
    """MSG-2: class teacher → the parents of their class; the inbox of each, about the child."""
    cast = journal.cast
    client = _client(cast.class_teacher)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("announcement_new"),
            {
                "audience": Audience.CLASS_PARENTS,
                "school_class": cast.school_class.pk,
                "title": "Родительское собрание",
                "body": "В четверг в 18:00, кабинет 12.",
            },
        )
    item = Announcement.objects.get()
    assert response.status_code == 302
    assert item.recipients == 1
    note = Notification.objects.get(kind="announcement")
    assert (note.recipient, note.child) == (cast.parent, cast.student)
    assert note.url == reverse("announcement", args=[item.pk])
    # Members of the group read it; others get 404.
    assert "кабинет 12" in _client(cast.parent).get(note.url).content.decode()
    for outsider in (cast.student, cast.other_parent, cast.other_teacher):
        assert _client(outsider).get(note.url).status_code == 404
    assert (
        "Родительское собрание"
        in _client(cast.parent).get(reverse("announcements")).content.decode()
    )


def test_a_class_teacher_may_not_write_to_the_whole_school_or_another_class(journal):
    cast = journal.cast
    with pytest.raises(DomainError):
        services.announcement_publish(
            author=cast.class_teacher, audience=Audience.SCHOOL, title="t", body="b"
        )
    with pytest.raises(DomainError):
        services.announcement_publish(
            author=cast.class_teacher,
            audience=Audience.CLASS,
            school_class=cast.other_class,
            title="t",
            body="b",
        )
    # The form offers only the class audiences, and only their class.
    page = _client(cast.class_teacher).get(reverse("announcement_new")).content.decode()
    assert 'value="school"' not in page
    assert f'value="{cast.other_class.pk}"' not in page
    assert Announcement.objects.count() == 0
    # A person who may announce nothing gets 404 for the form.
    assert _client(cast.parent).get(reverse("announcement_new")).status_code == 404


def test_the_director_writes_to_staff_and_to_the_whole_school(
    journal, django_capture_on_commit_callbacks
):
    """MSG-2: the administration writes to all staff, or to the whole school."""
    cast = journal.cast
    with django_capture_on_commit_callbacks(execute=True):
        staff = services.announcement_publish(
            author=cast.director, audience=Audience.STAFF, title="Педсовет", body="В пятницу."
        )
        school = services.announcement_publish(
            author=cast.director, audience=Audience.SCHOOL, title="Субботник", body="В субботу."
        )
    staff_told = set(
        Notification.objects.filter(key=f"announcement:{staff.pk}").values_list(
            "recipient__username", flat=True
        )
    )
    assert staff_told == {"klassruk", "rusist"}  # not the unconfirmed teacher, not the author
    school_told = set(
        Notification.objects.filter(key=f"announcement:{school.pk}").values_list(
            "recipient__username", flat=True
        )
    )
    assert {"klassruk", "rusist", "uchenik", "roditel", "drugoy", "roditel2"} == school_told
    # The staff announcement is not the students' business.
    assert _client(cast.student).get(reverse("announcement", args=[staff.pk])).status_code == 404
    assert _client(cast.student).get(reverse("announcement", args=[school.pk])).status_code == 200


def test_a_refused_announcement_keeps_what_was_typed(journal):
    cast = journal.cast
    page = (
        _client(cast.class_teacher)
        .post(
            reverse("announcement_new"),
            {"audience": Audience.CLASS, "title": "Заголовок", "body": "Мой длинный текст"},
        )
        .content.decode()
    )
    assert "Выберите класс из списка." in page
    assert "Мой длинный текст" in page and 'value="Заголовок"' in page


def test_the_list_of_announcements_keeps_a_fixed_number_of_queries(
    journal, django_assert_max_num_queries
):
    cast = journal.cast
    client = _client(cast.parent)
    counts = []
    for n in (2, 20):
        for i in range(n):
            services.announcement_publish(
                author=cast.class_teacher,
                audience=Audience.CLASS,
                school_class=cast.school_class,
                title=f"Объявление {i}",
                body="Текст",
            )
        with django_assert_max_num_queries(12) as captured:
            assert client.get(reverse("announcements")).status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
