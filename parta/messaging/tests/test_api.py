"""MSG-1, MSG-2 through /api/v1/ (the mobile app): the same rules as the pages."""

from __future__ import annotations

import pytest
from django.test import Client

from parta.messaging import services
from parta.messaging.models import Audience, Conversation

pytestmark = pytest.mark.django_db


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_a_conversation_through_the_api(journal):
    cast = journal.cast
    parent = _client(cast.parent)
    found = parent.get("/api/v1/messages/recipients", {"q": "Смирнова О"}).json()
    assert [r["id"] for r in found] == [cast.class_teacher.pk]
    created = parent.post(
        "/api/v1/messages",
        {"to": [cast.class_teacher.pk], "subject": "Вопрос", "body": "Когда собрание?"},
        content_type="application/json",
    )
    assert created.status_code == 201
    conversation_id = created.json()["id"]
    teacher = _client(cast.class_teacher)
    assert teacher.get("/api/v1/messages/unread").json()["conversations"] == 1
    listed = teacher.get("/api/v1/messages", {"unread": "true"}).json()
    assert listed["count"] == 1
    assert listed["items"][0]["others"] == [
        {"id": cast.parent.pk, "name": "Петрова Анна Сергеевна"}
    ]
    thread = teacher.get(f"/api/v1/messages/{conversation_id}").json()
    assert [m["body"] for m in thread["messages"]] == ["Когда собрание?"]
    assert teacher.get("/api/v1/messages/unread").json()["conversations"] == 0
    answer = teacher.post(
        f"/api/v1/messages/{conversation_id}",
        {"body": "В четверг"},
        content_type="application/json",
    )
    assert answer.status_code == 201
    mine = parent.get(f"/api/v1/messages/{conversation_id}").json()["messages"][0]
    assert mine["read_by"] == [{"id": cast.class_teacher.pk, "name": "Смирнова Ольга Петровна"}]


def test_writing_to_a_stranger_through_the_api_is_404_and_writes_nothing(journal):
    cast = journal.cast
    response = _client(cast.parent).post(
        "/api/v1/messages",
        {"to": [cast.other_teacher.pk], "body": "Привет"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert Conversation.objects.count() == 0


def test_announcements_through_the_api(journal):
    cast = journal.cast
    item = services.announcement_publish(
        author=cast.class_teacher,
        audience=Audience.CLASS_PARENTS,
        school_class=cast.school_class,
        title="Собрание",
        body="В четверг",
    )
    listed = _client(cast.parent).get("/api/v1/announcements").json()
    assert [a["id"] for a in listed["items"]] == [item.pk]
    assert listed["items"][0]["audience_label"] == "родители 5А класса"
    assert _client(cast.student).get(f"/api/v1/announcements/{item.pk}").status_code == 404
