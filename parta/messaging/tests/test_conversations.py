"""MSG-1: conversations with attachments and read state; what others may not see is 404."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from parta import factories as f
from parta.core.errors import DomainError
from parta.messaging import services
from parta.messaging.models import Attachment, Conversation, Message
from parta.messaging.selectors import unread_count
from parta.notifications.models import Notification

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_a_parent_writes_to_the_class_teacher_with_a_file(
    journal, django_capture_on_commit_callbacks
):
    """MSG-1: the new-message form: recipient, text, an attachment checked by content."""
    cast = journal.cast
    client = _client(cast.parent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("message_new"),
            {
                "to": [cast.class_teacher.pk],
                "subject": "Справка",
                "body": "Миша болел, справка во вложении.",
                "attachments": [SimpleUploadedFile("spravka.pdf", PDF, "application/pdf")],
                "send": "1",
            },
        )
    conversation = Conversation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("conversation", args=[conversation.pk])
    message = Message.objects.get()
    assert message.body == "Миша болел, справка во вложении."
    attachment = Attachment.objects.get()
    assert (attachment.name, attachment.content_type) == ("spravka.pdf", "application/pdf")
    # The class teacher is told in the inbox, the badge counts one unread conversation.
    note = Notification.objects.get(recipient=cast.class_teacher, kind="message")
    assert note.url == reverse("conversation", args=[conversation.pk])
    assert unread_count(cast.class_teacher) == 1
    assert unread_count(cast.parent) == 0
    teacher = _client(cast.class_teacher)
    page = teacher.get(reverse("conversation", args=[conversation.pk]))
    assert "Миша болел" in page.content.decode()
    assert unread_count(cast.class_teacher) == 0
    note.refresh_from_db()
    assert note.read_at is not None  # the inbox's copy is read too
    download = teacher.get(reverse("message_attachment", args=[conversation.pk, attachment.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Security-Policy"] == "sandbox; default-src 'none'"
    # The parent sees that the teacher has read it.
    assert (
        "Прочитано: Смирнова О. П."
        in client.get(reverse("conversation", args=[conversation.pk])).content.decode()
    )


def test_nobody_else_sees_the_conversation_or_its_files(journal):
    cast = journal.cast
    conversation = services.conversation_start(
        sender=cast.parent,
        recipient_ids=[cast.class_teacher.pk],
        subject="",
        body="Здравствуйте",
        files=[_checked_pdf()],
    )
    attachment = Attachment.objects.get()
    for outsider in (cast.other_parent, cast.director, cast.student, cast.operator):
        client = _client(outsider)
        assert client.get(reverse("conversation", args=[conversation.pk])).status_code == 404
        assert (
            client.get(
                reverse("message_attachment", args=[conversation.pk, attachment.pk])
            ).status_code
            == 404
        )
        assert (
            client.post(
                reverse("conversation", args=[conversation.pk]), {"body": "чужое"}
            ).status_code
            == 404
        )
    assert Message.objects.count() == 1


def _checked_pdf():  # type: ignore[no-untyped-def]
    from parta.core.uploads import PDF as PDF_KIND

    upload = SimpleUploadedFile("scan.pdf", PDF, "application/pdf")
    upload.parta_kind = PDF_KIND
    upload.parta_original_name = "scan.pdf"
    return upload


def test_writing_to_somebody_outside_the_relation_is_refused_and_writes_nothing(journal):
    cast = journal.cast
    with pytest.raises(DomainError):
        services.conversation_start(
            sender=cast.parent,
            recipient_ids=[cast.class_teacher.pk, cast.other_parent.pk],
            subject="",
            body="Привет",
        )
    assert Conversation.objects.count() == 0
    # Through the form: the text stays, the reason is shown.
    response = _client(cast.parent).post(
        reverse("message_new"),
        {"to": [cast.other_teacher.pk], "subject": "Тема", "body": "Мой текст", "send": "1"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Этим людям написать нельзя" in page
    assert "Мой текст" in page and 'value="Тема"' in page
    assert Conversation.objects.count() == 0


def test_a_file_is_checked_by_content_not_by_name(journal):
    cast = journal.cast
    response = _client(cast.parent).post(
        reverse("message_new"),
        {
            "to": [cast.class_teacher.pk],
            "body": "Смотрите файл",
            "attachments": [
                SimpleUploadedFile("spravka.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
            ],
            "send": "1",
        },
    )
    page = response.content.decode()
    assert "проверено по содержимому" in page
    assert "Смотрите файл" in page
    assert Conversation.objects.count() == 0


def test_the_form_without_script_finds_and_removes_recipients(journal):
    """MSG-1 without JavaScript: "Find" shows the matches as checkboxes, "Remove" drops one."""
    cast = journal.cast
    client = _client(cast.parent)
    page = client.post(
        reverse("message_new"), {"q": "Смирнова", "find": "1", "body": "Черновик"}
    ).content.decode()
    assert f'name="to" value="{cast.class_teacher.pk}" id="match-' in page
    assert "Черновик" in page
    page = client.post(
        reverse("message_new"),
        {"to": [cast.class_teacher.pk, cast.director.pk], "remove": str(cast.director.pk)},
    ).content.decode()
    assert f'type="hidden" name="to" value="{cast.class_teacher.pk}"' in page
    assert f'type="hidden" name="to" value="{cast.director.pk}"' not in page
    # ?to= starts with somebody chosen (a link from another page).
    page = client.get(reverse("message_new"), {"to": cast.class_teacher.pk}).content.decode()
    assert "Смирнова Ольга Петровна" in page


def test_answers_keep_read_state_per_participant(journal):
    cast = journal.cast
    conversation = services.conversation_start(
        sender=cast.class_teacher,
        recipient_ids=[cast.parent.pk],
        subject="Экскурсия",
        body="Нужна подпись",
    )
    assert unread_count(cast.parent) == 1
    services.conversation_read(user=cast.parent, conversation=conversation)
    assert unread_count(cast.parent) == 0
    services.message_send(sender=cast.parent, conversation=conversation, body="Подпишу")
    assert unread_count(cast.class_teacher) == 1
    assert unread_count(cast.parent) == 0
    conversation.refresh_from_db()
    assert conversation.last_message.body == "Подпишу"


def test_the_list_and_the_thread_keep_a_fixed_number_of_queries(
    journal, django_assert_max_num_queries
):
    """Lists keep a fixed number of SQL queries whatever the number of conversations."""
    cast = journal.cast
    client = _client(cast.class_teacher)

    def grow(n: int) -> Conversation:
        last = None
        for i in range(n):
            parent = f.UserFactory()
            f.GuardianshipFactory(guardian=parent, child=cast.student)
            last = services.conversation_start(
                sender=cast.class_teacher,
                recipient_ids=[parent.pk, cast.parent.pk],
                subject=f"Тема {i}",
                body="Текст",
                files=[_checked_pdf()],
            )
            services.message_send(sender=parent, conversation=last, body="Ответ")
        assert last is not None
        return last

    counts = []
    for n in (2, 12):
        last = grow(n)
        with django_assert_max_num_queries(14) as small:
            assert client.get(reverse("conversations")).status_code == 200
        with django_assert_max_num_queries(16) as thread:
            assert client.get(reverse("conversation", args=[last.pk])).status_code == 200
        counts.append((len(small.captured_queries), len(thread.captured_queries)))
    assert counts[0] == counts[1]


def test_too_many_recipients_point_to_announcements(journal):
    cast = journal.cast
    with pytest.raises(DomainError, match="объявление"):
        services.conversation_start(
            sender=cast.class_teacher,
            recipient_ids=range(1, services.MAX_RECIPIENTS + 2),
            subject="",
            body="x",
        )
