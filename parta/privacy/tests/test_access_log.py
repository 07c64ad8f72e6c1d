"""152-FZ: every staff look at children's data is logged, and parents read the log."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from parta import factories as f
from parta.privacy.access_log import describe
from parta.privacy.models import AccessRecord

pytestmark = pytest.mark.django_db


def _inserts(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "privacy_accessrecord"')]


def _add_students(cast, n: int) -> list:
    students = []
    for i in range(n):
        student = f.UserFactory(username=f"pupil{i}")
        f.EnrollmentFactory(student=student, school_class=cast.school_class)
        students.append(student)
    return students


def test_152fz_roster_writes_one_insert_for_many_children(cast, client):
    extra = _add_students(cast, 12)
    client.force_login(cast.class_teacher)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("issuing_roster", args=[cast.school_class.pk])).status_code == 200
    assert len(_inserts(ctx.captured_queries)) == 1
    subjects = set(AccessRecord.objects.values_list("subject_id", flat=True))
    assert subjects == {cast.student.pk, *(s.pk for s in extra)}
    record = AccessRecord.objects.get(subject=cast.student)
    assert (record.what, record.params) == ("class_roster", {"class": "5А"})
    assert (record.viewer_role, record.viewer_place) == ("class_teacher", "5А · Школа № 1")


def test_152fz_parent_sees_who_looked_at_the_child_other_parents_do_not(cast, client):
    client.force_login(cast.director)
    client.get(reverse("issuing_roster", args=[cast.school_class.pk]))
    client.force_login(cast.parent)
    page = client.get(reverse("privacy_access_log_of", args=[cast.student.pk])).content.decode()
    assert "Волков Андрей" in page
    assert "Директор" in page and "Школа № 1" in page
    assert "Список класса 5А" in page
    client.force_login(cast.other_parent)
    response = client.get(reverse("privacy_access_log_of", args=[cast.student.pk]))
    assert response.status_code == 404
    assert "Волков" not in client.get(reverse("privacy_access_log")).content.decode()


def test_152fz_the_person_sees_who_looked_at_their_own_data(cast, client):
    client.force_login(cast.class_teacher)
    client.get(reverse("issuing_password_reset", args=[cast.school_class.pk, cast.parent.pk]))
    client.force_login(cast.parent)
    page = client.get(reverse("privacy_access_log")).content.decode()
    assert "Смирнова Ольга Петровна" in page
    assert "Страница сброса пароля (класс 5А)" in page


def test_152fz_what_is_stored_as_a_code_and_read_in_the_readers_language(cast, client):
    client.force_login(cast.class_teacher)
    client.get(reverse("issuing_roster", args=[cast.school_class.pk]))
    record = AccessRecord.objects.get()
    assert record.what == "class_roster"  # not a sentence frozen in one language
    with translation.override("ru"):
        assert describe(record.what, record.params).startswith("список класса 5А")
    # A row written before the codes existed is shown as it was stored.
    assert describe("список класса 5А с логинами родителей", {}) == (
        "список класса 5А с логинами родителей"
    )


def test_152fz_slips_and_password_reset_are_logged(cast, client):
    cast.parent.set_unusable_password()  # never signed in: the slip is printed
    cast.parent.save()
    client.force_login(cast.class_teacher)
    client.post(
        reverse("issuing_slips_print", args=[cast.school_class.pk]),
        {"which": "selected", "people": [cast.parent.pk]},
    )
    # The parent's slip names the child.
    assert AccessRecord.objects.filter(subject=cast.student, what="credential_slips").exists()
    client.get(reverse("issuing_password_reset", args=[cast.school_class.pk, cast.student.pk]))
    assert AccessRecord.objects.filter(subject=cast.student, what="password_reset").exists()


def test_152fz_api_class_students_logs_the_page_for_staff_not_for_the_parent(cast, client):
    extra = _add_students(cast, 3)
    url = f"/api/v1/classes/{cast.school_class.pk}/students"
    client.force_login(cast.parent)
    assert client.get(url).status_code == 200
    assert not AccessRecord.objects.exists()  # a parent looking at their own child
    client.force_login(cast.director)
    assert client.get(url, {"limit": 2}).status_code == 200
    assert AccessRecord.objects.filter(what="api_class_students").count() == 2
    assert client.get(url).status_code == 200
    subjects = set(AccessRecord.objects.values_list("subject_id", flat=True))
    assert subjects == {cast.student.pk, *(s.pk for s in extra)}


def test_152fz_admin_person_page_is_logged(cast, client):
    client.force_login(cast.operator)
    url = reverse("admin:accounts_user_change", args=[cast.student.pk])
    assert client.get(url).status_code == 200
    record = AccessRecord.objects.get()
    assert (record.viewer, record.subject, record.what, record.viewer_role) == (
        cast.operator,
        cast.student,
        "person_admin",
        "operator",
    )


def test_152fz_access_log_page_has_a_fixed_number_of_queries(
    cast, client, django_assert_max_num_queries
):
    client.force_login(cast.class_teacher)
    client.get(reverse("issuing_roster", args=[cast.school_class.pk]))
    client.force_login(cast.parent)
    url = reverse("privacy_access_log_of", args=[cast.student.pk])
    with django_assert_max_num_queries(15) as small:
        client.get(url)
    baseline = len(small)  # the log is reset by later requests: count now
    viewers = [cast.class_teacher, cast.director, cast.operator]
    AccessRecord.objects.bulk_create(
        AccessRecord(
            viewer=viewers[n % 3],
            subject=cast.student,
            what="class_roster",
            params={"class": "5А"},
            viewer_role="director",
            viewer_place="Школа № 1",
        )
        for n in range(80)
    )
    with django_assert_max_num_queries(baseline):
        page = client.get(url, {"page": 2}).content.decode()
    assert "Страница 2 из 4" in page


def test_152fz_newest_first(cast, client):
    client.force_login(cast.class_teacher)
    client.get(reverse("issuing_roster", args=[cast.school_class.pk]))
    client.get(reverse("issuing_password_reset", args=[cast.school_class.pk, cast.student.pk]))
    client.force_login(cast.parent)
    page = client.get(reverse("privacy_access_log_of", args=[cast.student.pk])).content.decode()
    assert page.index("Страница сброса пароля") < page.index("Список класса")
