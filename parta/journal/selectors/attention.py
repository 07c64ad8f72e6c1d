"""Who needs attention (JRN-9), read from the journal's statistics, and how to reach their
parents.

A student is on the list of a journal (or of a class) when any of these holds in the term so
far, each with its reason in words:

- the average of the last ``statistics.RECENT_DAYS`` is at least ``FALLING_BY`` below the
  average before them, with at least ``statistics.MIN_MARKS_EACH_PART`` marks in each part
  ("falling");
- the current average is below ``LOW_AVERAGE`` ("low");
- they missed at least ``MISSED_SHARE`` % of the lessons held ("missed"), or were absent
  without a reason at least ``UNEXCUSED_LIMIT`` times ("unexcused").

In a class the marks' rules apply per subject, the attendance rule over all subjects. The
thresholds are for the 5-point scale; on another scale the same share of it applies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from parta.directory.models import Guardianship
from parta.journal.selectors.statistics import (
    Bands,
    ClassRef,
    ClassStats,
    JournalRef,
    JournalStats,
    Tally,
    class_statistics,
    journal_statistics,
    percent,
)

# --- the rules' thresholds, on the 5-point scale ---------------------------------------------
FALLING_BY = Decimal("0.5")
"""JRN-9: a student needs attention when the average of the last ``statistics.RECENT_DAYS`` is
at least this much below their average earlier in the term (5-point scale; on another scale the same
share of it)."""

LOW_AVERAGE = Decimal("3")
"""JRN-9: a student needs attention when their current average in a subject is below this
(5-point scale; on another scale the same share of it). A school that wants to catch pupils
earlier raises it, say to 3.5."""

MISSED_SHARE = Decimal("20")
"""JRN-9: a student needs attention when they missed at least this percentage of the lessons
held in the term so far (absent, sick or excused alike)."""

UNEXCUSED_LIMIT = 3
"""JRN-9: … or when they were absent without a reason ("Н") at least this many times."""


# --- who needs attention -----------------------------------------------------------------------
@dataclass(frozen=True)
class Reason:
    """Why a student needs attention: ``code`` is falling | low | missed | unexcused."""

    code: str
    text: str
    subject: str = ""


@dataclass
class Attention:
    """A student who needs attention and why, with the numbers the parents are told."""

    student: Any
    reasons: list[Reason]
    average: Decimal | None
    recent: Decimal | None
    earlier: Decimal | None
    missed: int
    held: int
    unexcused: int
    told_today: bool = False
    # The parents' person ids (``add_contacts``), and the page's address of a conversation
    # with them (filled by the page).
    guardian_ids: list[int] = field(default_factory=list)
    conversation_url: str = ""

    @property
    def guardians(self) -> int:
        """How many parents the student has in Parta."""
        return len(self.guardian_ids)

    @property
    def codes(self) -> list[str]:
        return sorted({r.code for r in self.reasons})

    @property
    def subjects(self) -> list[str]:
        return list(dict.fromkeys(r.subject for r in self.reasons if r.subject))


def format_average(value: Decimal | None) -> str:
    """An average as the page shows it ("4,25"), a dash when there is none."""
    return "—" if value is None else number_format(value, 2)


_number = format_average


def _threshold(value: Decimal) -> str:
    """3 as "3", 3.5 as "3,5": a threshold as a person writes it."""
    whole = value.to_integral_value()
    return number_format(whole, 0) if value == whole else number_format(value.normalize())


def _marks_reasons(tally: Tally, bands: Bands, weighted: bool, subject: str) -> list[Reason]:
    """The falling-average and the low-average rules for one student's marks in a subject."""
    reasons = []
    prefix = f"{subject}: " if subject else ""
    trend = tally.trend(weighted)
    if trend is not None and trend <= -bands.scaled(FALLING_BY):
        reasons.append(
            Reason(
                "falling",
                prefix
                + _(
                    "средний балл упал до %(recent)s за последние 2 недели, раньше в этом "
                    "периоде был %(earlier)s"
                )
                % {
                    "recent": _number(tally.recent.average(weighted)),
                    "earlier": _number(tally.earlier.average(weighted)),
                },
                subject,
            )
        )
    average = tally.all.average(weighted)
    low = bands.scaled(LOW_AVERAGE)
    if average is not None and average < low:
        reasons.append(
            Reason(
                "low",
                prefix
                + _("средний балл %(average)s — ниже %(low)s")
                % {"average": _number(average), "low": _threshold(low)},
                subject,
            )
        )
    return reasons


def _attendance_reasons(missed: int, held: int, unexcused: int) -> list[Reason]:
    """The missed-lessons rule: ≥ ``MISSED_SHARE`` % of the lessons held, or
    ≥ ``UNEXCUSED_LIMIT`` absences without a reason."""
    reasons = []
    if held and missed * 100 >= MISSED_SHARE * held:
        reasons.append(
            Reason(
                "missed",
                _("пропущено %(share)s %% уроков: %(missed)s из %(held)s")
                % {
                    "share": number_format(percent(missed, held) or 0, 0),
                    "missed": missed,
                    "held": held,
                },
            )
        )
    if unexcused >= UNEXCUSED_LIMIT:
        reasons.append(
            Reason(
                "unexcused",
                ngettext(
                    "%(n)s пропуск без уважительной причины",
                    "%(n)s пропусков без уважительной причины",
                    unexcused,
                )
                % {"n": unexcused},
            )
        )
    return reasons


def journal_attention(stats: JournalStats) -> list[Attention]:
    """JRN-9: the students of a journal who need attention, in the journal's order."""
    bands, weighted = stats.ref.bands, stats.weighted
    found = []
    for row in stats.rows:
        tally = row.tally
        reasons = _marks_reasons(tally, bands, weighted, "")
        reasons += _attendance_reasons(tally.missed, row.held, tally.absent)
        if reasons:
            found.append(
                Attention(
                    student=row.student,
                    reasons=reasons,
                    average=row.average,
                    recent=row.recent_average,
                    earlier=row.earlier_average,
                    missed=tally.missed,
                    held=row.held,
                    unexcused=tally.absent,
                )
            )
    return found


def class_attention(stats: ClassStats) -> list[Attention]:
    """JRN-9: the students of a class who need attention: the marks' rules per subject, the
    attendance rule over all subjects."""
    bands, weighted = stats.ref.bands, stats.weighted
    found = []
    for row in stats.rows:
        reasons: list[Reason] = []
        for column, tally in row.pairs():
            reasons += _marks_reasons(tally, bands, weighted, column.name)
        reasons += _attendance_reasons(row.missed, row.held, row.absent)
        if reasons:
            found.append(
                Attention(
                    student=row.student,
                    reasons=reasons,
                    average=row.average,
                    recent=None,
                    earlier=None,
                    missed=row.missed,
                    held=row.held,
                    unexcused=row.absent,
                )
            )
    return found


def attention_of(scope: JournalRef | ClassRef) -> list[Attention]:
    """JRN-9: who needs attention in a journal or a class (the queries of its statistics)."""
    if isinstance(scope, JournalRef):
        return journal_attention(journal_statistics(scope))
    return class_attention(class_statistics(scope))


def attention_key(scope: JournalRef | ClassRef, student_id: int) -> str:
    """The idempotency key of a message to a student's parents: one per student, journal (or
    class) and the school's day."""
    return f"attention:{scope.key}:{student_id}:{scope.period.today.isoformat()}"


def guardians_of(student_ids: Sequence[int]) -> dict[int, list[int]]:
    """Each student's parents (person ids) in Parta. (1 query.)"""
    found: dict[int, list[int]] = {}
    for child, guardian in (
        Guardianship.objects.filter(child_id__in=list(student_ids))
        .order_by("guardian_id")
        .values_list("child_id", "guardian_id")
    ):
        found.setdefault(child, []).append(guardian)
    return found


def delivered(keys: Sequence[str], recipients: Sequence[int]) -> set[tuple[int, str]]:
    """(recipient, key) of the messages with these keys already in these people's inboxes.

    The journal never imports the inbox app (events are the only way in, ENGINEERING.md);
    it asks the app registry for the model, so that a second click on the same day can say
    that the parents were told already. Without the app there is no inbox to ask. The
    recipients make the lookup use the inbox's (recipient, key) index. (1 query.)
    """
    from django.apps import apps

    if not keys or not recipients:
        return set()
    try:
        inbox = apps.get_model("notifications", "Notification")
    except LookupError:
        return set()
    return set(
        inbox.objects.filter(recipient_id__in=list(recipients), key__in=list(keys)).values_list(
            "recipient_id", "key"
        )
    )


def add_contacts(scope: JournalRef | ClassRef, items: Sequence[Attention]) -> None:
    """Fill each item's parents and whether they were told today. (2 queries.)"""
    guardians = guardians_of([a.student.pk for a in items])
    keys = {a.student.pk: attention_key(scope, a.student.pk) for a in items}
    parents = [p for people in guardians.values() for p in people]
    told = {key for _recipient, key in delivered(list(keys.values()), parents)}
    for item in items:
        item.guardian_ids = guardians.get(item.student.pk, [])
        item.told_today = keys[item.student.pk] in told
