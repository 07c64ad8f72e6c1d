"""NTF-1, NTF-3: who wants what by which channel — per person, per child, per topic, per
channel.

The inbox always receives everything and is not a choice. Email, SMS and push follow the
person's stored choices; what they never chose follows ``DEFAULTS`` (sensible for a parent:
what needs acting on comes by email, nothing costs money until asked for, and a browser in
which the person switched push on shows what a parent or a student looks at the same day).
A parent's choice about one child overrides their choice for all children. SMS and push
wait out the quiet hours (by default 22:00–07:00 in the region's time): both light up a phone
at night; email does not wake anybody and is sent at once.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from parta.core import sql
from parta.notifications.models import Channel, NotificationPreference, QuietHours, Topic

# Which event kinds (``parta.core.events``) are which topic. Kinds not listed reach the inbox
# only (a payment credited, "no SMS balance": they are about the channels themselves).
EVENT_TOPICS: dict[str, str] = {
    "new_grade": Topic.NEW_GRADE,
    "grade_digest": Topic.GRADE_DIGEST,
    "homework": Topic.HOMEWORK,
    "absence": Topic.ABSENCE,
    "schedule_change": Topic.SCHEDULE_CHANGE,
    "verification": Topic.VERIFICATION,
    "message": Topic.MESSAGE,
    "attention": Topic.MESSAGE,  # a teacher writes to the parents of a student (JRN-9)
    "announcement": Topic.ANNOUNCEMENT,
}

DEFAULTS: dict[tuple[str, str], bool] = {
    (Topic.NEW_GRADE, Channel.EMAIL): False,
    (Topic.GRADE_DIGEST, Channel.EMAIL): True,
    (Topic.HOMEWORK, Channel.EMAIL): False,
    (Topic.ABSENCE, Channel.EMAIL): True,
    (Topic.SCHEDULE_CHANGE, Channel.EMAIL): True,
    (Topic.VERIFICATION, Channel.EMAIL): True,
    (Topic.MESSAGE, Channel.EMAIL): True,
    (Topic.ANNOUNCEMENT, Channel.EMAIL): True,
    # NTF-3: push reaches only browsers the person switched it on in — a choice already.
    (Topic.NEW_GRADE, Channel.PUSH): True,
    (Topic.GRADE_DIGEST, Channel.PUSH): False,  # the weekly letter is a letter
    (Topic.HOMEWORK, Channel.PUSH): False,  # after every lesson: too many by default
    (Topic.ABSENCE, Channel.PUSH): True,
    (Topic.SCHEDULE_CHANGE, Channel.PUSH): True,
    (Topic.VERIFICATION, Channel.PUSH): True,
    (Topic.MESSAGE, Channel.PUSH): True,
    (Topic.ANNOUNCEMENT, Channel.PUSH): True,
}
# SMS cost the person money: none until they turn them on.

# The topics of a parent's section about one child, and of a person's own section.
CHILD_TOPICS: tuple[str, ...] = (
    Topic.NEW_GRADE,
    Topic.GRADE_DIGEST,
    Topic.HOMEWORK,
    Topic.ABSENCE,
    Topic.SCHEDULE_CHANGE,
    Topic.ANNOUNCEMENT,
)
STUDENT_TOPICS: tuple[str, ...] = (
    Topic.NEW_GRADE,
    Topic.HOMEWORK,
    Topic.SCHEDULE_CHANGE,
    Topic.MESSAGE,
    Topic.ANNOUNCEMENT,
    Topic.VERIFICATION,
)
OWN_TOPICS: tuple[str, ...] = (
    Topic.SCHEDULE_CHANGE,
    Topic.MESSAGE,
    Topic.ANNOUNCEMENT,
    Topic.VERIFICATION,
)
CHANNELS: tuple[str, ...] = (Channel.EMAIL, Channel.SMS, Channel.PUSH)
# The channels that wait out the quiet hours.
QUIET_CHANNELS: frozenset[str] = frozenset({Channel.SMS, Channel.PUSH})


def default(topic: str, channel: str) -> bool:
    return DEFAULTS.get((topic, channel), False)


@dataclass(frozen=True)
class Choices:
    """Stored choices of some people for some topics: (person, child or 0, topic, channel)."""

    rows: dict[tuple[int, int, str, str], bool]

    @classmethod
    def of(cls, stored: Iterable[tuple[int, int | None, str, str, bool]]) -> Choices:
        """From stored rows (person, child or None, topic, channel, enabled)."""
        return cls({(p, c or 0, t, ch): on for p, c, t, ch, on in stored})

    def wants(self, person_id: int, child_id: int | None, topic: str, channel: str) -> bool:
        if child_id:
            found = self.rows.get((person_id, child_id, topic, channel))
            if found is not None:
                return found
        found = self.rows.get((person_id, 0, topic, channel))
        return default(topic, channel) if found is None else found


# Read for every event's recipients (a new mark: the student and the parents), compiled once
# per number of recipients and topics (``core.sql.Baked``).
_CHOICES = sql.Baked(
    lambda topics, people: (
        NotificationPreference.objects.filter(person_id__in=people, topic__in=topics)
        .order_by()
        .values_list("person_id", "child_id", "topic", "channel", "enabled")
    )
)


def choices_of(people: Iterable[int], topics: Sequence[str]) -> Choices:
    """One query: the stored choices of ``people`` for ``topics``."""
    topics = tuple(topics)
    return Choices.of(_CHOICES((topics,), list(topics), people=list(people)))


def preferences_save(*, person: Any, choices: dict[tuple[int, str, str], bool]) -> int:
    """NTF-1: store ``person``'s choices ``{(child id or 0, topic, channel): on}`` as they
    are; returns how many differ from the defaults. The caller offers only the person's own
    children (the page) — a child id that is not theirs is refused by the view."""
    with transaction.atomic():
        NotificationPreference.objects.filter(person_id=person.pk).delete()
        NotificationPreference.objects.bulk_create(
            NotificationPreference(
                person_id=person.pk,
                child_id=child or None,
                topic=topic,
                channel=channel,
                enabled=on,
            )
            for (child, topic, channel), on in choices.items()
        )
    return sum(1 for (_c, t, ch), on in choices.items() if on != default(t, ch))


# --- quiet hours ----------------------------------------------------------------------------------
def default_quiet_hours() -> tuple[datetime.time, datetime.time]:
    start, end = settings.PARTA_QUIET_HOURS.split("-")
    return datetime.time.fromisoformat(start), datetime.time.fromisoformat(end)


def quiet_hours_from(
    enabled: bool | None = None,
    start: datetime.time | None = None,
    end: datetime.time | None = None,
) -> tuple[datetime.time, datetime.time] | None:
    """A person's quiet hours from their stored row's fields (``enabled`` None: no row, the
    defaults); ``None``: they switched them off."""
    if enabled is None or start is None or end is None:
        return default_quiet_hours()
    return (start, end) if enabled else None


def quiet_hours_save(
    *, person: Any, enabled: bool, start: datetime.time, end: datetime.time
) -> QuietHours:
    row, _created = QuietHours.objects.update_or_create(
        person_id=person.pk, defaults={"enabled": enabled, "start": start, "end": end}
    )
    return row


def after_quiet_hours(
    hours: tuple[datetime.time, datetime.time] | None, now: datetime.datetime | None = None
) -> datetime.datetime | None:
    """When an SMS or a push may go if it is ``now`` (aware): ``None`` — at once; otherwise
    the end of the quiet hours in the region's time. The hours may cross midnight
    (22:00–07:00)."""
    if hours is None:
        return None
    start, end = hours
    if start == end:
        return None
    local = timezone.localtime(now or timezone.now())
    t = local.time()
    inside = (start <= t < end) if start < end else (t >= start or t < end)
    if not inside:
        return None
    day = local.date()
    if start > end and t >= start:
        day += datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, end), local.tzinfo)
