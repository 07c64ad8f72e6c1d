"""VER-5: every decision is recorded, the director reports them, Parta reminds until then."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from parta import factories as f
from parta.accounts.tests.issuing_helpers import pdf_text
from parta.confirmation.models import Decision, ReminderSent, Report
from parta.confirmation.services import reminders_send, report_send, staff_decide, students_decide
from parta.core.errors import DomainError
from parta.directory.models import Enrollment, StaffPosition

from .helpers import pending_staff, pending_students

pytestmark = pytest.mark.django_db

REPORTS = reverse("confirmation_reports")


def _decide_some(cast, *, when=None):
    """The director confirms the pending teacher and rejects a claim; the class teacher
    confirms the pending student. Another school's decision is made too."""
    when = when or timezone.now()
    rejected = pending_staff(cast.school, 1, prefix="rej")[0]
    staff_decide(
        decider=cast.director,
        ids=[StaffPosition.objects.get(person=cast.pending_teacher).pk],
        verdict="confirmed",
        now=when,
    )
    staff_decide(
        decider=cast.director,
        ids=[rejected.pk],
        verdict="rejected",
        reason="Не работает у нас",
        now=when,
    )
    students_decide(
        decider=cast.class_teacher,
        ids=[Enrollment.objects.get(student=cast.pending_student).pk],
        verdict="confirmed",
        now=when,
    )


def _far_decision(cast):
    director = f.UserFactory(username="director2", email="d2@example.ru")
    f.StaffPositionFactory(person=director, organization=cast.other_school, position="director")
    claim = pending_staff(cast.other_school, 1, prefix="far")[0]
    staff_decide(decider=director, ids=[claim.pk], verdict="confirmed")
    return director


def test_ver5_report_covers_exactly_the_unreported_decisions(
    cast, client, smtp_server, django_capture_on_commit_callbacks
):
    """VER-5: the director's and the class teacher's decisions, of this organization only,
    not the ones already reported; the municipal authority gets the PDF by email."""
    cast.official.email = "ruo@example.ru"
    cast.official.save()
    _far_decision(cast)
    early = pending_staff(cast.school, 1, prefix="early")[0]
    staff_decide(decider=cast.director, ids=[early.pk], verdict="confirmed")
    with django_capture_on_commit_callbacks(execute=True):
        first = report_send(organization=cast.school, sent_by=cast.director)
    assert first.decisions.count() == 1
    _decide_some(cast)

    client.force_login(cast.director)
    page = client.get(REPORTS).content.decode()
    assert "Новикова Ирина Андреевна" in page and "Зайцев Артём" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("confirmation_report_send"), {"organization": cast.school.pk}, follow=True
        )
    assert response.status_code == 200
    report = Report.objects.exclude(pk=first.pk).get()
    assert (report.confirmed_count, report.rejected_count) == (2, 1)
    in_report = set(report.decisions.values_list("person__username", flat=True))
    assert in_report == {cast.pending_teacher.username, cast.pending_student.username, "rej0"}
    assert Decision.objects.filter(organization=cast.school, report__isnull=True).count() == 0
    assert Decision.objects.filter(organization=cast.other_school, report__isnull=True).count() == 1
    html = response.content.decode()
    assert "Смирнова Ольга Петровна" in html or "Смирнова О. П." in html  # who decided
    assert "Не работает у нас" in html

    letters = [m for m in smtp_server if m["X-Envelope-To"] == "ruo@example.ru"]
    assert len(letters) == 2
    attachment = next(letters[-1].iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    text = pdf_text(attachment.get_content())
    assert "Новикова Ирина Андреевна" in text and "Не работает у нас" in text


def test_ver5_nothing_to_report_is_said_and_no_empty_report_is_made(cast, client):
    with pytest.raises(DomainError):
        report_send(organization=cast.school, sent_by=cast.director)
    client.force_login(cast.director)
    response = client.post(
        reverse("confirmation_report_send"), {"organization": cast.school.pk}, follow=True
    )
    assert "отправлять нечего" in response.content.decode()
    assert not Report.objects.exists()


@pytest.mark.parametrize("member", ["class_teacher", "official", "operator", "other_teacher"])
def test_ver5_only_the_director_sends_the_report(cast, client, member):
    _decide_some(cast)
    client.force_login(cast.members[member])
    response = client.post(reverse("confirmation_report_send"), {"organization": cast.school.pk})
    assert response.status_code == 404
    assert not Report.objects.exists()


def test_ver5_director_cannot_report_another_organization(cast, client):
    _far_decision(cast)
    client.force_login(cast.director)
    response = client.post(
        reverse("confirmation_report_send"), {"organization": cast.other_school.pk}
    )
    assert response.status_code == 404
    assert not Report.objects.exists()


def test_ver5_authorities_see_reports_of_their_territory_only(cast, client):
    _decide_some(cast)
    report = report_send(organization=cast.school, sent_by=cast.director)
    far_director = _far_decision(cast)
    far = report_send(organization=cast.other_school, sent_by=far_director)
    url = reverse("confirmation_report", args=[report.pk])
    far_url = reverse("confirmation_report", args=[far.pk])
    client.force_login(cast.official)  # municipal authority of the first school only
    assert client.get(url).status_code == 200
    assert client.get(far_url).status_code == 404
    home = client.get(reverse("municipal_home")).content.decode()
    assert url in home and far_url not in home
    client.force_login(cast.operator)
    assert client.get(far_url).status_code == 200
    client.force_login(cast.class_teacher)
    assert client.get(url).status_code == 404


def test_ver5_report_pdf_renders_cyrillic(cast, client):
    _decide_some(cast)
    report = report_send(organization=cast.school, sent_by=cast.director)
    client.force_login(cast.director)
    response = client.get(reverse("confirmation_report_pdf", args=[report.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert "Отчёт о подтверждении сотрудников и учеников" in text
    assert "Зайцев Артём" in text and "Ученик, класс 5А" in text
    assert "Не работает у нас" in text
    assert "Волков Андрей" in text  # who decided


def test_ver5_director_banner_until_reported(cast, client):
    _decide_some(cast)
    client.force_login(cast.director)
    home = client.get(reverse("school_home")).content.decode()
    assert "ещё не вошли в отчёт" in home
    report_send(organization=cast.school, sent_by=cast.director)
    home = client.get(reverse("school_home")).content.decode()
    assert "ещё не вошл" not in home


def test_ver5_reminders_once_a_day_until_reported(
    cast, smtp_server, django_capture_on_commit_callbacks
):
    """VER-5: the daily command reminds each director once a day while decisions wait."""
    cast.director.email = "director@school1.example.ru"
    cast.director.save()
    now = timezone.now()
    _decide_some(cast, when=now - datetime.timedelta(days=1))

    with django_capture_on_commit_callbacks(execute=True):
        call_command("remind_unreported")
        call_command("remind_unreported")  # idempotent: the second run of the day sends nothing
    to_director = [m for m in smtp_server if m["X-Envelope-To"] == "director@school1.example.ru"]
    assert len(to_director) == 1
    body = to_director[0].get_content()
    assert "Школа № 1: 3 решени" in body

    assert reminders_send(now=now + datetime.timedelta(days=1)) == 1
    assert ReminderSent.objects.count() == 2

    report_send(organization=cast.school, sent_by=cast.director)
    assert reminders_send(now=now + datetime.timedelta(days=2)) == 0


def test_ver5_no_reminder_for_fresh_decisions(
    cast, smtp_server, django_capture_on_commit_callbacks
):
    cast.director.email = "director@school1.example.ru"
    cast.director.save()
    _decide_some(cast)
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send() == 0
    assert not smtp_server


@pytest.mark.postgres
@pytest.mark.parametrize("n", [3, 300])
def test_ver5_reports_page_and_send_take_fixed_queries(
    cast, client, django_assert_max_num_queries, n
):
    staff_decide(
        decider=cast.director,
        ids=[c.pk for c in pending_staff(cast.school, n)],
        verdict="confirmed",
    )
    students_decide(
        decider=cast.class_teacher,
        ids=[c.pk for c in pending_students(cast.school_class, n)],
        verdict="confirmed",
    )
    client.force_login(cast.director)
    client.get(REPORTS)
    with django_assert_max_num_queries(11):
        assert client.get(REPORTS).status_code == 200
    with django_assert_max_num_queries(17):
        response = client.post(
            reverse("confirmation_report_send"), {"organization": cast.school.pk}
        )
    assert response.status_code == 302
    assert Report.objects.get().decisions_count == 2 * n


@pytest.mark.parametrize("schools", [1, 4])
def test_ver5_reports_page_queries_do_not_grow_with_the_directors_schools(
    cast, client, django_assert_max_num_queries, schools
):
    """A director of several schools: one query for every school's unreported decisions."""
    from parta import factories as f
    from parta.accounts.models import User

    directed = [cast.school]
    for _n in range(schools - 1):
        school = f.OrganizationFactory(municipality=cast.municipality)
        f.StaffPositionFactory(person=cast.director, organization=school, position="director")
        directed.append(school)
    director = User.objects.get(pk=cast.director.pk)  # roles are cached on the instance
    for n, school in enumerate(directed):
        result = staff_decide(
            decider=director,
            ids=[c.pk for c in pending_staff(school, 2, prefix=f"s{n}-")],
            verdict="confirmed",
        )
        assert result.decided == 2
    client.force_login(cast.director)
    client.get(REPORTS)
    with django_assert_max_num_queries(11):
        response = client.get(REPORTS)
    assert response.status_code == 200
    assert response.content.decode().count("Заявкин") >= 2 * schools
