"""JRN-9: who needs attention and why, the message to their parents (written into the inbox
with the change, once a day; or a conversation with them), and the class's table as .xlsx."""

from __future__ import annotations

import io
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.urls import resolve, reverse
from django.utils.html import escape
from django.utils.translation import gettext_noop

from parta.core.errors import DomainError
from parta.journal.models import Attendance, Mark
from parta.journal.selectors import attention as needs
from parta.journal.selectors import statistics as st
from parta.journal.services import attention
from parta.journal.tests.statistics_data import make_stats_data, put
from parta.notifications.models import Notification


@pytest.fixture
def data(journal):  # type: ignore[no-untyped-def]
    return make_stats_data(journal)


def _journal_ref(data, user=None):  # type: ignore[no-untyped-def]
    c = data.cast
    return st.journal_ref(
        user or c.class_teacher, class_id=c.school_class.pk, subject_id=data.journal.math.pk
    )


def _class_ref(data, user=None):  # type: ignore[no-untyped-def]
    c = data.cast
    return st.class_ref(user or c.class_teacher, class_id=c.school_class.pk)


def _reasons(items) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    return {a.student.last_name: a.codes for a in items}


# --- the rules -----------------------------------------------------------------------------
def test_each_rule_puts_its_student_on_the_journal_list(data) -> None:
    """JRN-9: falling (Петров), low and unexcused (Алексеев), missed (Яковлева)."""
    items = needs.attention_of(_journal_ref(data))
    assert _reasons(items) == {
        "Алексеев": ["low", "unexcused"],
        "Петров": ["falling"],
        "Яковлева": ["missed"],
    }
    texts = {a.student.last_name: [r.text for r in a.reasons] for a in items}
    assert texts["Петров"] == [
        "средний балл упал до 3,67 за последние 2 недели, раньше в этом периоде был 5,00"
    ]
    assert texts["Алексеев"][0] == "средний балл 2,33 — ниже 3"
    assert "без уважительной причины" in texts["Алексеев"][1]
    assert texts["Яковлева"][0].startswith("пропущено 2")


def test_a_fall_smaller_than_the_threshold_is_not_a_reason(data) -> None:
    """Recent 5 (weight 2) and 4 = 4.67 against 5.00 earlier: −0.33, not −0.5."""
    student = data.cast.student
    cut = _journal_ref(data).period.cut

    Mark.objects.filter(student=student, lesson__date__gt=cut).update(value=5)
    recent = [x for x in data.held if x.date > cut]
    Mark.objects.filter(student=student, lesson=recent[1]).update(value=4)
    # recent: 5 (w 2), 4 (w 1) = 4.67 weighted; earlier 5.00 → −0.33
    items = needs.attention_of(_journal_ref(data))
    assert "Петров" not in _reasons(items)


def test_the_fall_needs_two_marks_on_each_side(data) -> None:
    student = data.cast.student
    earliest = min(data.held[:4], key=lambda x: x.date)
    Mark.objects.filter(student=student, lesson=earliest).delete()
    items = needs.attention_of(_journal_ref(data))
    assert "Петров" not in _reasons(items)


def test_the_missed_lessons_rule_counts_from_a_fifth(data) -> None:
    held = len(data.held)
    sick = Mark.objects.filter(student=data.ill, attendance=Attendance.SICK)
    assert sick.count() * 100 >= 20 * held
    sick.filter(pk=sick.order_by("-lesson__date").first().pk).delete()
    assert sick.count() * 100 < 20 * held
    assert "Яковлева" not in _reasons(needs.attention_of(_journal_ref(data)))


def test_two_unexcused_absences_are_not_yet_a_reason(data) -> None:
    Mark.objects.filter(student=data.weak, attendance=Attendance.ABSENT).first().delete()
    assert _reasons(needs.attention_of(_journal_ref(data)))["Алексеев"] == ["low"]


def test_the_class_list_names_the_subject_and_counts_attendance_over_all_subjects(data) -> None:
    items = needs.attention_of(_class_ref(data))
    assert _reasons(items) == {"Алексеев": ["low", "unexcused"], "Петров": ["falling"]}
    weak = next(a for a in items if a.student.pk == data.weak.pk)
    assert weak.reasons[0].text == "Математика: средний балл 2,33 — ниже 3"
    assert weak.subjects == ["Математика"]
    # Яковлева missed a fifth of Mathematics, but not a fifth of all her lessons…
    assert "Яковлева" not in _reasons(items)
    held = len(data.held) + len(data.russian_held)
    sick = Mark.objects.filter(student=data.ill, attendance=Attendance.SICK).count()
    more = -(-held // 5) - sick  # …until she misses a fifth of them all
    for lesson in data.russian_held[:more]:
        put(lesson, data.ill, None, Attendance.SICK)
    assert _reasons(needs.attention_of(_class_ref(data)))["Яковлева"] == ["missed"]


def test_the_thresholds_are_one_constant_each(data, monkeypatch) -> None:
    """JRN-9: a school that catches pupils earlier changes one constant."""
    assert _reasons(needs.attention_of(_journal_ref(data)))["Алексеев"] == ["low", "unexcused"]
    monkeypatch.setattr(needs, "LOW_AVERAGE", Decimal("2"))
    monkeypatch.setattr(needs, "UNEXCUSED_LIMIT", 4)
    monkeypatch.setattr(needs, "FALLING_BY", Decimal("2"))
    assert _reasons(needs.attention_of(_journal_ref(data))) == {"Яковлева": ["missed"]}
    monkeypatch.setattr(needs, "MISSED_SHARE", Decimal("50"))
    assert needs.attention_of(_journal_ref(data)) == []


# --- writing to the parents ------------------------------------------------------------------
def test_notify_delivers_into_the_parents_inbox(data, django_capture_on_commit_callbacks) -> None:
    """JRN-9: one message per parent, kind "attention", the subject and the reasons in params."""
    c = data.cast
    with django_capture_on_commit_callbacks(execute=True):
        sent = attention.attention_notify(
            actor=c.class_teacher, scope=_journal_ref(data), student_ids=[c.student.pk]
        )
    assert sent.parents == 1 and sent.students == 1
    message = Notification.objects.get(kind="attention")
    assert message.recipient == c.parent and message.child == c.student
    assert message.title == gettext_noop("Нужно внимание: %(student)s, %(subject)s")
    assert message.params["subject"] == "Математика"
    assert message.params["reasons"] == ["falling"]
    assert message.params["recent"] == "3,67" and message.params["earlier"] == "5,00"
    assert message.organization_id == c.school.pk
    link = urlsplit(message.url)
    assert resolve(link.path).url_name == "diary_record"
    assert link.query == f"child={c.student.pk}"
    assert message.key == (
        f"attention:j{c.school_class.pk}.{data.journal.math.pk}.{data.journal.term2.pk}"
        f":{c.student.pk}:{data.journal.today.isoformat()}"
    )
    assert str(message.title) % message.params == "Нужно внимание: Петров Миша, Математика"
    assert "просит обратить внимание" in message.body % message.params


def test_a_second_click_the_same_day_does_not_write_again(
    data, django_capture_on_commit_callbacks
) -> None:
    c = data.cast
    scope = _journal_ref(data)
    with django_capture_on_commit_callbacks(execute=True):
        attention.attention_notify(actor=c.class_teacher, scope=scope, student_ids=[c.student.pk])
    with django_capture_on_commit_callbacks(execute=True):
        again = attention.attention_notify(
            actor=c.class_teacher, scope=scope, student_ids=[c.student.pk, data.weak.pk]
        )
    assert again.already == 1 and again.students == 1 and again.parents == 1
    assert Notification.objects.filter(kind="attention", recipient=c.parent).count() == 1
    assert Notification.objects.filter(kind="attention").count() == 2


def test_the_class_teachers_message_is_another_than_the_subject_teachers(
    data, django_capture_on_commit_callbacks
) -> None:
    c = data.cast
    with django_capture_on_commit_callbacks(execute=True):
        attention.attention_notify(
            actor=c.class_teacher, scope=_journal_ref(data), student_ids=[c.student.pk]
        )
        sent = attention.attention_notify(
            actor=c.class_teacher, scope=_class_ref(data), student_ids=[c.student.pk]
        )
    assert sent.parents == 1
    titles = set(Notification.objects.filter(kind="attention").values_list("title", flat=True))
    assert titles == {attention.TITLE_JOURNAL, attention.TITLE_CLASS}
    by_class = Notification.objects.get(title=attention.TITLE_CLASS)
    assert by_class.params["subject"] == "Математика"


def test_notify_refuses_students_not_on_the_list_and_says_who_has_no_parents(
    data, django_capture_on_commit_callbacks
) -> None:
    c = data.cast
    scope = _journal_ref(data)
    with pytest.raises(DomainError, match="не нужно особое внимание"):
        attention.attention_notify(actor=c.class_teacher, scope=scope, student_ids=[data.quiet.pk])
    with pytest.raises(DomainError, match="Отметьте учеников"):
        attention.attention_notify(actor=c.class_teacher, scope=scope, student_ids=[])
    # Борисов falls below 3 and has no parent in Parta.
    put(data.held[-1], data.quiet, 2)
    with django_capture_on_commit_callbacks(execute=True):
        sent = attention.attention_notify(
            actor=c.class_teacher, scope=scope, student_ids=[data.quiet.pk, c.far_student.pk]
        )
    assert sent.without_parents == [data.quiet] and sent.parents == 0
    assert sent.skipped == 1  # a student of another school is simply not on the list
    assert not Notification.objects.filter(kind="attention").exists()


def test_the_page_sends_to_the_chosen_and_says_to_how_many_parents(
    data, client, django_capture_on_commit_callbacks
) -> None:
    c = data.cast
    client.force_login(c.class_teacher)
    url = reverse("class_stats_attention", args=[c.school_class.pk])
    page = client.get(url)
    assert [a.student.last_name for a in page.context["items"]] == ["Алексеев", "Петров"]
    assert "Что получат родители" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"students": [c.student.pk, data.weak.pk]})
    assert response.status_code == 302
    text = client.get(response["Location"]).content.decode()  # after the commit
    assert "Сообщение отправлено в Парте 2 родителям (учеников: 2)." in text
    assert set(
        Notification.objects.filter(kind="attention").values_list("recipient", flat=True)
    ) == {c.parent.pk, data.weak.guardians.get().guardian_id}
    assert "сегодня уже написали" in text
    # The row's own button, again the same day: nothing new, and the page says so.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"one": c.student.pk})
    text = client.get(response["Location"]).content.decode()
    assert "сегодня уже написали: повторно сообщение не отправлено" in text
    assert Notification.objects.filter(kind="attention").count() == 2


def test_a_row_opens_a_conversation_with_the_parents_that_they_can_answer(data, client) -> None:
    """JRN-9 with MSG-1: the row's link opens a new conversation with the student's parents in
    Parta, the message written (the teacher may change it); sent, it is a conversation the
    parent reads and answers."""
    from parta.messaging.models import Conversation

    c = data.cast
    client.force_login(c.class_teacher)
    page = client.get(
        reverse("journal_stats_attention", args=[c.school_class.pk, data.journal.math.pk])
    )
    item = next(a for a in page.context["items"] if a.student.pk == c.student.pk)
    assert item.guardian_ids == [c.parent.pk]
    link = urlsplit(item.conversation_url)
    assert resolve(link.path).url_name == "message_new"
    assert f'href="{escape(item.conversation_url)}"' in page.content.decode()
    compose = client.get(item.conversation_url)
    assert compose.status_code == 200
    assert [p.pk for p in compose.context["chosen"]] == [c.parent.pk]
    form = compose.context["form"]
    assert form["subject"].value() == "Нужно внимание: Петров Миша, Математика"
    assert "просит обратить внимание на учёбу по предмету «Математика»" in form["body"].value()
    assert escape(form["subject"].value()) in compose.content.decode()

    response = client.post(
        reverse("message_new"),
        {"to": [c.parent.pk], "subject": form["subject"].value(), "body": form["body"].value()},
    )
    assert response.status_code == 302
    conversation = Conversation.objects.get()
    client.force_login(c.parent)
    thread = client.get(reverse("conversation", args=[conversation.pk]))
    assert thread.status_code == 200
    assert "просит обратить внимание" in thread.content.decode()
    answer = client.post(reverse("conversation", args=[conversation.pk]), {"body": "Спасибо!"})
    assert answer.status_code == 302
    assert conversation.messages.count() == 2


def test_the_page_keeps_the_ticks_when_it_refuses(data, client) -> None:
    c = data.cast
    client.force_login(c.class_teacher)
    url = reverse("journal_stats_attention", args=[c.school_class.pk, data.journal.math.pk])
    response = client.post(url, {"students": [data.quiet.pk, "x"]})
    assert response.status_code == 400
    assert response.context["selected"] == {data.quiet.pk}
    assert "не нужно особое внимание" in response.content.decode()
    response = client.post(url, {})
    assert "Отметьте учеников" in response.content.decode()


def test_nobody_outside_the_journal_can_send(data, client) -> None:
    c = data.cast
    for person in (data.journal.russian_teacher, c.parent, c.other_teacher):
        client.force_login(person)
        url = reverse("journal_stats_attention", args=[c.school_class.pk, data.journal.math.pk])
        assert client.post(url, {"one": c.student.pk}).status_code == 404
    assert not Notification.objects.filter(kind="attention").exists()


# --- the table as .xlsx -------------------------------------------------------------------------
def test_the_xlsx_has_the_same_numbers_as_the_page(data, client) -> None:
    from openpyxl import load_workbook

    c = data.cast
    client.force_login(c.class_teacher)
    response = client.get(reverse("class_stats_export", args=[c.school_class.pk]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[3]]
    assert header[:4] == ["№", "Ученик", "Математика", "Русский язык"]
    lines = {row[1]: row for row in sheet.iter_rows(min_row=4, values_only=True) if row[0]}
    student = lines[c.student.full_name]
    assert student[2:5] == (4.2, 4.0, 4.1)
    weak = lines[data.weak.full_name]
    assert weak[2] == pytest.approx(2.33) and weak[3] is None
    stats = st.class_statistics(_class_ref(data))
    ill = next(r for r in stats.rows if r.student.pk == data.ill.pk)
    assert lines[data.ill.full_name][5:7] == (ill.missed, float(ill.missed_percent))
    subjects = book.worksheets[1]
    math_line = next(subjects.iter_rows(min_row=4, max_row=4, values_only=True))
    assert math_line[0] == "Математика" and math_line[4] == 3.5
    assert math_line[5] == pytest.approx(42.9) and math_line[6] == pytest.approx(71.4)


def test_the_xlsx_writes_names_as_text_never_as_formulas(data, client) -> None:
    from openpyxl import load_workbook

    c = data.cast
    data.quiet.last_name = '=HYPERLINK("http://evil")'
    data.quiet.save(update_fields=["last_name"])
    client.force_login(c.class_teacher)
    response = client.get(reverse("class_stats_export", args=[c.school_class.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    cells = [row[1] for row in sheet.iter_rows(min_row=4)]
    evil = next(cell for cell in cells if str(cell.value).startswith("="))
    assert evil.data_type == "s"
