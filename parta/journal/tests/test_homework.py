"""JRN-3: a lesson's topic, homework (sanitized rich text, links, files, due date) and
materials — written by its teacher, substitute or the administration, read by everyone who
may see the lesson; files stored privately and served only to them; homework announced once."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parta import factories as f
from parta.core.errors import DomainError
from parta.journal import richtext
from parta.journal.models import Lesson, LessonFile
from parta.journal.services import homework as service
from parta.journal.services import lessons as lesson_service
from parta.notifications.models import Notification

DAY = datetime.timedelta(days=1)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "parta.core.uploads.PrivateStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }


def _lesson(journal) -> Lesson:
    """Today's (or the last) Mathematics lesson of 5А: the class teacher teaches it."""
    return journal.past_math_lessons()[-1]


def _save(lesson, actor, **overrides):
    data = {
        "topic": "",
        "homework": "",
        "homework_due": None,
        "links": [],
        "materials": "",
    }
    data.update(overrides)
    return service.lesson_content_set(actor=actor, lesson=lesson, **data)


# --- sanitizing -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<p>Упр. 5<script>alert(1)</script></p>", "<p>Упр. 5</p>"),
        ('<img src="x" onerror="alert(1)"><p onclick="steal()">Текст</p>', "<p>Текст</p>"),
        (
            '<a href="javascript:alert(1)">ссылка</a>',
            '<a rel="noopener noreferrer nofollow">ссылка</a>',
        ),
        ('<a href=" JaVaScRiPt:alert(1)">x</a>', '<a rel="noopener noreferrer nofollow">x</a>'),
        (
            '<a href="https://resh.edu.ru/" target="_blank" rel="opener">РЭШ</a>',
            '<a href="https://resh.edu.ru/" rel="noopener noreferrer nofollow">РЭШ</a>',
        ),
        (
            '<a href="mailto:teacher@school.ru">почта</a>',
            '<a href="mailto:teacher@school.ru" rel="noopener noreferrer nofollow">почта</a>',
        ),
        (
            "<b>жирный</b> <i>курсив</i> <u>под</u>",
            "<strong>жирный</strong> <em>курсив</em> <u>под</u>",
        ),
        (
            "<ol><li>раз</li></ol><ul><li>два</li></ul>",
            "<ol><li>раз</li></ol><ul><li>два</li></ul>",
        ),
        (
            "<h1>Тема</h1><h4>Часть</h4><blockquote>Цитата</blockquote><pre><code>x=1</code></pre>",
            "<h3>Тема</h3><h4>Часть</h4><blockquote>Цитата</blockquote><pre><code>x=1</code></pre>",
        ),
        ('<div style="color:red"><span class="x">в диве</span></div>', "в диве"),
        ("<iframe src='https://evil'></iframe><style>body{}</style>Текст", "Текст"),
        ("строка 1\nстрока 2\n\nабзац", "<p>строка 1<br>строка 2</p><p>абзац</p>"),
        ("<p><br></p>", ""),
        ("", ""),
    ],
)
def test_homework_html_is_sanitized(dirty, clean):
    assert richtext.sanitize(dirty) == clean


def test_stored_homework_is_the_sanitized_html(journal):
    c = journal.cast
    lesson = _save(
        _lesson(journal),
        c.class_teacher,
        homework='<p onmouseover="x()">№ 125<script>document.cookie</script></p><a href="javascript:void(0)">x</a>',
    )
    assert lesson.homework == '<p>№ 125</p><a rel="noopener noreferrer nofollow">x</a>'
    assert "script" not in Lesson.objects.get(pk=lesson.pk).homework


# --- topic, homework, due date ------------------------------------------------------------------
def test_teacher_sets_topic_and_homework_due_by_the_next_lesson(journal):
    c = journal.cast
    lesson = _lesson(journal)
    next_math = (
        Lesson.objects.filter(
            school_class=c.school_class, subject=journal.math, date__gt=lesson.date
        )
        .order_by("date")
        .first()
    )
    assert service.homework_due_default(lesson=lesson) == next_math.date
    saved = _save(lesson, c.class_teacher, topic="  Сложение   дробей ", homework="<p>№ 12, 13</p>")
    assert saved.topic == "Сложение дробей"
    assert saved.homework_due == next_math.date
    assert saved.homework_set_at is not None


def test_due_date_is_checked(journal):
    c = journal.cast
    lesson = _lesson(journal)
    with pytest.raises(DomainError, match="не может быть раньше урока") as error:
        _save(lesson, c.class_teacher, homework="<p>x</p>", homework_due=lesson.date - DAY)
    assert error.value.field == "homework_due"
    with pytest.raises(DomainError, match="не позже конца учебного года"):
        _save(lesson, c.class_teacher, homework="<p>x</p>", homework_due=datetime.date(2027, 6, 30))


def test_links_are_validated_and_titled(journal):
    c = journal.cast
    lesson = _save(
        _lesson(journal),
        c.class_teacher,
        homework="",
        links=[
            service.LinkInput("", "resh.edu.ru/subject/lesson/7"),
            service.LinkInput("Учебник, с. 45", "https://school.example.ru/book.pdf"),
            service.LinkInput("", ""),
        ],
    )
    assert lesson.homework_links == [
        {"title": "resh.edu.ru", "url": "https://resh.edu.ru/subject/lesson/7"},
        {"title": "Учебник, с. 45", "url": "https://school.example.ru/book.pdf"},
    ]
    for bad in ("javascript:alert(1)", "ftp://files.example.ru/x", "не ссылка"):
        with pytest.raises(DomainError, match="не адрес страницы"):
            _save(_lesson(journal), c.class_teacher, links=[service.LinkInput("x", bad)])
    with pytest.raises(DomainError, match="нет адреса"):
        _save(_lesson(journal), c.class_teacher, links=[service.LinkInput("Только название", "")])


def test_homework_is_announced_once_to_the_class_and_parents(
    journal, django_capture_on_commit_callbacks
):
    c = journal.cast
    lesson = _lesson(journal)
    with django_capture_on_commit_callbacks(execute=True):
        _save(lesson, c.class_teacher, homework="<p>№ 1</p>")
    with django_capture_on_commit_callbacks(execute=True):
        _save(lesson, c.class_teacher, homework="<p>№ 1 и № 2</p>")
    notes = Notification.objects.filter(kind="homework")
    assert set(notes.values_list("recipient", flat=True)) == {c.student.pk, c.parent.pk}
    assert notes.count() == 2
    note = notes.get(recipient=c.parent)
    assert note.key == f"homework:{lesson.pk}" and note.child_id == c.student.pk
    assert note.url == reverse("lesson_detail", args=[lesson.pk])
    assert note.params["subject"] == "Математика"


def test_topic_without_homework_announces_nothing(journal, django_capture_on_commit_callbacks):
    c = journal.cast
    with django_capture_on_commit_callbacks(execute=True):
        _save(_lesson(journal), c.class_teacher, topic="Повторение")
    assert not Notification.objects.filter(kind="homework").exists()


def test_closed_term_and_cancelled_lessons_refuse_homework(journal):
    c = journal.cast
    closed = Lesson.objects.filter(term=journal.term1, subject=journal.math).first()
    with pytest.raises(DomainError, match="1 четверть закрыта"):
        _save(closed, c.class_teacher, topic="x")
    future = Lesson.objects.filter(school_class=c.school_class, date__gt=journal.today).first()
    lesson_service.lesson_cancel(actor=c.director, lesson=future)
    with pytest.raises(DomainError, match="Урок отменён"):
        _save(
            future,
            c.class_teacher if future.subject == journal.math else journal.russian_teacher,
            homework="<p>x</p>",
        )


# --- files --------------------------------------------------------------------------------------
def _upload(lesson, actor, name: str, data: bytes, purpose: str = "homework") -> LessonFile:
    from parta.journal.forms import LessonFileField

    cleaned = LessonFileField().clean(SimpleUploadedFile(name, data))
    return service.lesson_file_add(actor=actor, lesson=lesson, upload=cleaned, purpose=purpose)


def test_file_is_stored_privately_and_listed_on_the_lesson(journal, settings):
    c = journal.cast
    lesson = _lesson(journal)
    attached = _upload(lesson, c.class_teacher, "Задание Петрову.pdf", PDF)
    document = _upload(lesson, c.class_teacher, "Конспект.docx", _docx(), purpose="material")
    lesson.refresh_from_db()
    assert [x["id"] for x in lesson.files] == [attached.pk, document.pk]
    assert (
        lesson.files[0]["name"] == "Задание Петрову.pdf"
        and lesson.files[0]["purpose"] == "homework"
    )
    assert lesson.files[1]["content_type"].endswith("wordprocessingml.document")
    # Stored under a random name in the private storage, never under the person's file name.
    assert "Петров" not in attached.file.name and attached.file.name.startswith("lessons/")
    from parta.core.uploads import private_storage

    assert private_storage().exists(attached.file.name)
    # A homework file alone is homework: the due date and the announcement follow.
    assert lesson.homework_due is not None and lesson.homework_set_at is not None
    service.lesson_file_remove(actor=c.class_teacher, lesson_file=attached)
    lesson.refresh_from_db()
    assert [x["id"] for x in lesson.files] == [document.pk]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("homework.pdf", b"MZ\x90\x00 this is an executable"),
        ("archive.docx", b"PK\x03\x04 not really a zip"),
        ("script.pdf", b"%PDF-1.4 <script>alert(1)</script>"),
    ],
)
def test_file_type_is_checked_by_content(name, data):
    from django import forms

    from parta.journal.forms import LessonFileField

    with pytest.raises(forms.ValidationError, match="проверено по содержимому"):
        LessonFileField().clean(SimpleUploadedFile(name, data))


def test_file_size_is_limited(settings):
    from django import forms

    from parta.journal.forms import LessonFileField

    settings.PARTA_MAX_LESSON_FILE_BYTES = 100
    with pytest.raises(forms.ValidationError, match="а можно не больше"):
        LessonFileField().clean(SimpleUploadedFile("big.pdf", PDF + b"0" * 200))


@pytest.mark.parametrize(
    ("member", "status"),
    [
        ("student", 200),
        ("parent", 200),
        ("class_teacher", 200),
        ("director", 200),
        ("other_parent", 404),
        ("other_teacher", 404),
        ("pending_teacher", 404),
    ],
)
def test_file_is_downloaded_only_by_those_who_may_see_the_lesson(journal, client, member, status):
    c = journal.cast
    lesson = _lesson(journal)
    attached = _upload(lesson, c.class_teacher, "Задание.pdf", PDF)
    client.force_login(c.members[member])
    response = client.get(reverse("lesson_file", args=[lesson.pk, attached.pk]))
    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert "attachment" in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"


def test_file_of_another_lesson_is_not_found_through_this_one(journal, client):
    c = journal.cast
    lesson = _lesson(journal)
    attached = _upload(lesson, c.class_teacher, "Задание.pdf", PDF)
    other = Lesson.objects.filter(school_class=c.school_class).exclude(pk=lesson.pk).first()
    client.force_login(c.student)
    assert client.get(reverse("lesson_file", args=[other.pk, attached.pk])).status_code == 404


# --- the lesson page ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("member", "status", "editor"),
    [
        ("class_teacher", 200, True),
        ("director", 200, True),
        ("student", 200, False),
        ("parent", 200, False),
        ("official", 200, False),
        ("other_parent", 404, False),
        ("other_teacher", 404, False),
    ],
)
def test_lesson_page_shows_the_editor_only_to_who_may_change(
    journal, client, member, status, editor
):
    client.force_login(journal.cast.members[member])
    response = client.get(reverse("lesson_detail", args=[_lesson(journal).pk]))
    assert response.status_code == status
    if status == 200:
        assert ("data-richtext" in response.content.decode()) is editor


def test_teacher_of_another_subject_reads_but_cannot_write(journal, client):
    lesson = _lesson(journal)
    client.force_login(journal.russian_teacher)
    url = reverse("lesson_detail", args=[lesson.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"topic": "Чужая тема"}).status_code == 404
    lesson.refresh_from_db()
    assert lesson.topic == ""


def _form(lesson, **overrides):
    data = {
        "topic": "Дроби",
        "homework": "<p>№ 5 <strong>устно</strong></p>",
        "homework_due": "",
        "materials": "",
        "grade_type": "",
        "link-TOTAL_FORMS": "2",
        "link-INITIAL_FORMS": "0",
        "link-0-title": "РЭШ",
        "link-0-url": "https://resh.edu.ru/",
        "link-1-title": "",
        "link-1-url": "",
    }
    data.update(overrides)
    return data


def test_lesson_page_saves_homework_with_a_file(journal, client):
    c = journal.cast
    lesson = _lesson(journal)
    client.force_login(c.class_teacher)
    url = reverse("lesson_detail", args=[lesson.pk])
    data = _form(lesson, homework_file=SimpleUploadedFile("Листок.pdf", PDF))
    assert client.post(url, data).status_code == 302
    lesson.refresh_from_db()
    assert lesson.topic == "Дроби" and lesson.homework == "<p>№ 5 <strong>устно</strong></p>"
    assert lesson.homework_links == [{"title": "РЭШ", "url": "https://resh.edu.ru/"}]
    assert [x["name"] for x in lesson.files] == ["Листок.pdf"]
    client.force_login(c.parent)
    body = client.get(url).content.decode()
    assert (
        "<strong>устно</strong>" in body and "Листок.pdf" in body and "https://resh.edu.ru/" in body
    )


def test_refused_lesson_form_keeps_what_was_typed_but_never_a_script(journal, client):
    c = journal.cast
    lesson = _lesson(journal)
    client.force_login(c.class_teacher)
    url = reverse("lesson_detail", args=[lesson.pk])
    data = _form(
        lesson,
        **{"link-0-url": "javascript:alert(1)", "homework": "<p>№ 7</p><script>alert(2)</script>"},
    )
    response = client.post(url, data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "не адрес страницы" in body
    assert "№ 7" in body and "alert(2)" not in body
    assert 'value="Дроби"' in body
    lesson.refresh_from_db()
    assert lesson.topic == ""
    wrong_file = client.post(
        url, _form(lesson, homework_file=SimpleUploadedFile("x.pdf", b"MZ exe"))
    )
    assert "проверено по содержимому" in wrong_file.content.decode()


def test_substitute_writes_the_lesson(journal, client):
    c = journal.cast
    lesson = _lesson(journal)
    substitute = f.UserFactory(username="zamena")
    f.StaffPositionFactory(person=substitute, organization=c.school)
    lesson_service.lesson_substitute(actor=c.director, lesson=lesson, substitute=substitute)
    client.force_login(substitute)
    url = reverse("lesson_detail", args=[lesson.pk])
    assert client.post(url, _form(lesson)).status_code == 302
    lesson.refresh_from_db()
    assert lesson.topic == "Дроби"


def test_lesson_page_costs_the_same_with_more_files_and_changes(
    journal, client, django_assert_max_num_queries
):
    c = journal.cast
    lesson = _lesson(journal)
    client.force_login(c.class_teacher)
    url = reverse("lesson_detail", args=[lesson.pk])
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for n in range(6):
        _upload(
            lesson,
            c.class_teacher,
            f"Файл {n}.pdf",
            PDF,
            purpose="material" if n % 2 else "homework",
        )
    lesson_service.lesson_room_set(actor=c.director, lesson=lesson, room="33")
    with django_assert_max_num_queries(len(small) + 0):
        client.get(url)


# --- the teacher's lessons ----------------------------------------------------------------------
def test_teachers_lessons_mark_what_is_not_filled_in(journal, client):
    c = journal.cast
    lesson = _lesson(journal)
    _save(lesson, c.class_teacher, topic="Дроби", homework="<p>№ 1</p>")
    client.force_login(c.class_teacher)
    response = client.get(reverse("lessons_mine"))
    assert response.status_code == 200
    shown = (
        response.context["today_rows"]
        + response.context["week_rows"]
        + response.context["earlier"]  # on a Monday, the unfilled lessons are last week's
    )
    rows = {x: missing for x, missing, _ahead in shown}
    assert rows[lesson] == []
    unfilled = [x for x, missing in rows.items() if missing]
    assert unfilled and all(x.date <= journal.today for x in unfilled)
    assert all(x.teacher == c.class_teacher for x in rows)
    body = response.content.decode()
    assert reverse("lesson_detail", args=[lesson.pk]) in body and "Не заполнено" in body


def test_teachers_lessons_are_for_staff_only(journal, client):
    for member, status in (
        ("student", 404),
        ("parent", 404),
        ("class_teacher", 200),
        ("director", 200),
    ):
        client.force_login(journal.cast.members[member])
        assert client.get(reverse("lessons_mine")).status_code == status


def test_teachers_lessons_cost_the_same_with_more_lessons(
    journal, client, django_assert_max_num_queries
):
    c = journal.cast
    client.force_login(journal.russian_teacher)
    url = reverse("lessons_mine")
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    monday = journal.today - datetime.timedelta(days=journal.today.weekday())
    for n in range(3):
        klass = f.SchoolClassFactory(organization=c.school, grade=8 + n)
        from parta.journal.models import TimetableEntry

        for weekday in range(1, 6):
            TimetableEntry.objects.create(
                school_class=klass,
                weekday=weekday,
                number=4 + n,
                subject=journal.russian,
                teacher=journal.russian_teacher,
                valid_from=monday - 7 * DAY,
            )
        lesson_service.lessons_generate(
            school_class=klass, date_from=monday - 7 * DAY, date_to=monday + 6 * DAY
        )
    with django_assert_max_num_queries(len(small)):
        response = client.get(url)
    assert len(response.context["today_rows"] + response.context["week_rows"]) >= 10
