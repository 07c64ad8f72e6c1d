"""Family links the school confirms (ACC-9): no one attaches a stranger's child; the parent
switches between their children."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parta import factories as f
from parta.accounts.models import User
from parta.core.errors import DomainError
from parta.directory.models import Guardianship
from parta.family import services
from parta.family.models import FamilyRequest
from parta.family.tests.fixtures import child_request
from parta.privacy.models import AccessRecord

SITE = "http://testserver/"


def _linked(guardian: User, child: User) -> bool:
    return Guardianship.objects.filter(guardian=guardian, child=child).exists()


def child_form(cast, **overrides: str) -> dict[str, str]:
    data = {
        "municipality": str(cast.municipality.pk),
        "school_search": "",
        "organization": str(cast.school.pk),
        "school_class": str(cast.other_class.pk),
        "child_last_name": "Сидоров",
        "child_first_name": "Коля",
        "child_middle_name": "",
        "child_birth_date": "2014-05-02",
        "relation": "mother",
        "comment": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def sibling(cast):
    """The cast's parent's second child, born before the first, in 6Б."""
    child = f.UserFactory(
        username="sestra",
        last_name="Петрова",
        first_name="Оля",
        birth_date=datetime.date(2014, 2, 3),
    )
    f.EnrollmentFactory(student=child, school_class=cast.other_class)
    return child


# --- no one attaches a stranger's child ----------------------------------------------------
def test_acc9_a_request_alone_links_nothing(cast, client):
    """ACC-9: the parent asks for another family's child; nothing is linked, nothing shown."""
    cast.other_student.birth_date = datetime.date(2014, 5, 2)
    cast.other_student.save()
    client.force_login(cast.parent)
    response = client.post(reverse("family_request_child"), child_form(cast))
    assert response.status_code == 302
    request = FamilyRequest.objects.get()
    assert request.status == "pending" and request.child is None
    assert not _linked(cast.parent, cast.other_student)
    assert client.get(reverse("parent_home"), {"child": cast.other_student.pk}).status_code == 404
    home = client.get(reverse("parent_home")).content.decode()
    assert "Сидоров" not in home
    # The request says nothing about whether such a child studies there.
    index = client.get(reverse("family_index")).content.decode()
    assert "ожидает подтверждения" in index


def test_acc9_school_rejects_a_child_it_does_not_have_and_parent_sees_why(
    cast, client, smtp_server, django_capture_on_commit_callbacks
):
    client.force_login(cast.parent)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("family_request_child"), child_form(cast, child_last_name="Небывалов"))
    request = FamilyRequest.objects.get()
    # The school hears of it: the class teacher of 6Б has no email here, the director neither;
    # the class teacher of 5А (another class) is not told.
    assert not [m for m in smtp_server if m["X-Envelope-To"] == cast.class_teacher.email]
    client.force_login(cast.director)
    page = client.get(reverse("family_decide", args=[request.pk])).content.decode()
    assert "нет ученика с такой фамилией или датой рождения" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("family_decide", args=[request.pk]),
            {"decision": "reject", "reason": "Такого ученика в 6Б нет."},
        )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "rejected" and request.decided_by == cast.director
    assert (
        not Guardianship.objects.filter(guardian=cast.parent).exclude(child=cast.student).exists()
    )
    letter = next(m for m in smtp_server if m["X-Envelope-To"] == cast.parent.email)
    assert "отклонила" in letter["Subject"]
    assert "Такого ученика в 6Б нет." in letter.get_content()
    client.force_login(cast.parent)
    assert "Такого ученика в 6Б нет." in client.get(reverse("family_index")).content.decode()


def test_acc9_school_of_another_child_cannot_decide(cast, client):
    """A teacher of another school, the authorities, another parent: 404; nothing linked."""
    request = child_request(cast)
    for member in (cast.other_teacher, cast.official, cast.operator, cast.other_parent):
        client.force_login(member)
        url = reverse("family_decide", args=[request.pk])
        assert client.get(url).status_code == 404
        assert (
            client.post(url, {"decision": "confirm", "student": cast.student.pk}).status_code == 404
        )
    request.refresh_from_db()
    assert request.status == "pending"


def test_acc9_forged_student_of_another_school_or_class_is_refused(cast, client):
    """The director cannot link a student of another school; the class teacher of 5А cannot
    link a student of 6Б, even with the request's name and birth date typed in."""
    far = cast.far_student
    far.first_name, far.birth_date = "Оля", datetime.date(2016, 4, 12)
    far.save()
    request = child_request(cast, child_last_name=far.last_name)
    client.force_login(cast.director)
    url = reverse("family_decide", args=[request.pk])
    page = client.post(url, {"decision": "confirm", "student": far.pk}).content.decode()
    assert "Выберите ученика из списка" in page
    assert not _linked(cast.parent, far)
    with pytest.raises(DomainError, match="не учится в этой школе"):
        services.family_request_confirm(
            request=request, decider=cast.director, student=far, site=SITE
        )
    sixth = cast.other_student
    sixth.first_name, sixth.birth_date = "Оля", datetime.date(2016, 4, 12)
    sixth.save()
    with pytest.raises(DomainError, match="не в вашем классе"):
        services.family_request_confirm(
            request=request, decider=cast.class_teacher, student=sixth, site=SITE
        )
    assert not _linked(cast.parent, sixth)
    request.refresh_from_db()
    assert request.status == "pending"


def test_acc9_confirmation_needs_matching_name_and_birth_date(cast):
    cast.other_student.birth_date = datetime.date(2014, 5, 2)
    cast.other_student.save()
    request = child_request(
        cast,
        school_class=cast.other_class,
        child_last_name="Сидоров",
        child_first_name="Коля",
        child_birth_date=datetime.date(2014, 5, 3),
    )
    with pytest.raises(DomainError, match="не совпадают"):
        services.family_request_confirm(
            request=request, decider=cast.director, student=cast.other_student, site=SITE
        )
    assert not _linked(cast.parent, cast.other_student)


def test_acc9_school_confirms_child_and_parent_switches_between_children(
    cast, client, sibling, smtp_server, django_capture_on_commit_callbacks
):
    client.force_login(cast.parent)
    client.post(
        reverse("family_request_child"),
        child_form(
            cast, child_last_name="Петрова", child_first_name="Оля", child_birth_date="03.02.2014"
        ),
    )
    request = FamilyRequest.objects.get()
    client.force_login(cast.director)
    before = AccessRecord.objects.count()
    page = client.get(reverse("family_decide", args=[request.pk])).content.decode()
    assert f'value="{sibling.pk}"' in page and "совпадает" in page
    assert AccessRecord.objects.count() > before  # the school looked at children's records
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("family_decide", args=[request.pk]),
            {"decision": "confirm", "student": sibling.pk},
        )
    assert response.status_code == 302
    assert _linked(cast.parent, sibling)
    assert Guardianship.objects.get(guardian=cast.parent, child=sibling).kind == "mother"
    letter = next(m for m in smtp_server if m["X-Envelope-To"] == cast.parent.email)
    assert "подтвердила" in letter["Subject"]

    client.force_login(cast.parent)
    home = client.get(reverse("parent_home"))
    # The elder child first; the switcher names both, the current one marked for screen readers.
    assert home.context["chosen"] == sibling
    html = home.content.decode()
    assert html.count('aria-current="page"') == 1
    assert f'href="?child={cast.student.pk}"' in html
    switched = client.get(reverse("parent_home"), {"child": cast.student.pk})
    assert switched.context["chosen"] == cast.student
    # Remembered: the cabinet opens on the child chosen last.
    assert client.get(reverse("parent_home")).context["chosen"] == cast.student
    assert client.get(reverse("parent_home"), {"child": "x"}).status_code == 404
    assert client.get(reverse("parent_home"), {"child": cast.far_student.pk}).status_code == 404


def test_acc9_the_class_teacher_is_told_of_a_request_for_their_class(
    cast, client, smtp_server, django_capture_on_commit_callbacks
):
    client.force_login(cast.parent)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("family_request_child"),
            child_form(cast, school_class=str(cast.school_class.pk), child_last_name="Орлов"),
        )
    request = FamilyRequest.objects.get()
    letter = next(m for m in smtp_server if m["X-Envelope-To"] == cast.class_teacher.email)
    assert "Орлов Коля" in letter["Subject"]
    assert f"http://testserver/family/school/{request.pk}/" in letter.get_content()


def test_acc9_class_teacher_decides_for_their_own_class_only(cast, client):
    in_5a = child_request(cast)
    in_6b = child_request(cast, school_class=cast.other_class, child_first_name="Вера")
    client.force_login(cast.class_teacher)
    queue = client.get(reverse("family_school_requests"))
    assert [r.pk for r in queue.context["page"]] == [in_5a.pk]
    assert client.get(reverse("family_decide", args=[in_6b.pk])).status_code == 404
    client.force_login(cast.director)
    queue = client.get(reverse("family_school_requests"))
    assert {r.pk for r in queue.context["page"]} == {in_5a.pk, in_6b.pk}


# --- a second parent ----------------------------------------------------------------------
def test_acc9_second_parent_gets_a_new_issued_account_by_email(
    cast, client, smtp_server, django_capture_on_commit_callbacks
):
    client.force_login(cast.parent)
    response = client.post(
        reverse("family_request_parent"),
        {
            "child": cast.student.pk,
            "last_name": "Петров",
            "first_name": "Сергей",
            "middle_name": "Иванович",
            "email": "s.petrov@example.ru",
            "phone": "",
            "relation": "father",
        },
    )
    assert response.status_code == 302
    request = FamilyRequest.objects.get()
    assert request.organization == cast.school and request.school_class == cast.school_class
    assert not User.objects.filter(email="s.petrov@example.ru").exists()

    client.force_login(cast.class_teacher)
    page = client.get(reverse("family_decide", args=[request.pk])).content.decode()
    assert "будет создана учётная запись" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("family_decide", args=[request.pk]), {"decision": "confirm"})
    assert response.status_code == 302
    father = User.objects.get(email="s.petrov@example.ru")
    assert _linked(father, cast.student)
    assert father.must_change_password
    letter = next(m for m in smtp_server if m["X-Envelope-To"] == "s.petrov@example.ru")
    body = letter.get_content()
    login = re.search(r"Логин: (\S+)", body).group(1)
    password = re.search(r"Первый пароль: (\S+)", body).group(1)
    assert login == father.username
    assert father.check_password(password)
    signed_in = client.post(reverse("account_login"), {"login": login, "password": password})
    assert signed_in.status_code == 302


def test_acc9_second_parent_existing_account_is_linked_and_a_wrong_name_is_refused(cast, client):
    cast.other_parent.email = "sidorova@example.ru"
    cast.other_parent.save()
    wrong = services.family_request_second_parent(
        parent=cast.parent,
        child=cast.student,
        last_name="Кузнецова",
        first_name="Мария",
        middle_name="",
        email="sidorova@example.ru",
        phone="",
        relation="representative",
        site=SITE,
    )
    with pytest.raises(DomainError, match="другими фамилией или именем"):
        services.family_request_confirm(request=wrong, decider=cast.director, site=SITE)
    assert not _linked(cast.other_parent, cast.student)
    services.family_request_withdraw(request=wrong, parent=cast.parent)
    right = services.family_request_second_parent(
        parent=cast.parent,
        child=cast.student,
        last_name="Сидорова",
        first_name="Мария",
        middle_name="Олеговна",
        email="SIDOROVA@example.ru",
        phone="",
        relation="representative",
        site=SITE,
    )
    decision = services.family_request_confirm(request=right, decider=cast.director, site=SITE)
    assert decision.request.person == cast.other_parent and not decision.request.person_created
    assert _linked(cast.other_parent, cast.student)


def test_acc9_second_parent_only_for_ones_own_child(cast, client):
    """A forged child id in the second-parent form is refused; no request is made."""
    client.force_login(cast.parent)
    response = client.post(
        reverse("family_request_parent"),
        {
            "child": cast.other_student.pk,
            "last_name": "Петров",
            "first_name": "Сергей",
            "email": "s.petrov@example.ru",
            "relation": "father",
        },
    )
    assert response.status_code == 200
    assert "Выберите своего ребёнка из списка." in response.content.decode()
    assert not FamilyRequest.objects.exists()
    with pytest.raises(DomainError, match="своего ребёнка"):
        services.family_request_second_parent(
            parent=cast.parent,
            child=cast.other_student,
            last_name="Петров",
            first_name="Сергей",
            middle_name="",
            email="s.petrov@example.ru",
            phone="",
            relation="father",
            site=SITE,
        )


def test_acc9_withdraw_only_own_pending_request(cast, client):
    request = child_request(cast)
    client.force_login(cast.other_parent)
    assert client.post(reverse("family_request_withdraw", args=[request.pk])).status_code == 404
    client.force_login(cast.parent)
    assert client.post(reverse("family_request_withdraw", args=[request.pk])).status_code == 302
    assert not FamilyRequest.objects.exists()


# --- forms keep what was typed --------------------------------------------------------------
def test_acc9_rejected_child_request_keeps_what_was_typed(cast, client):
    client.force_login(cast.parent)
    response = client.post(
        reverse("family_request_child"),
        child_form(cast, child_birth_date="31.02.2014", child_first_name="Николай"),
    )
    page = response.content.decode()
    assert response.status_code == 200 and not FamilyRequest.objects.exists()
    assert "Дата набрана с ошибкой" in page
    assert 'value="Николай"' in page and 'value="Сидоров"' in page
    assert f'<option value="{cast.other_class.pk}" selected>' in page


def test_acc9_rejected_second_parent_request_keeps_what_was_typed(cast, client):
    client.force_login(cast.parent)
    page = client.post(
        reverse("family_request_parent"),
        {"child": cast.student.pk, "last_name": "Петров", "first_name": "Сергей", "relation": ""},
    ).content.decode()
    assert "Укажите почту или телефон второго родителя" in page
    assert 'value="Петров"' in page and 'value="Сергей"' in page
    assert not FamilyRequest.objects.exists()


def test_acc9_student_cannot_file_family_requests(cast, client):
    client.force_login(cast.student)
    assert client.get(reverse("family_index")).status_code == 404
    assert client.post(reverse("family_request_child"), child_form(cast)).status_code == 404


# --- fixed numbers of queries ---------------------------------------------------------------
def _queries(client, url: str, data: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, data or {}).status_code == 200
    return len(ctx.captured_queries)


def test_acc9_school_queue_keeps_a_fixed_number_of_queries(
    cast, client, django_assert_max_num_queries
):
    child_request(cast)
    client.force_login(cast.director)
    url = reverse("family_school_requests")
    small = _queries(client, url)
    for n in range(30):
        parent = f.UserFactory()
        child_request(cast, requested_by=parent, child_first_name=f"Ребёнок{n}")
        done = child_request(cast, requested_by=parent, child_first_name=f"Другой{n}")
        services.family_request_reject(
            request=done, decider=cast.director, reason="Нет.", site=SITE
        )
    with django_assert_max_num_queries(small):
        response = client.get(url)
    assert len(response.context["page"]) == 25
    with django_assert_max_num_queries(small):
        client.get(url, {"status": "rejected"})


def test_acc9_parent_home_switcher_keeps_a_fixed_number_of_queries(
    cast, client, sibling, django_assert_max_num_queries
):
    f.GuardianshipFactory(guardian=cast.parent, child=sibling)
    client.force_login(cast.parent)
    url = reverse("parent_home")
    small = _queries(client, url, {"child": sibling.pk})
    for _ in range(5):
        child = f.EnrollmentFactory(school_class=cast.school_class).student
        f.GuardianshipFactory(guardian=cast.parent, child=child)
    with django_assert_max_num_queries(small):
        response = client.get(url, {"child": sibling.pk})
    assert len(response.context["children"]) == 7


def test_acc9_family_index_keeps_a_fixed_number_of_queries(
    cast, client, django_assert_max_num_queries
):
    child_request(cast)
    client.force_login(cast.parent)
    url = reverse("family_index")
    small = _queries(client, url)
    for n in range(5):
        child_request(cast, child_first_name=f"Ребёнок{n}")
    with django_assert_max_num_queries(small):
        client.get(url)


def test_acc9_second_parent_without_email_is_left_for_the_slip(cast):
    """No email to carry a password: the account is created without one; the school prints
    the slip from the class roster (ACC-2), as for any issued account."""
    request = services.family_request_second_parent(
        parent=cast.parent,
        child=cast.student,
        last_name="Петров",
        first_name="Сергей",
        middle_name="",
        email="",
        phone="+7 912 000-11-22",
        relation="father",
        site=SITE,
    )
    decision = services.family_request_confirm(
        request=request, decider=cast.class_teacher, site=SITE
    )
    father = decision.request.person
    assert decision.needs_slip and decision.request.person_created
    assert father.phone == "+79120001122" and not father.has_usable_password()
    assert _linked(father, cast.student)


# --- review fixes ---------------------------------------------------------------------------
def _second_parent_request(cast, **fields):
    values = {
        "parent": cast.parent,
        "child": cast.student,
        "last_name": "Кузнецова",
        "first_name": "Мария",
        "middle_name": "",
        "email": "sidorova@example.ru",
        "phone": "",
        "relation": "representative",
        "site": SITE,
    }
    values.update(fields)
    return services.family_request_second_parent(**values)


def test_acc9_school_learns_only_whether_the_account_matches_never_its_name(cast, client):
    """The decide page says an account with this email exists and its name differs (as the
    confirmation will refuse it), and never shows the account's own name."""
    cast.other_parent.email = "sidorova@example.ru"
    cast.other_parent.save()
    request = _second_parent_request(cast)
    client.force_login(cast.director)
    page = client.get(reverse("family_decide", args=[request.pk])).content.decode()
    assert "за человеком с другими фамилией или именем" in page
    assert "Сидорова" not in page and "Олеговна" not in page
    with pytest.raises(DomainError, match="другими фамилией или именем"):
        services.family_request_confirm(request=request, decider=cast.director, site=SITE)


def test_acc9_school_is_told_a_matching_account_will_be_linked_without_its_full_name(cast, client):
    cast.other_parent.email = "sidorova@example.ru"
    cast.other_parent.save()
    request = _second_parent_request(cast, last_name="Сидорова")
    client.force_login(cast.director)
    page = client.get(reverse("family_decide", args=[request.pk])).content.decode()
    assert "его фамилия и имя совпадают с заявкой" in page
    assert "Олеговна" not in page  # the account's middle name, not typed in the request
    decision = services.family_request_confirm(request=request, decider=cast.director, site=SITE)
    assert decision.request.person == cast.other_parent


def test_acc9_email_and_phone_of_two_people_are_shown_as_refused(cast, client):
    cast.other_parent.email = "sidorova@example.ru"
    cast.other_parent.save()
    cast.official.phone = "+79120001122"
    cast.official.save()
    request = _second_parent_request(cast, last_name="Сидорова", phone="+79120001122")
    match = services.second_parent_match(request)
    assert match.found and not match.will_link
    assert set(match.person_ids) == {cast.other_parent.pk, cast.official.pk}
    client.force_login(cast.director)
    page = client.get(reverse("family_decide", args=[request.pk])).content.decode()
    assert "Подтвердить заявку нельзя" in page and "Морозова" not in page
    with pytest.raises(DomainError, match="за разными людьми"):
        services.family_request_confirm(request=request, decider=cast.director, site=SITE)


def test_acc9_requester_without_any_role_sees_own_request_through_visible_to(cast, client):
    newcomer = f.UserFactory(username="novyi")
    request = child_request(cast, requested_by=newcomer)
    assert list(FamilyRequest.objects.visible_to(newcomer)) == [request]
    assert not FamilyRequest.objects.visible_to(cast.other_parent).exists()
    client.force_login(newcomer)
    assert "ожидает подтверждения" in client.get(reverse("family_index")).content.decode()
    # The school sees it as well, but it is not among the director's own requests.
    assert FamilyRequest.objects.visible_to(cast.director).filter(pk=request.pk).exists()
    client.force_login(cast.director)
    assert client.post(reverse("family_request_withdraw", args=[request.pk])).status_code == 404


def test_acc9_birth_date_in_the_future_is_refused_by_the_rule_of_the_service(cast, client):
    """One rule, in the service, with the school's "today" (timezone.localdate)."""
    from django.utils import timezone

    client.force_login(cast.parent)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    page = client.post(
        reverse("family_request_child"), child_form(cast, child_birth_date=tomorrow.isoformat())
    ).content.decode()
    assert "Проверьте дату рождения: она в будущем" in page
    assert not FamilyRequest.objects.exists()
    today = timezone.localdate().isoformat()
    response = client.post(
        reverse("family_request_child"), child_form(cast, child_birth_date=today)
    )
    assert response.status_code == 302


def test_acc9_mistyped_second_parent_phone_is_refused_with_the_validators_message(cast, client):
    client.force_login(cast.parent)
    data = {
        "child": cast.student.pk,
        "last_name": "Петров",
        "first_name": "Сергей",
        "phone": "12-34",
        "relation": "father",
    }
    page = client.post(reverse("family_request_parent"), data).content.decode()
    assert "10 цифр после +7" in page and not FamilyRequest.objects.exists()
    client.post(reverse("family_request_parent"), {**data, "phone": "8 912 000-11-22"})
    assert FamilyRequest.objects.get().phone == "+79120001122"


def test_acc9_school_list_counts_the_schools_and_keeps_the_chosen_one(cast, client):
    client.force_login(cast.parent)
    f.OrganizationFactory(municipality=cast.municipality, short_name="Гимназия № 5")
    url = reverse("family_school_options")
    page = client.get(
        url,
        {"municipality": cast.municipality.pk, "organization": cast.school.pk},
    ).content.decode()
    assert "В списке 2 школы." in page
    assert f'<option value="{cast.school_class.pk}">' in page  # the school's classes
    page = client.get(
        url, {"municipality": cast.other_municipality.pk, "organization": cast.school.pk}
    ).content.decode()
    assert "В списке 1 школа." in page
    assert "Классы появятся, когда вы выберете школу." in page


def _race(monkeypatch, file_request, count: int = 2) -> list[str]:
    """Run ``file_request`` in ``count`` threads at once, the pending count slowed down so
    that they would overlap without the lock on the parent's row."""
    import threading
    import time

    counted = services._check_pending_limit

    def slow_count(parent):
        counted(parent)
        time.sleep(0.3)

    monkeypatch.setattr(services, "_check_pending_limit", slow_count)
    barrier = threading.Barrier(count)
    outcomes: list[str] = []

    def run() -> None:
        try:
            barrier.wait()
            file_request()
            outcomes.append("made")
        except DomainError as error:
            outcomes.append(error.code or "refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_acc9_the_same_request_filed_twice_at_once_is_made_once(cast, monkeypatch):
    def file_request() -> None:
        services.family_request_child(
            parent=cast.parent,
            school_class=cast.other_class,
            last_name="Сидоров",
            first_name="Коля",
            middle_name="",
            birth_date=datetime.date(2014, 5, 2),
            relation="mother",
            site=SITE,
        )

    assert _race(monkeypatch, file_request) == ["duplicate", "made"]
    assert FamilyRequest.objects.filter(requested_by=cast.parent).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_acc9_parallel_requests_cannot_pass_the_pending_limit_together(cast, monkeypatch):
    for n in range(services.MAX_PENDING - 1):
        child_request(cast, child_first_name=f"Ребёнок{n}")
    names = iter(["Первый", "Второй"])

    def file_request() -> None:
        services.family_request_child(
            parent=cast.parent,
            school_class=cast.other_class,
            last_name="Сидоров",
            first_name=next(names),
            middle_name="",
            birth_date=datetime.date(2014, 5, 2),
            relation="mother",
            site=SITE,
        )

    assert _race(monkeypatch, file_request) == ["made", "too_many"]
    assert FamilyRequest.objects.filter(requested_by=cast.parent).count() == services.MAX_PENDING
