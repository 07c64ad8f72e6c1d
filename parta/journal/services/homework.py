"""A lesson's topic, homework and materials (JRN-3).

Written by the teacher who teaches the lesson (or substitutes it) and by the administration
(the policy's lesson "change"). Homework is sanitized rich text with links, files and a due
date — by default the next lesson of the subject in the class. The first time a lesson gets
homework, its class's students and their parents are told, once (the event's key).

Files are checked by their content (PDF, pictures, office documents), limited in size,
stored in the private storage under a random name and served only to people who may see the
lesson. ``Lesson.files`` keeps a copy of the list so a diary week shows the files without
another query.
"""

from __future__ import annotations

import datetime
import io
import os
import zipfile
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from parta.core import events, uploads
from parta.core.errors import DomainError
from parta.journal import richtext
from parta.journal.models import GradeType, Lesson, LessonFile
from parta.journal.selectors.timetable import school_today
from parta.journal.services.lessons import class_audience

MAX_LINKS = 10
MAX_FILES = 10
MAX_TOPIC = 300


# --- what a lesson file may be ------------------------------------------------------------------
DOCX = uploads.Kind(
    "docx",
    "Word (DOCX)",
    ".docx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
)
XLSX = uploads.Kind(
    "xlsx",
    "Excel (XLSX)",
    ".xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)
PPTX = uploads.Kind(
    "pptx",
    "PowerPoint (PPTX)",
    ".pptx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
)
ODT = uploads.Kind("odt", "ODT", ".odt", "application/vnd.oasis.opendocument.text")
ODS = uploads.Kind("ods", "ODS", ".ods", "application/vnd.oasis.opendocument.spreadsheet")
ODP = uploads.Kind("odp", "ODP", ".odp", "application/vnd.oasis.opendocument.presentation")
LESSON_FILE_KINDS = (uploads.PDF, uploads.JPEG, uploads.PNG, DOCX, XLSX, PPTX, ODT, ODS, ODP)
_OOXML = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX, "ppt/presentation.xml": PPTX}
_ODF = {k.content_type: k for k in (ODT, ODS, ODP)}


def lesson_file_limit() -> int:
    return int(getattr(settings, "PARTA_MAX_LESSON_FILE_BYTES", 10 * 1024 * 1024))


def sniff_lesson_file(upload: Any) -> uploads.Kind | None:
    """The kind of a lesson file by its bytes: a document, a picture or an office file.

    Office files are zip archives; they are recognised by the parts every such file has
    (only the archive's directory and the tiny ``mimetype`` part are read).
    """
    kind = uploads.sniff_file(upload)
    if kind is not None:
        return kind
    upload.seek(0)
    head = upload.read(4)
    upload.seek(0)
    if head != b"PK\x03\x04":
        return None
    try:
        data = upload.read()
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" in names:
                for part, found in _OOXML.items():
                    if part in names:
                        return found
            if "mimetype" in names and archive.getinfo("mimetype").file_size < 100:
                mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
                return _ODF.get(mimetype)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return None
    finally:
        upload.seek(0)
    return None


# --- the due date -------------------------------------------------------------------------------
def homework_due_default(*, lesson: Lesson) -> datetime.date | None:
    """JRN-3: homework is due by the next lesson of the same subject in the class."""
    return (
        Lesson.objects.filter(
            school_class_id=lesson.school_class_id,
            subject_id=lesson.subject_id,
            status=Lesson.Status.PLANNED,
            date__gt=lesson.date,
        )
        .order_by("date", "number")
        .values_list("date", flat=True)
        .first()
    )


# --- topic, homework, materials -----------------------------------------------------------------
@dataclass(frozen=True)
class LinkInput:
    title: str
    url: str


def clean_links(links: list[LinkInput]) -> list[dict[str, str]]:
    """Links as stored: http(s) addresses with a title (the address's host by default)."""
    validate = URLValidator(schemes=["http", "https"])
    result: list[dict[str, str]] = []
    for link in links:
        url = (link.url or "").strip()
        title = " ".join((link.title or "").split())
        if not url and not title:
            continue
        if not url:
            raise DomainError(
                _("У ссылки «%(title)s» нет адреса.") % {"title": title}, field="links"
            )
        if "://" not in url:
            url = f"https://{url}"
        try:
            validate(url)
        except ValidationError as exc:
            raise DomainError(
                _(
                    "«%(url)s» — не адрес страницы. Ссылка начинается с https:// или http://, "
                    "например https://resh.edu.ru/."
                )
                % {"url": link.url.strip()},
                field="links",
                code="bad_url",
            ) from exc
        if len(url) > 500:
            raise DomainError(_("Адрес ссылки — не длиннее 500 знаков."), field="links")
        result.append({"title": (title or urlsplit(url).hostname or url)[:200], "url": url})
    if len(result) > MAX_LINKS:
        raise DomainError(_("Ссылок может быть не больше %(n)s.") % {"n": MAX_LINKS}, field="links")
    return result


def _check_writable(lesson: Lesson, today: datetime.date) -> None:
    from parta.journal.services.marks import year_is_open

    if not year_is_open(lesson.school_class.academic_year, today):
        raise DomainError(
            _("Учебный год %(year)s завершён; его журнал открыт только для чтения.")
            % {"year": lesson.school_class.academic_year.name},
            code="year_closed",
        )
    if lesson.term.is_closed:
        raise DomainError(
            _("%(term)s закрыта: уроки за неё больше не меняются.") % {"term": lesson.term.name},
            code="term_closed",
        )


def _locked(lesson: Lesson) -> Lesson:
    return (
        Lesson.objects.select_for_update(of=("self",))
        .select_related(
            "term",
            "subject",
            "school_class__academic_year",
            "school_class__organization__municipality__region",
        )
        .get(pk=lesson.pk)
    )


def has_homework(lesson: Lesson) -> bool:
    return bool(
        not richtext.is_empty(lesson.homework)
        or lesson.homework_links
        or any(f.get("purpose") == LessonFile.Purpose.HOMEWORK for f in lesson.files or [])
    )


def _announce_homework(lesson: Lesson) -> None:
    """The first homework of a lesson reaches its class and their parents, once."""
    if lesson.homework_set_at is not None or not has_homework(lesson):
        return
    lesson.homework_set_at = timezone.now()
    Lesson.objects.filter(pk=lesson.pk).update(homework_set_at=lesson.homework_set_at)
    students, parents = class_audience(lesson.school_class_id)
    due = lesson.homework_due
    events.emit(
        "homework",
        recipients=[*students, *parents],
        title=(
            gettext_noop("Домашнее задание: %(subject)s, сдать к %(due)s")
            if due
            else gettext_noop("Домашнее задание: %(subject)s, урок %(date)s")
        ),
        params={
            "subject": lesson.subject.name,
            "date": lesson.date.strftime("%d.%m.%Y"),
            "due": due.strftime("%d.%m.%Y") if due else "",
            "class": str(lesson.school_class),
        },
        url=reverse("lesson_detail", args=[lesson.pk]),
        key=f"homework:{lesson.pk}",
        organization_id=lesson.school_class.organization_id,
        child_ids=parents,
    )


def lesson_content_set(
    *,
    actor: Any,
    lesson: Lesson,
    topic: str,
    homework: str,
    homework_due: datetime.date | None,
    links: list[LinkInput],
    materials: str,
    grade_type: GradeType | None = None,
) -> Lesson:
    """JRN-3: the lesson's topic, homework (rich text, links, due date), materials.

    ``lesson`` must come from ``Lesson.objects.editable_by(actor)`` (the policy's "change").
    A lesson of a closed term or a past year is read-only; a cancelled lesson gets no
    homework. The homework's due date defaults to the next lesson of the subject.
    """
    topic = " ".join((topic or "").split())
    if len(topic) > MAX_TOPIC:
        raise DomainError(_("Тема — не длиннее %(n)s знаков.") % {"n": MAX_TOPIC}, field="topic")
    clean_homework = richtext.sanitize(homework)
    clean_materials = richtext.sanitize(materials)
    for value, name in ((clean_homework, "homework"), (clean_materials, "materials")):
        if len(value) > richtext.MAX_LENGTH:
            raise DomainError(
                _("Текст слишком длинный: не больше %(n)s знаков с разметкой.")
                % {"n": richtext.MAX_LENGTH},
                field=name,
            )
    stored_links = clean_links(links)
    with transaction.atomic():
        lesson = _locked(lesson)
        today = school_today(lesson.school_class.organization)
        _check_writable(lesson, today)
        assigns = bool(not richtext.is_empty(clean_homework) or stored_links)
        if lesson.is_cancelled and assigns:
            raise DomainError(
                _("Урок отменён: домашнее задание к нему не задаётся."),
                field="homework",
                code="cancelled",
            )
        if assigns and homework_due is None:
            homework_due = homework_due_default(lesson=lesson)
        if not assigns and not any(
            f.get("purpose") == LessonFile.Purpose.HOMEWORK for f in lesson.files or []
        ):
            homework_due = None
        if homework_due is not None:
            year = lesson.school_class.academic_year
            if homework_due < lesson.date:
                raise DomainError(
                    _("Срок сдачи не может быть раньше урока (%(date)s).")
                    % {"date": lesson.date.strftime("%d.%m.%Y")},
                    field="homework_due",
                    code="due_before",
                )
            if homework_due > year.ends_on:
                raise DomainError(
                    _("Срок сдачи — не позже конца учебного года (%(date)s).")
                    % {"date": year.ends_on.strftime("%d.%m.%Y")},
                    field="homework_due",
                    code="due_after",
                )
        if grade_type is not None and grade_type.organization_id not in (
            None,
            lesson.school_class.organization_id,
        ):
            raise DomainError(_("Такого вида работы нет."), field="grade_type")
        lesson.topic = topic
        lesson.homework = clean_homework
        lesson.homework_due = homework_due
        lesson.homework_links = stored_links
        lesson.materials = clean_materials
        fields = ["topic", "homework", "homework_due", "homework_links", "materials", "updated_at"]
        if grade_type is not None:
            lesson.grade_type = grade_type
            fields.append("grade_type")
        lesson.save(update_fields=fields)
        _announce_homework(lesson)
    return lesson


# --- files --------------------------------------------------------------------------------------
def _file_entry(f: LessonFile) -> dict[str, Any]:
    return {
        "id": f.pk,
        "name": f.name,
        "size": f.size,
        "purpose": f.purpose,
        "content_type": f.content_type,
        "url": reverse("lesson_file", args=[f.lesson_id, f.pk]),
    }


def lesson_files_sync(lesson: Lesson) -> list[dict[str, Any]]:
    """Copy the lesson's file rows into ``Lesson.files`` (the caller holds the lesson's lock)."""
    lesson.files = [_file_entry(f) for f in LessonFile.objects.filter(lesson=lesson).order_by("pk")]
    Lesson.objects.filter(pk=lesson.pk).update(files=lesson.files, updated_at=timezone.now())
    return lesson.files


def lesson_file_add(*, actor: Any, lesson: Lesson, upload: Any, purpose: str) -> LessonFile:
    """JRN-3: attach a file (checked by the form: kind by content, size) to a lesson.

    The bytes go to the private storage under a random name; the person's file name is kept
    only as the name of the download.
    """
    if purpose not in LessonFile.Purpose.values:
        raise DomainError(_("Неизвестное назначение файла."), field="file")
    kind: uploads.Kind | None = getattr(upload, "parta_kind", None) or sniff_lesson_file(upload)
    if kind is None or kind not in LESSON_FILE_KINDS:
        raise DomainError(
            _("Этот файл не подходит: проверено по содержимому, а не по названию."),
            field="file",
            code="wrong_kind",
        )
    if upload.size > lesson_file_limit():
        raise DomainError(_("Файл слишком большой."), field="file", code="too_big")
    original = getattr(upload, "parta_original_name", None) or os.path.basename(upload.name)
    base = os.path.splitext(original)[0][:180] or _("файл")
    storage = uploads.private_storage()
    with transaction.atomic():
        lesson = _locked(lesson)
        _check_writable(lesson, school_today(lesson.school_class.organization))
        if lesson.is_cancelled and purpose == LessonFile.Purpose.HOMEWORK:
            raise DomainError(_("Урок отменён: домашнее задание к нему не задаётся."), field="file")
        if LessonFile.objects.filter(lesson=lesson, purpose=purpose).count() >= MAX_FILES:
            raise DomainError(
                _("К уроку можно приложить не больше %(n)s файлов каждого вида.")
                % {"n": MAX_FILES},
                field="file",
                code="too_many",
            )
        upload.seek(0)
        path = storage.save(uploads.PrivatePath("lessons")(None, f"x{kind.extension}"), upload)
        try:
            lesson_file = LessonFile.objects.create(
                lesson=lesson,
                purpose=purpose,
                file=path,
                name=f"{base}{kind.extension}",
                size=upload.size,
                content_type=kind.content_type,
                uploaded_by=actor,
            )
        except Exception:
            # A refused attach must not leave its bytes behind.
            storage.delete(path)
            raise
        lesson_files_sync(lesson)
        if purpose == LessonFile.Purpose.HOMEWORK:
            if lesson.homework_due is None:
                lesson.homework_due = homework_due_default(lesson=lesson)
                Lesson.objects.filter(pk=lesson.pk).update(
                    homework_due=lesson.homework_due, updated_at=timezone.now()
                )
            _announce_homework(lesson)
    return lesson_file


def lesson_file_remove(*, actor: Any, lesson_file: LessonFile) -> None:
    """JRN-3: detach a file from its lesson; its bytes leave the storage after commit."""
    with transaction.atomic():
        lesson = _locked(lesson_file.lesson)
        _check_writable(lesson, school_today(lesson.school_class.organization))
        path = lesson_file.file.name
        LessonFile.objects.filter(pk=lesson_file.pk).delete()
        lesson_files_sync(lesson)
        transaction.on_commit(lambda: uploads.private_storage().delete(path))


def lesson_file_open(lesson_file: LessonFile) -> Any:
    """The stored bytes of a lesson file (from the private storage)."""
    return uploads.private_storage().open(lesson_file.file.name, "rb")


def files_of(lesson: Lesson, purpose: str) -> list[dict[str, Any]]:
    return [f for f in lesson.files or [] if f.get("purpose") == purpose]
