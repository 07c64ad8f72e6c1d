"""NTF-1, issue 5 item 7: the weekly digest — one letter per parent and child with the week's
grades, absences and homework.

Parents are taken in batches (``batch`` at a time, by id); each batch costs the same fixed
number of SQL statements whatever its size and whatever the district's size: the parents,
their children, the children's classes, the parents' choices, the week's cells, the week's
homework, the deliveries already made, and the writes (deliveries, inbox). A batch's letters
go through one SMTP connection. Running the digest again for the same week sends nothing
twice: each letter is a ``Delivery`` with the key ``grade_digest:<monday>:<child>``.

Who gets it: a parent with an email address who did not turn the topic off (it is on by
default), for each child enrolled this year; every parent also finds it in the inbox.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections import defaultdict
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext, gettext_noop

from parta.accounts.models import User
from parta.directory.models import Enrollment, Guardianship
from parta.journal.models import Attendance, Lesson, Mark
from parta.notifications.models import Channel, Delivery, Notification
from parta.notifications.preferences import choices_of

logger = logging.getLogger("parta.digest")

TOPIC = "grade_digest"
BATCH = 1000
TITLE = gettext_noop("Итоги недели: %(name)s")


@dataclass
class DigestStats:
    week: datetime.date
    parents: int = 0
    letters: int = 0
    skipped: int = 0  # already sent for this week, or turned off
    batches: int = 0
    queries_per_batch: list[int] = field(default_factory=list)
    build_seconds: float = 0.0
    send_seconds: float = 0.0


def week_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    monday = day - datetime.timedelta(days=day.weekday())
    return monday, monday + datetime.timedelta(days=6)


def _lines(child: str, marks: list[Any], absences: list[Any], homework: list[Any]) -> list[str]:
    """The letter's text in the active language."""
    out = [gettext("Итоги недели: %(name)s") % {"name": child}, ""]
    out.append(gettext("Оценки"))
    if marks:
        for day, subject, value, comment in marks:
            line = f"  {day:%d.%m} {subject}: {value}"
            out.append(f"{line} — {comment}" if comment else line)
    else:
        out.append("  " + gettext("Оценок за неделю нет."))
    out += ["", gettext("Пропуски и опоздания")]
    if absences:
        labels = dict(Attendance.choices)
        for day, subject, code in absences:
            out.append(f"  {day:%d.%m} {subject}: {labels.get(code, code)}")
    else:
        out.append("  " + gettext("Пропусков нет."))
    out += ["", gettext("Домашние задания")]
    if homework:
        for day, subject, text in homework:
            out.append(f"  {day:%d.%m} {subject}: {text}")
    else:
        out.append("  " + gettext("Заданий не было."))
    return out


def build_batch(
    parent_ids: list[int], week: tuple[datetime.date, datetime.date]
) -> tuple[list[tuple[int, int, str, str, str, str]], int]:
    """The letters of one batch: ``(parent, child, email, language, child's name, text)``,
    and how many (parent, child) pairs were skipped (turned off or already sent)."""
    start, end = week
    parents = {
        pk: (email, language)
        for pk, email, language in User.objects.filter(pk__in=parent_ids).values_list(
            "pk", "email", "language"
        )
    }
    pairs = list(
        Guardianship.objects.filter(guardian_id__in=parent_ids).values_list(
            "guardian_id", "child_id", "child__first_name", "child__last_name"
        )
    )
    children = {c for _g, c, _f, _l in pairs}
    classes = dict(
        Enrollment.objects.current()
        .filter(student_id__in=children)
        .values_list("student_id", "school_class_id")
    )
    choices = choices_of(parent_ids, [TOPIC])
    cells = defaultdict(list)
    absences = defaultdict(list)
    for student, day, subject, value, comment, attendance in (
        Mark.objects.filter(student_id__in=children, lesson__date__range=(start, end))
        .filter(~_empty())
        .order_by("lesson__date", "lesson__number")
        .values_list(
            "student_id",
            "lesson__date",
            "lesson__subject__name",
            "value",
            "comment",
            "attendance",
        )
    ):
        if value:
            cells[student].append((day, subject, value, comment))
        if attendance:
            absences[student].append((day, subject, attendance))
    homework = defaultdict(list)
    for klass, day, subject, text in (
        Lesson.objects.filter(school_class_id__in=set(classes.values()), date__range=(start, end))
        .exclude(homework="")
        .order_by("date", "number")
        .values_list("school_class_id", "date", "subject__name", "homework")
    ):
        homework[klass].append((day, subject, Truncator(strip_tags(text)).chars(200)))
    key = f"{TOPIC}:{start.isoformat()}:"
    done = set(
        Delivery.objects.filter(
            person_id__in=parent_ids, channel=Channel.EMAIL, key__startswith=key
        ).values_list("person_id", "key")
    )
    letters = []
    skipped = 0
    for parent, child, first, last in pairs:
        email, language = parents.get(parent, ("", ""))
        if child not in classes:
            continue
        if (
            not email
            or (parent, f"{key}{child}") in done
            or not choices.wants(parent, child, TOPIC, Channel.EMAIL)
        ):
            skipped += 1
            continue
        name = f"{first} {last}".strip()
        with translation.override(language or settings.LANGUAGE_CODE):
            lines = _lines(name, cells[child], absences[child], homework[classes[child]])
            site = settings.PARTA_SITE_URL.rstrip("/")
            text = "\n".join([*lines, "", f"{site}/diary/?week={start.isoformat()}"])
        letters.append((parent, child, email, language, name, text))
    return letters, skipped


def _empty() -> Q:
    return Q(value__isnull=True) & Q(attendance="")


def _send(letters: list[tuple[int, int, str, str, str, str]], week: datetime.date) -> None:
    """One SMTP connection for the batch; then its deliveries and inbox rows, in one go."""
    messages = []
    for _parent, _child, email, language, name, text in letters:
        with translation.override(language or settings.LANGUAGE_CODE):
            subject = gettext("Парта: %(subject)s") % {"subject": gettext(TITLE) % {"name": name}}
        messages.append(
            EmailMessage(
                subject=subject,
                body=text,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[email],
                headers={"Auto-Submitted": "auto-generated"},
            )
        )
    connection = get_connection()
    connection.send_messages(messages)
    now = timezone.now()
    key = f"{TOPIC}:{week.isoformat()}:"
    url = f"/diary/?week={week.isoformat()}"
    with transaction.atomic():
        Delivery.objects.bulk_create(
            [
                Delivery(
                    person_id=parent,
                    channel=Channel.EMAIL,
                    kind=TOPIC,
                    key=f"{key}{child}",
                    title=TITLE,
                    params={"name": name},
                    url=url,
                    child_id=child,
                    status=Delivery.Status.SENT,
                    attempts=1,
                    sent_at=now,
                )
                for parent, child, _e, _l, name, _t in letters
            ],
            batch_size=2000,
            ignore_conflicts=True,
        )
        Notification.objects.bulk_create(
            [
                Notification(
                    recipient_id=parent,
                    kind=TOPIC,
                    title=TITLE,
                    params={"name": name},
                    url=url,
                    key=f"{key}{child}",
                    child_id=child,
                )
                for parent, child, _e, _l, name, _t in letters
            ],
            batch_size=2000,
            ignore_conflicts=True,
        )


class _Counter:
    """Counts the SQL statements run through a connection (``execute_wrapper``)."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.n += 1
        return execute(sql, params, many, context)


def weekly_digest(
    *, day: datetime.date | None = None, batch: int = BATCH, count_queries: bool = False
) -> DigestStats:
    """NTF-1: send the digest of the week of ``day`` (default: this week) to every parent who
    wants it. Safe to run again: what was sent is not sent twice. With ``count_queries`` the
    statements of each batch (finding its parents, building, recording) are counted."""
    start, end = week_of(day or timezone.localdate())
    stats = DigestStats(week=start)
    after = 0
    guardians = Guardianship.objects.values("guardian_id")
    while True:
        counter = _Counter()
        with connection.execute_wrapper(counter) if count_queries else nullcontext():
            ids = list(
                User.objects.filter(pk__gt=after, pk__in=guardians, is_active=True)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch]
            )
            if not ids:
                return stats
            after = ids[-1]
            t0 = time.perf_counter()
            letters, skipped = build_batch(ids, (start, end))
            t1 = time.perf_counter()
            if letters:
                _send(letters, start)
            t2 = time.perf_counter()
        if count_queries:
            stats.queries_per_batch.append(counter.n)
        stats.build_seconds += t1 - t0
        stats.send_seconds += t2 - t1
        stats.batches += 1
        stats.parents += len(ids)
        stats.letters += len(letters)
        stats.skipped += skipped
        logger.info("digest %s: batch %s, %s letters", start, stats.batches, len(letters))
