"""NTF-1, NTF-3: the notification manager and delivery by email (a real SMTP server,
aiosmtpd) and SMS (a local SMS.ru): per person, per child, per topic and channel, with quiet
hours and sensible defaults; deliveries once per event, after commit, retried with growing
pauses, and what finally fails visible to the operator with its reason."""

from __future__ import annotations

import datetime
import socket
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from parta import factories as f
from parta.core import events
from parta.notifications import balance, delivery, preferences
from parta.notifications.models import Delivery, Notification, NotificationPreference, QuietHours
from parta.security.tests.sms_server import smsru_server  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

GRADE = gettext_noop("Новая оценка: %(subject)s — %(value)s")
ABSENCE = gettext_noop("Отсутствие на уроке: %(subject)s, %(date)s")


@pytest.fixture
def family(cast: Any) -> Any:
    """The cast's parent with an email and a confirmed phone, and a second child."""
    parent = cast.parent
    parent.email = "mama@example.ru"
    parent.phone = "+79123456789"
    parent.save()
    second = f.UserFactory(first_name="Оля", last_name="Петрова")
    f.EnrollmentFactory(student=second, school_class=cast.other_class)
    f.GuardianshipFactory(guardian=parent, child=second)
    cast.second_child = second
    return cast


def _subjects(letters: list[Any]) -> list[str]:
    return [" ".join(str(m["Subject"]).split()) for m in letters]


def _emit(kind: str, title: str, people: list[Any], child: Any = None, key: str = "", **params):
    events.emit(
        kind,
        recipients=[p.pk for p in people],
        title=title,
        params=params,
        url="/diary/",
        key=key or f"{kind}:{timezone.now().timestamp()}",
        child_ids={p.pk: child.pk for p in people} if child else None,
    )


def test_defaults_send_an_absence_by_email_and_keep_grades_in_the_inbox(
    family, smtp_server, django_capture_on_commit_callbacks
) -> None:
    parent, child = family.parent, family.student
    with django_capture_on_commit_callbacks(execute=True):
        _emit("new_grade", GRADE, [parent], child, subject="Математика", value=5)
        _emit("absence", ABSENCE, [parent], child, subject="Физика", date="02.12.2026")
    # The inbox has everything; the mail only the absence; SMS nothing (they cost money).
    assert Notification.objects.filter(recipient=parent).count() == 2
    assert _subjects(smtp_server) == ["Парта: Отсутствие на уроке: Физика, 02.12.2026"]
    letter = smtp_server[0]
    assert letter["X-Envelope-To"] == "mama@example.ru"
    assert letter["Auto-Submitted"] == "auto-generated"
    text = letter.get_content()
    assert "http://testserver/diary/" in text or "/diary/" in text
    assert "/inbox/settings/" in text
    sent = Delivery.objects.get(person=parent)
    assert sent.channel == "email" and sent.status == "sent" and sent.attempts == 1


def test_a_choice_about_one_child_overrides_the_choice_for_all(
    family, smtp_server, django_capture_on_commit_callbacks
) -> None:
    parent = family.parent
    preferences.preferences_save(
        person=parent,
        choices={
            (0, "new_grade", "email"): False,
            (family.student.pk, "new_grade", "email"): True,
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        _emit("new_grade", GRADE, [parent], family.student, subject="Математика", value=5)
        _emit("new_grade", GRADE, [parent], family.second_child, subject="Чтение", value=4)
    assert _subjects(smtp_server) == ["Парта: Новая оценка: Математика — 5"]


def test_choices_for_other_topics_change_nothing(
    family, smtp_server, django_capture_on_commit_callbacks
) -> None:
    """The contacts statement joins only the event's topic's choices."""
    parent = family.parent
    preferences.preferences_save(
        person=parent,
        choices={
            (0, "absence", "email"): not preferences.default("new_grade", "email"),
            (0, "absence", "sms"): True,
            (family.student.pk, "absence", "email"): False,
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        _emit("new_grade", GRADE, [parent], family.student, subject="Математика", value=5)
    expected = ["email"] if preferences.default("new_grade", "email") else []
    assert list(Delivery.objects.values_list("channel", flat=True)) == expected
    assert len(smtp_server) == len(expected)


def test_letters_are_in_the_readers_language(
    family, smtp_server, django_capture_on_commit_callbacks
) -> None:
    family.parent.language = "en"
    family.parent.save()
    with django_capture_on_commit_callbacks(execute=True):
        _emit(
            "absence", ABSENCE, [family.parent], family.student, subject="Физика", date="02.12.2026"
        )
    assert _subjects(smtp_server)[0] == "Parta: Absence from lesson: Физика, 02.12.2026"


def test_the_same_event_handled_twice_is_delivered_once(
    family, smtp_server, django_capture_on_commit_callbacks
) -> None:
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            _emit(
                "absence",
                ABSENCE,
                [family.parent],
                family.student,
                key="absence:77",
                subject="Физика",
                date="02.12.2026",
            )
    assert len(smtp_server) == 1
    row = Delivery.objects.get()
    assert delivery.deliver_one(row.pk) == "sent"
    assert len(smtp_server) == 1


def test_sms_are_paid_from_the_balance_and_wait_out_quiet_hours(
    family,
    smsru_server,  # noqa: F811
    django_capture_on_commit_callbacks,
) -> None:
    parent = family.parent
    balance.sms_top_up(person=parent, amount=Decimal("30"), reference="pay")
    preferences.preferences_save(person=parent, choices={(0, "absence", "sms"): True})
    now = timezone.localtime()
    QuietHours.objects.create(
        person=parent,
        start=(now - datetime.timedelta(hours=1)).time(),
        end=(now + datetime.timedelta(hours=1)).time().replace(second=0, microsecond=0),
    )
    with django_capture_on_commit_callbacks(execute=True):
        _emit("absence", ABSENCE, [parent], family.student, subject="Физика", date="02.12.2026")
    sms = Delivery.objects.get(person=parent, channel="sms")
    assert sms.status == "queued" and sms.not_before > timezone.now()
    assert smsru_server.requests == []
    assert delivery.deliver_one(sms.pk) == "not_due"
    # The morning comes.
    Delivery.objects.filter(pk=sms.pk).update(not_before=timezone.now())
    assert delivery.deliver_due() == 1
    sms.refresh_from_db()
    assert sms.status == "sent"
    assert smsru_server.last_text == "Парта: Отсутствие на уроке: Физика, 02.12.2026"
    assert balance.balance_of(parent) == Decimal("27.00")


def test_no_balance_fails_the_sms_and_tells_the_person(
    family,
    smsru_server,  # noqa: F811
    django_capture_on_commit_callbacks,
) -> None:
    parent = family.parent
    preferences.preferences_save(person=parent, choices={(0, "absence", "sms"): True})
    QuietHours.objects.create(
        person=parent, enabled=False, start=datetime.time(22), end=datetime.time(7)
    )
    with django_capture_on_commit_callbacks(execute=True):
        _emit("absence", ABSENCE, [parent], family.student, subject="Физика", date="02.12.2026")
    sms = Delivery.objects.get(person=parent, channel="sms")
    assert sms.status == "failed" and sms.last_error == "no SMS balance"
    assert smsru_server.requests == []
    assert Notification.objects.filter(recipient=parent, kind="sms_no_balance").exists()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_mail_server_that_is_down_is_retried_with_growing_pauses_then_failed(
    family, settings, smtp_server, django_capture_on_commit_callbacks
) -> None:
    settings.EMAIL_PORT = _closed_port()
    settings.PARTA_DELIVERY_RETRY_MINUTES = [1, 5, 30]
    with django_capture_on_commit_callbacks(execute=True):
        _emit(
            "absence", ABSENCE, [family.parent], family.student, subject="Физика", date="02.12.2026"
        )
    row = Delivery.objects.get()
    pauses = []
    for attempt in range(1, 4):
        row.refresh_from_db()
        assert row.status == "queued" and row.attempts == attempt
        assert "smtp" in row.last_error
        pauses.append(round((row.not_before - timezone.now()).total_seconds() / 60))
        assert delivery.deliver_one(row.pk) == "not_due"
        Delivery.objects.filter(pk=row.pk).update(not_before=timezone.now())
        delivery.deliver_due()
    assert pauses == [1, 5, 30]
    row.refresh_from_db()
    assert row.status == "failed" and row.attempts == 4 and "smtp" in row.last_error
    assert smtp_server == []
    assert delivery.deliveries_failed() == [row]


def test_the_operator_sees_failures_with_the_reason_and_sends_them_again(
    family, client, smtp_server, django_capture_on_commit_callbacks
) -> None:
    row = Delivery.objects.create(
        person=family.parent,
        channel="email",
        kind="absence",
        key="absence:1",
        title=ABSENCE,
        params={"subject": "Физика", "date": "02.12.2026"},
        status="failed",
        attempts=5,
        last_error="smtp: SMTPServerDisconnected: Connection unexpectedly closed",
    )
    operator = family.operator
    operator.is_staff = True
    operator.save()
    client.force_login(operator)
    page = client.get(reverse("admin:notifications_delivery_changelist") + "?status=failed")
    assert page.status_code == 200
    assert "Connection unexpectedly closed" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:notifications_delivery_changelist"),
            {"action": "send_again", "_selected_action": [row.pk]},
        )
    row.refresh_from_db()
    assert row.status == "sent" and row.last_error == ""
    assert _subjects(smtp_server) == ["Парта: Отсутствие на уроке: Физика, 02.12.2026"]
    # Nobody else sees deliveries at all.
    client.force_login(family.director)
    assert client.get(reverse("admin:notifications_delivery_changelist")).status_code in (
        302,
        403,
        404,
    )


def test_choosing_the_channels_takes_a_fixed_number_of_queries(
    cast, django_capture_on_commit_callbacks
) -> None:
    def queries(n: int) -> int:
        people = [f.UserFactory() for _ in range(n)]  # nobody with an address
        with CaptureQueriesContext(connection) as ctx:
            delivery.to_channels(
                events.Event(
                    kind="absence",
                    recipients=tuple(p.pk for p in people),
                    title=ABSENCE,
                    key=f"k{n}",
                )
            )
        return len(ctx.captured_queries)

    # The people with their addresses, quiet hours and choices (nobody to send to).
    assert queries(3) == queries(60) == 1


@pytest.mark.parametrize(
    ("start", "end", "now", "expected"),
    [
        ("22:00", "07:00", "23:30", "2026-12-03 07:00"),
        ("22:00", "07:00", "06:10", "2026-12-02 07:00"),
        ("22:00", "07:00", "12:00", None),
        ("13:00", "15:00", "14:00", "2026-12-02 15:00"),
        ("13:00", "15:00", "15:00", None),
    ],
)
def test_quiet_hours_cross_midnight(start, end, now, expected) -> None:
    tz = timezone.get_current_timezone()
    moment = timezone.make_aware(datetime.datetime.fromisoformat(f"2026-12-02 {now}"), tz)
    hours = (datetime.time.fromisoformat(start), datetime.time.fromisoformat(end))
    result = preferences.after_quiet_hours(hours, moment)
    if expected is None:
        assert result is None
    else:
        assert timezone.localtime(result).strftime("%Y-%m-%d %H:%M") == expected


# --- the settings page ---------------------------------------------------------------------------
def test_a_parent_chooses_per_child_and_sets_quiet_hours(family, client) -> None:
    client.force_login(family.parent)
    page = client.get(reverse("notification_settings"))
    assert page.status_code == 200
    titles = [s.title for s in page.context["sections"]]
    assert titles == [
        f"О ребёнке: {family.student.short_name}",
        f"О ребёнке: {family.second_child.short_name}",
        "Обо мне",
    ]
    body = page.content.decode()
    first = family.student.pk
    # Defaults are shown ticked: an absence by email.
    assert f'name="p-{first}-absence-email" id="p-{first}-absence-email" checked' in body
    response = client.post(
        reverse("notification_settings"),
        {
            f"p-{first}-new_grade-sms": "on",
            f"p-{first}-absence-email": "on",
            "enabled": "on",
            "start": "21:30",
            "end": "08:00",
        },
    )
    assert response.status_code == 302
    stored = {
        (p.child_id, p.topic, p.channel): p.enabled
        for p in NotificationPreference.objects.filter(person=family.parent)
    }
    assert stored[(first, "new_grade", "sms")] is True
    assert stored[(first, "absence", "email")] is True
    assert stored[(family.second_child.pk, "absence", "email")] is False
    quiet = QuietHours.objects.get(person=family.parent)
    assert (quiet.start, quiet.end) == (datetime.time(21, 30), datetime.time(8))


def test_a_wrong_quiet_hour_is_refused_and_the_ticks_are_kept(family, client) -> None:
    client.force_login(family.parent)
    first = family.student.pk
    response = client.post(
        reverse("notification_settings"),
        {f"p-{first}-homework-sms": "on", "enabled": "on", "start": "25:99", "end": "07:00"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert f'name="p-{first}-homework-sms" id="p-{first}-homework-sms" checked' in body
    assert 'value="25:99"' in body
    assert not NotificationPreference.objects.filter(person=family.parent).exists()


def test_nobody_can_set_choices_about_someone_elses_child(family, client) -> None:
    client.force_login(family.other_parent)
    client.post(
        reverse("notification_settings"),
        {f"p-{family.student.pk}-new_grade-email": "on", "start": "22:00", "end": "07:00"},
    )
    assert not NotificationPreference.objects.filter(
        person=family.other_parent, child=family.student
    ).exists()


def test_quiet_hours_from_a_row_or_its_absence(settings) -> None:
    settings.PARTA_QUIET_HOURS = "21:30-06:45"
    assert preferences.quiet_hours_from() == (datetime.time(21, 30), datetime.time(6, 45))
    assert preferences.quiet_hours_from(None, None, None) == preferences.default_quiet_hours()
    assert preferences.quiet_hours_from(False, datetime.time(22), datetime.time(7)) is None
    assert preferences.quiet_hours_from(True, datetime.time(13), datetime.time(15)) == (
        datetime.time(13),
        datetime.time(15),
    )
