"""Telling parents that their child needs attention (JRN-9).

The message is an event (``parta.core.events``): it lands in each parent's inbox with the
change and reaches them by the channels they chose, in the parent's language, with the numbers
behind it — for many students at once. To talk with one student's parents the page also opens a
conversation (messaging's new-message page with the parents and this text filled in): the
journal never imports the messaging app.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from parta.core import events
from parta.core.errors import DomainError
from parta.journal.selectors import attention as needs
from parta.journal.selectors.attention import Attention
from parta.journal.selectors.statistics import ClassRef, JournalRef

# The message is a msgid with parameters, rendered in each parent's language when read.
TITLE_JOURNAL = gettext_noop("Нужно внимание: %(student)s, %(subject)s")
BODY_JOURNAL = gettext_noop(
    "%(sender)s просит обратить внимание на учёбу по предмету «%(subject)s». "
    "Средний балл: %(average)s (за последние 2 недели — %(recent)s, раньше — %(earlier)s). "
    "Пропущено уроков: %(missed)s из %(held)s, без уважительной причины — %(unexcused)s."
)
TITLE_CLASS = gettext_noop("Нужно внимание: %(student)s")
BODY_CLASS = gettext_noop(
    "%(sender)s просит обратить внимание на учёбу. Предметы, где нужна помощь: %(subject)s. "
    "Средний балл по всем предметам: %(average)s. "
    "Пропущено уроков: %(missed)s из %(held)s, без уважительной причины — %(unexcused)s."
)
# Where a parent reads more: the child's marks and averages in the diary (JRN-8).
DIARY_URL = "/diary/grades/?child=%(child)s"


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    params: dict[str, Any]

    def render(self) -> tuple[str, str]:
        """The title and the body in the current language (for the sender's preview)."""
        return _(self.title) % self.params, _(self.body) % self.params


def attention_message(*, actor: Any, scope: JournalRef | ClassRef, item: Attention) -> Message:
    """What the parents of ``item``'s student read: the subject, the reasons (as codes) and
    the numbers, filled into a msgid of their language."""
    student = item.student
    params: dict[str, Any] = {
        "student": " ".join(p for p in (student.last_name, student.first_name) if p),
        "class": scope.school_class.name,
        "term": scope.period.term.name,
        "sender": actor.short_name,
        "average": needs.format_average(item.average),
        "recent": needs.format_average(item.recent),
        "earlier": needs.format_average(item.earlier),
        "missed": item.missed,
        "held": item.held,
        "unexcused": item.unexcused,
        "reasons": item.codes,
        "reason": ", ".join(item.codes),
    }
    if isinstance(scope, JournalRef):
        params["subject"] = scope.subject.name
        return Message(TITLE_JOURNAL, BODY_JOURNAL, params)
    params["subject"] = ", ".join(item.subjects) or "—"
    return Message(TITLE_CLASS, BODY_CLASS, params)


@dataclass
class AttentionSent:
    """What ``attention_notify`` did: parents told now (and about how many students),
    students whose parents had already been told today, students no longer on the list,
    students with no parent in Parta."""

    parents: int = 0
    students: int = 0
    already: int = 0
    skipped: int = 0
    without_parents: list[Any] = field(default_factory=list)


def attention_notify(
    *, actor: Any, scope: JournalRef | ClassRef, student_ids: Sequence[int]
) -> AttentionSent:
    """JRN-9: write to the parents of the chosen students who need attention.

    ``scope`` comes from ``selectors.statistics.journal_ref`` / ``class_ref`` (the policy). The list of
    who needs attention and why is computed here again, never taken from the request: a
    student not on it is refused. Each student's parents get one inbox message through
    ``parta.core.events.emit``, written with this transaction; its key (student, journal or
    class, the school's day) makes a second click on the same day deliver nothing again.
    """
    wanted = list(dict.fromkeys(int(pk) for pk in student_ids))
    if not wanted:
        raise DomainError(_("Отметьте учеников, родителям которых нужно написать."))
    items = {a.student.pk: a for a in needs.attention_of(scope)}
    chosen = [items[pk] for pk in wanted if pk in items]
    if not chosen:
        raise DomainError(
            _(
                "Отмеченным ученикам сейчас не нужно особое внимание: список меняется с "
                "каждой новой оценкой. Обновите страницу."
            )
        )
    guardians = needs.guardians_of([a.student.pk for a in chosen])
    keys = {a.student.pk: needs.attention_key(scope, a.student.pk) for a in chosen}
    parents_of_all = [p for people in guardians.values() for p in people]
    delivered = needs.delivered(list(keys.values()), parents_of_all)
    result = AttentionSent(skipped=len(wanted) - len(chosen))
    organization_id = scope.school_class.organization_id
    with transaction.atomic():
        for item in chosen:
            pk = item.student.pk
            parents = guardians.get(pk, [])
            if not parents:
                result.without_parents.append(item.student)
                continue
            fresh = [p for p in parents if (p, keys[pk]) not in delivered]
            if not fresh:
                result.already += 1
                continue
            message = attention_message(actor=actor, scope=scope, item=item)
            events.emit(
                "attention",
                recipients=parents,
                title=message.title,
                body=message.body,
                params=message.params,
                url=DIARY_URL % {"child": pk},
                key=keys[pk],
                organization_id=organization_id,
                child_ids=dict.fromkeys(parents, pk),
            )
            result.students += 1
            result.parents += len(fresh)
    return result
