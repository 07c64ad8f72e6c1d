"""Complaints to the education department (ACC-6): filed without signing in, answered by the
department of the school's municipality, letters over a real SMTP server."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from parta import factories as f
from parta.accounts.tokens import hash_token
from parta.complaints import services
from parta.complaints.models import Complaint
from parta.complaints.tests.fixtures import school_complaint
from parta.core.errors import DomainError


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The throttle and the robot check keep their counts in the cache.
    cache.clear()
    yield
    cache.clear()


def solve(html: str) -> dict[str, str]:
    """Answer the robot check the way a person does: read the question, do the sum."""
    token = re.search(r'name="robot_challenge" value="([^"]+)"', html).group(1)
    a, op, b = re.search(r"Сколько будет (\d+) (плюс|минус) (\d+)\?", html).groups()
    answer = int(a) + int(b) if op == "плюс" else int(a) - int(b)
    return {"robot_challenge": token, "robot_answer": str(answer), "homepage": ""}


def complaint_data(cast, html: str, **overrides: str) -> dict[str, str]:
    data = {
        "municipality": str(cast.municipality.pk),
        "school_search": "",
        "organization": str(cast.school.pk),
        "text": "Классный руководитель 5А третью неделю не выдаёт логин и пароль.",
        "employee": "Смирнова О. П.",
        "complainant_name": "Иванова Ирина Ивановна",
        "email": "ivanova@example.ru",
        "phone": "",
        "agree": "on",
        **solve(html),
    }
    data.update(overrides)
    return data


def test_acc6_sign_in_page_links_to_the_complaint(client):
    page = client.get(reverse("account_login")).content.decode()
    assert f'href="{reverse("complaint_new")}"' in page


def test_acc6_complaint_is_filed_answered_and_both_letters_arrive(
    cast, client, smtp_server, django_capture_on_commit_callbacks
):
    """ACC-6: anonymous complaint → letter with number and link → official answers → letter."""
    cast.official.email = "ruo@example.ru"
    cast.official.save()
    form = client.get(reverse("complaint_new")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("complaint_new"), complaint_data(cast, form))
    complaint = Complaint.objects.get()
    assert response.status_code == 302
    # Only the hash of the link's key is stored: the key is the one the redirect carries.
    key = re.fullmatch(r"/complaints/status/([^/]+)/", response["Location"]).group(1)
    assert complaint.access_key_hash == hash_token(key)
    assert response["Location"] == reverse("complaint_status", args=[key])
    assert complaint.status == Complaint.Status.NEW
    assert complaint.organization == cast.school

    to_complainant = [m for m in smtp_server if m["X-Envelope-To"] == "ivanova@example.ru"]
    assert len(to_complainant) == 1
    body = to_complainant[0].get_content()
    assert complaint.number in to_complainant[0]["Subject"]
    link = re.search(r"http://testserver(/complaints/status/\S+/)", body).group(1)
    assert link == reverse("complaint_status", args=[key])
    to_official = [m for m in smtp_server if m["X-Envelope-To"] == "ruo@example.ru"]
    assert len(to_official) == 1 and complaint.number in to_official[0]["Subject"]

    status_page = client.get(link).content.decode()
    assert "ждёт рассмотрения" in status_page
    assert client.get(link)["Referrer-Policy"] == "no-referrer"

    client.force_login(cast.official)
    queue = client.get(reverse("complaints_queue")).content.decode()
    assert complaint.number in queue
    assert client.post(reverse("complaint_take", args=[complaint.pk])).status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.IN_PROGRESS
    assert complaint.taken_by == cast.official

    with django_capture_on_commit_callbacks(execute=True):
        answered = client.post(
            reverse("complaint_detail", args=[complaint.pk]),
            {"answer": "Логин выдан 25 ноября, с классным руководителем проведена беседа."},
        )
    assert answered.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.ANSWERED
    assert complaint.answered_by == cast.official
    answers = [m for m in smtp_server if "Ответ на жалобу" in m["Subject"]]
    assert len(answers) == 1
    assert answers[0]["X-Envelope-To"] == "ivanova@example.ru"
    assert "проведена беседа" in answers[0].get_content()
    answer_link = re.search(
        r"http://testserver(/complaints/status/\S+/)", answers[0].get_content()
    ).group(1)

    client.logout()
    status_page = client.get(link).content.decode()
    assert "проведена беседа" in status_page
    assert "отвечена" in status_page
    # The answer letter's link (the key is no longer known: a signed one) opens the same page.
    assert "проведена беседа" in client.get(answer_link).content.decode()


def test_acc6_official_of_another_municipality_gets_404(cast, client):
    complaint = school_complaint(cast)
    stranger = f.UserFactory(username="ruo2")
    f.OfficialFactory(
        person=stranger,
        region=cast.municipality.region,
        municipality=cast.other_municipality,
        kind="municipal",
    )
    client.force_login(stranger)
    assert client.get(reverse("complaints_queue")).status_code == 200
    assert complaint.number not in client.get(reverse("complaints_queue")).content.decode()
    assert client.get(reverse("complaint_detail", args=[complaint.pk])).status_code == 404
    answer = client.post(reverse("complaint_detail", args=[complaint.pk]), {"answer": "Нет."})
    assert answer.status_code == 404
    assert client.post(reverse("complaint_take", args=[complaint.pk])).status_code == 404
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.NEW and not complaint.answer


def test_acc6_school_staff_never_see_complaints_about_their_school(cast, client):
    complaint = school_complaint(cast)
    for member in (cast.director, cast.class_teacher):
        client.force_login(member)
        assert client.get(reverse("complaint_detail", args=[complaint.pk])).status_code == 404


def test_acc6_rejected_form_keeps_what_was_typed(cast, client):
    form = client.get(reverse("complaint_new")).content.decode()
    data = complaint_data(cast, form, email="ivanova-at-example", organization="")
    response = client.post(reverse("complaint_new"), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert not Complaint.objects.exists()
    assert "третью неделю не выдаёт логин" in page
    assert 'value="Иванова Ирина Ивановна"' in page
    assert 'value="ivanova-at-example"' in page
    assert "Выберите школу." in page
    assert "Адрес почты набран с ошибкой" in page
    # The chosen municipality stays chosen and its schools are listed again.
    assert f'<option value="{cast.municipality.pk}" selected>' in page
    assert f'<option value="{cast.school.pk}">' in page
    # The question was spent: a new one is asked.
    assert solve(page)["robot_challenge"] != solve(form)["robot_challenge"]


def test_acc6_wrong_robot_answer_files_nothing(cast, client):
    form = client.get(reverse("complaint_new")).content.decode()
    data = complaint_data(cast, form)
    data["robot_answer"] = str(int(data["robot_answer"]) + 1)
    page = client.post(reverse("complaint_new"), data).content.decode()
    assert not Complaint.objects.exists()
    assert "Ответ неверный" in page
    assert "третью неделю" in page


def test_acc6_school_of_another_municipality_is_refused(cast, client):
    form = client.get(reverse("complaint_new")).content.decode()
    data = complaint_data(cast, form, organization=str(cast.other_school.pk))
    page = client.post(reverse("complaint_new"), data).content.decode()
    assert not Complaint.objects.exists()
    assert "Эта школа не из выбранного муниципалитета" in page


def test_acc6_school_chooser_lists_the_municipality_and_narrows_by_search(cast, client):
    f.OrganizationFactory(municipality=cast.municipality, short_name="Гимназия № 5")
    url = reverse("complaint_schools")
    page = client.get(url, {"municipality": cast.municipality.pk}).content.decode()
    assert "Школа № 1" in page and "Гимназия № 5" in page and "Школа № 2" not in page
    page = client.get(
        url, {"municipality": cast.municipality.pk, "school_search": "гимназ"}
    ).content.decode()
    assert "Гимназия № 5" in page and "Школа № 1" not in page
    # A school already chosen stays in the list whatever the search says.
    page = client.get(
        url,
        {
            "municipality": cast.municipality.pk,
            "school_search": "гимназ",
            "organization": cast.school.pk,
        },
    ).content.decode()
    assert "Школа № 1" in page
    # "Show schools" without JavaScript: the same form back, nothing checked, nothing filed.
    form = client.get(reverse("complaint_new")).content.decode()
    data = complaint_data(cast, form, organization="", action="find")
    response = client.post(reverse("complaint_new"), data)
    assert response.status_code == 200 and not Complaint.objects.exists()
    assert "Выберите школу." not in response.content.decode()


def test_acc6_throttle_stops_a_flood_from_one_address(cast, client, settings):
    settings.PARTA_COMPLAINTS_PER_ADDRESS_PER_DAY = 2
    for _ in range(2):
        form = client.get(reverse("complaint_new")).content.decode()
        assert client.post(reverse("complaint_new"), complaint_data(cast, form)).status_code == 302
    form = client.get(reverse("complaint_new")).content.decode()
    response = client.post(reverse("complaint_new"), complaint_data(cast, form, text="Третья."))
    assert response.status_code == 429
    assert "уже подано много жалоб" in response.content.decode()
    assert "Третья." in response.content.decode()
    assert Complaint.objects.count() == 2


def test_acc6_an_answered_complaint_is_answered_once(cast):
    complaint = school_complaint(cast)
    services.complaint_answer(
        complaint=complaint, official=cast.official, answer="Первый ответ.", site="http://x/"
    )
    with pytest.raises(DomainError):
        services.complaint_answer(
            complaint=complaint, official=cast.operator, answer="Второй.", site="http://x/"
        )
    complaint.refresh_from_db()
    assert complaint.answer == "Первый ответ." and complaint.answered_by == cast.official


def test_acc6_queue_counts_filters_and_search(cast, client):
    new = school_complaint(cast)
    school_complaint(cast, status=Complaint.Status.IN_PROGRESS)
    answered = school_complaint(cast, status=Complaint.Status.ANSWERED, answer="Да.")
    far = school_complaint(cast, organization=cast.other_school, complainant_name="Орлова")
    client.force_login(cast.operator)
    response = client.get(reverse("complaints_queue"))
    assert [count for _v, _l, count in response.context["tabs"]] == [2, 1, 1]
    response = client.get(reverse("complaints_queue"), {"municipality": cast.other_municipality.pk})
    assert [c.pk for c in response.context["page"]] == [far.pk]
    response = client.get(reverse("complaints_queue"), {"q": new.number})
    assert [c.pk for c in response.context["page"]] == [new.pk]
    response = client.get(reverse("complaints_queue"), {"status": "answered"})
    assert [c.pk for c in response.context["page"]] == [answered.pk]
    client.force_login(cast.official)
    response = client.get(reverse("complaints_queue"))
    assert [count for _v, _l, count in response.context["tabs"]] == [1, 1, 1]


def _queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_acc6_queue_keeps_a_fixed_number_of_queries(cast, client, django_assert_max_num_queries):
    school_complaint(cast)
    client.force_login(cast.operator)
    url = reverse("complaints_queue")
    small = _queries(client, url)
    for n in range(30):
        school = f.OrganizationFactory(municipality=cast.municipality, short_name=f"Школа {n}")
        complaint = school_complaint(cast, organization=school)
        services.complaint_take(complaint=complaint, official=cast.official)
        school_complaint(cast, organization=school)
    with django_assert_max_num_queries(small):
        response = client.get(url)
    assert len(response.context["page"]) == 25
    with django_assert_max_num_queries(small):
        client.get(url, {"status": "in_progress"})


def test_acc6_signed_in_parent_finds_name_and_email_filled_in(cast, client):
    client.force_login(cast.parent)
    page = client.get(reverse("complaint_new")).content.decode()
    assert 'value="Петрова Анна Сергеевна"' in page
    assert 'value="petrova@example.ru"' in page


# --- review fixes ---------------------------------------------------------------------------
def test_acc6_status_link_key_is_stored_only_as_its_hash(cast, client):
    """The key of the private link is nowhere in the database; a wrong or forged link is 404."""
    from django.core import signing
    from django.forms.models import model_to_dict

    form = client.get(reverse("complaint_new")).content.decode()
    response = client.post(reverse("complaint_new"), complaint_data(cast, form))
    key = re.fullmatch(r"/complaints/status/([^/]+)/", response["Location"]).group(1)
    complaint = Complaint.objects.get()
    stored = {**model_to_dict(complaint), "access_key_hash": complaint.access_key_hash}
    assert not [name for name, value in stored.items() if key in str(value)]
    assert not Complaint.objects.filter(access_key_hash=key).exists()
    assert client.get(response["Location"]).status_code == 200
    wrong = reverse("complaint_status", args=[key[:-2] + ("AA" if key[-2:] != "AA" else "BB")])
    assert client.get(wrong).status_code == 404
    # The signed link of later letters cannot be made up: another salt, a tampered signature.
    forged = signing.dumps(complaint.pk, salt="something-else")
    assert client.get(reverse("complaint_status", args=[forged])).status_code == 404
    signed = signing.dumps(complaint.pk, salt=services._STATUS_SALT)
    assert client.get(reverse("complaint_status", args=[signed])).status_code == 200
    tampered = signing.dumps(complaint.pk + 1, salt=services._STATUS_SALT).split(":")[0]
    tampered += ":" + signed.split(":", 1)[1]
    assert client.get(reverse("complaint_status", args=[tampered])).status_code == 404


def test_acc6_throttle_counts_and_refuses_in_one_step(settings):
    """The filing is counted before the limit is compared, so two filings at once cannot both
    read a count under the limit: each call is one filing counted."""
    settings.PARTA_COMPLAINTS_PER_ADDRESS_PER_DAY = 2
    services.complaint_throttle(address="203.0.113.7")
    services.complaint_throttle(address="203.0.113.7")
    with pytest.raises(DomainError) as refused:
        services.complaint_throttle(address="203.0.113.7")
    assert refused.value.code == "throttled"
    services.complaint_throttle(address="203.0.113.8")  # another address has its own count


def test_acc6_detail_reads_the_complaint_with_one_query(cast, client):
    """Fetched through editable_by (who may open a complaint may answer it): no second query
    asks again whether the official may answer."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    complaint = school_complaint(cast)
    client.force_login(cast.official)
    client.get(reverse("complaints_queue"))  # the session and roles are warm
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(reverse("complaint_detail", args=[complaint.pk]))
    assert page.status_code == 200 and page.context["may_answer"]
    reads = [q["sql"] for q in ctx.captured_queries if '"complaints_complaint"' in q["sql"]]
    assert len(reads) == 1


def test_acc6_answered_complaint_refuses_a_second_answer_with_the_reason(cast, client):
    complaint = school_complaint(cast, status=Complaint.Status.ANSWERED, answer="Да.")
    client.force_login(cast.official)
    response = client.post(
        reverse("complaint_detail", args=[complaint.pk]), {"answer": "Ещё."}, follow=True
    )
    assert "На эту жалобу уже дан ответ." in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.answer == "Да."


def test_acc6_number_takes_the_year_of_the_local_time(cast, settings):
    """Filed at 00:30 on 1 January in Moscow (still 31 December in UTC): the new year."""
    import datetime

    settings.TIME_ZONE = "Europe/Moscow"
    complaint = school_complaint(cast)
    moment = datetime.datetime(2026, 12, 31, 21, 30, tzinfo=datetime.UTC)
    Complaint.objects.filter(pk=complaint.pk).update(created_at=moment)
    complaint.refresh_from_db()
    assert complaint.number == f"2027-{complaint.pk:05d}"


def test_acc6_mistyped_phone_is_refused_with_the_validators_message(cast, client):
    form = client.get(reverse("complaint_new")).content.decode()
    page = client.post(
        reverse("complaint_new"), complaint_data(cast, form, phone="12-34")
    ).content.decode()
    assert not Complaint.objects.exists()
    assert "10 цифр после +7" in page
    form = client.get(reverse("complaint_new")).content.decode()
    client.post(reverse("complaint_new"), complaint_data(cast, form, phone="8 912 345-67-89"))
    assert Complaint.objects.get().phone == "+79123456789"


def test_acc6_school_chooser_says_how_many_schools_without_counting_in_the_template(
    cast, client, django_assert_max_num_queries
):
    f.OrganizationFactory(municipality=cast.municipality, short_name="Гимназия № 5")
    url = reverse("complaint_schools")
    # The form lists the schools once and counts them once; the template counts nothing.
    with django_assert_max_num_queries(2):
        page = client.get(url, {"municipality": cast.municipality.pk}).content.decode()
    assert "В списке 2 школы." in page
    page = client.get(url, {"municipality": cast.municipality.pk, "school_search": "лицей"})
    assert "По этому названию школ не нашлось." in page.content.decode()
