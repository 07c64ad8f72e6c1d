"""VER-4: who confirms whom, in batches, and what a rejected person sees."""

from __future__ import annotations

import pytest
from django.urls import reverse

from parta import factories as f
from parta.confirmation.models import Decision
from parta.confirmation.services import staff_decide, students_decide
from parta.core import access
from parta.directory.models import Confirmation, Enrollment, StaffPosition
from parta.privacy.models import AccessRecord

from .helpers import pending_staff, pending_students

pytestmark = pytest.mark.django_db

STAFF = reverse("confirmation_staff")
STUDENTS = reverse("confirmation_students")


def _position(cast, person=None):
    return StaffPosition.objects.get(person=person or cast.pending_teacher)


def _enrollment(cast):
    return Enrollment.objects.get(student=cast.pending_student)


def test_ver4_director_confirms_teacher_who_then_holds_class_teacher_role(cast, client):
    """VER-4: the confirmed director confirms; decided_by/decided_at are stamped, a decision
    is recorded, and the teacher now holds the teacher and class-teacher roles."""
    position = _position(cast)
    assert not access.has_role(cast.pending_teacher, access.TEACHER)
    client.force_login(cast.director)
    response = client.post(STAFF, {"ids": [position.pk], "verdict": "confirmed"})
    assert response.status_code == 302
    position.refresh_from_db()
    assert position.status == Confirmation.CONFIRMED
    assert position.decided_by == cast.director
    assert position.decided_at is not None
    decision = Decision.objects.get()
    assert (decision.person, decision.verdict, decision.decided_by, decision.report) == (
        cast.pending_teacher,
        "confirmed",
        cast.director,
        None,
    )
    teacher = type(cast.pending_teacher).objects.get(pk=cast.pending_teacher.pk)
    kinds = {(r.kind, r.context_id) for r in access.roles_of(teacher)}
    assert (access.CLASS_TEACHER, cast.other_class.pk) in kinds
    assert (access.TEACHER, cast.school.pk) in kinds


@pytest.mark.parametrize(
    "member", ["class_teacher", "other_teacher", "pending_teacher", "official"]
)
def test_ver4_only_the_confirmed_director_opens_staff_claims(cast, client, member):
    """VER-4: nobody but a confirmed director sees or decides staff claims (404)."""
    client.force_login(cast.members[member])
    assert client.get(STAFF).status_code == 404
    response = client.post(STAFF, {"ids": [_position(cast).pk], "verdict": "confirmed"})
    assert response.status_code == 404
    assert _position(cast).status == Confirmation.PENDING


def test_ver4_unconfirmed_director_cannot_confirm(cast, client):
    """VER-4: a director whose own position waits (VER-2) has no director role."""
    waiting = f.UserFactory(username="newdirector")
    f.StaffPositionFactory(
        person=waiting,
        organization=cast.other_school,
        position="director",
        status=Confirmation.PENDING,
    )
    claim = pending_staff(cast.other_school, 1)[0]
    client.force_login(waiting)
    assert client.post(STAFF, {"ids": [claim.pk], "verdict": "confirmed"}).status_code == 404
    result = staff_decide(decider=waiting, ids=[claim.pk], verdict="confirmed")
    assert result.decided == 0
    claim.refresh_from_db()
    assert claim.status == Confirmation.PENDING


def test_ver4_forged_ids_in_the_batch_are_never_decided(cast, client):
    """VER-4: ids of another school, a director's position, an enrolment or junk are ignored."""
    own = _position(cast)
    far = pending_staff(cast.other_school, 1, prefix="far")[0]
    waiting_director = f.StaffPositionFactory(
        organization=cast.other_school, position="director", status=Confirmation.PENDING
    )
    enrolment = _enrollment(cast)
    client.force_login(cast.director)
    response = client.post(
        STAFF,
        {
            "ids": [own.pk, far.pk, waiting_director.pk, enrolment.pk, "x", "-5", "9" * 30],
            "verdict": "confirmed",
        },
        follow=True,
    )
    assert response.status_code == 200
    own.refresh_from_db()
    far.refresh_from_db()
    waiting_director.refresh_from_db()
    assert own.status == Confirmation.CONFIRMED
    assert far.status == Confirmation.PENDING
    assert waiting_director.status == Confirmation.PENDING
    assert Decision.objects.count() == 1
    assert "не изменены" in response.content.decode()


def test_ver4_reject_needs_a_reason_and_keeps_what_was_ticked(cast, client):
    """VER-4: a rejection without a reason is refused; nothing changes, the ticks stay."""
    position = _position(cast)
    client.force_login(cast.director)
    response = client.post(STAFF, {"ids": [position.pk], "verdict": "rejected", "reason": "  "})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Напишите причину отказа" in html
    assert f'value="{position.pk}" id="claim-{position.pk}" checked' in html
    position.refresh_from_db()
    assert position.status == Confirmation.PENDING
    assert not Decision.objects.exists()


def test_ver4_nothing_ticked_is_a_clear_message(cast, client):
    client.force_login(cast.director)
    response = client.post(STAFF, {"verdict": "confirmed"})
    assert response.status_code == 400
    assert "хотя бы одну строку" in response.content.decode()


def test_ver4_rejected_person_sees_the_reason_and_claims_again(cast, client):
    """VER-4: the reason is stored, shown to the person, and they can claim again."""
    position = _position(cast)
    staff_decide(
        decider=cast.director,
        ids=[position.pk],
        verdict="rejected",
        reason="В штате школы такого учителя нет",
    )
    position.refresh_from_db()
    assert position.rejection_reason == "В штате школы такого учителя нет"
    client.force_login(cast.pending_teacher)
    home = client.get(reverse("no_role_home")).content.decode()
    assert "В штате школы такого учителя нет" in home
    assert "Подать заявку снова" in home
    response = client.post(
        reverse("confirmation_claim_work", args=[cast.school.pk]), {"position": "teacher"}
    )
    assert response.status_code == 302
    position.refresh_from_db()
    assert (position.status, position.rejection_reason, position.decided_by) == (
        Confirmation.PENDING,
        "",
        None,
    )
    # The decision stays in the record (VER-5) although the place waits again.
    assert Decision.objects.filter(verdict="rejected", staff_position=position).exists()


def test_ver4_class_teacher_confirms_only_students_of_own_class(cast, client):
    """VER-4: the class teacher of 5А decides 5А's claims; a 6Б claim in the batch is not."""
    own = _enrollment(cast)
    other = pending_students(cast.other_class, 1)[0]
    client.force_login(cast.class_teacher)
    page = client.get(STUDENTS).content.decode()
    assert "Зайцев Артём" in page
    assert "Заявкин000" not in page
    response = client.post(
        STUDENTS, {"ids": [own.pk, other.pk], "verdict": "confirmed"}, follow=True
    )
    assert response.status_code == 200
    own.refresh_from_db()
    other.refresh_from_db()
    assert own.status == Confirmation.CONFIRMED and own.decided_by == cast.class_teacher
    assert other.status == Confirmation.PENDING
    decision = Decision.objects.get()
    assert (decision.kind, decision.class_name, decision.organization) == (
        "student",
        "5А",
        cast.school,
    )


def test_ver4_another_class_filter_is_refused(cast, client):
    """VER-4: the class filter offers only one's own classes; another class shows nothing."""
    pending_students(cast.other_class, 1)
    client.force_login(cast.class_teacher)
    page = client.get(STUDENTS, {"group": cast.other_class.pk}).content.decode()
    assert "Заявкин000" not in page


@pytest.mark.parametrize("member", ["pending_teacher", "other_teacher", "director", "parent"])
def test_ver4_unconfirmed_or_other_teacher_cannot_confirm_students(cast, client, member):
    """VER-4: the class teacher of 6Б on paper, still unconfirmed, has no role: 404."""
    other = pending_students(cast.other_class, 1)[0]
    user = cast.members[member]
    client.force_login(user)
    assert client.get(STUDENTS).status_code == 404
    assert client.post(STUDENTS, {"ids": [other.pk], "verdict": "confirmed"}).status_code == 404
    assert students_decide(decider=user, ids=[other.pk], verdict="confirmed").decided == 0
    other.refresh_from_db()
    assert other.status == Confirmation.PENDING


def test_ver4_teacher_confirmed_by_director_then_confirms_own_students(cast, client):
    """VER-4 in order: director first, then the newly confirmed teacher confirms 6Б."""
    claim = pending_students(cast.other_class, 1)[0]
    staff_decide(decider=cast.director, ids=[_position(cast).pk], verdict="confirmed")
    client.force_login(cast.pending_teacher)
    response = client.post(STUDENTS, {"ids": [claim.pk], "verdict": "confirmed"})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == Confirmation.CONFIRMED


def test_ver4_decided_claims_are_seen_under_the_status_filter(cast, client):
    position = _position(cast)
    staff_decide(decider=cast.director, ids=[position.pk], verdict="rejected", reason="Не работает")
    client.force_login(cast.director)
    pending = client.get(STAFF).content.decode()
    assert "Новикова Ирина" not in pending
    rejected = client.get(STAFF, {"status": "rejected"}).content.decode()
    assert "Новикова Ирина" in rejected and "Не работает" in rejected
    assert "Новикова Ирина" in client.get(STAFF, {"status": "all"}).content.decode()
    assert "Новикова Ирина" in client.get(STAFF, {"status": "all", "q": "новик"}).content.decode()
    assert (
        "Новикова Ирина" not in client.get(STAFF, {"status": "all", "q": "петр"}).content.decode()
    )


def test_ver4_select_all_without_javascript_ticks_every_pending_row(cast, client):
    claims = pending_staff(cast.school, 3)
    client.force_login(cast.director)
    html = client.get(STAFF, {"select": "all"}).content.decode()
    for claim in claims:
        assert f'value="{claim.pk}" id="claim-{claim.pk}" checked' in html


def test_ver4_students_table_is_in_the_access_log(cast, client):
    """152-FZ: the class teacher saw the children listed: one access record each."""
    client.force_login(cast.class_teacher)
    client.get(STUDENTS)
    assert AccessRecord.objects.filter(
        viewer=cast.class_teacher, subject=cast.pending_student, what="confirmation_students"
    ).exists()


@pytest.mark.postgres
@pytest.mark.parametrize("n", [3, 300])
def test_ver4_staff_page_and_batch_take_fixed_queries(
    cast, client, django_assert_max_num_queries, n
):
    """VER-4: the table and one batch POST cost the same number of queries for 3 or 300."""
    claims = pending_staff(cast.school, n)
    client.force_login(cast.director)
    client.get(STAFF)  # warm the session
    with django_assert_max_num_queries(12):
        response = client.get(STAFF, {"page": 1})
    assert response.status_code == 200
    assert response.content.decode().count('name="ids"') == min(n + 1, 100)
    with django_assert_max_num_queries(12):
        response = client.post(STAFF, {"ids": [c.pk for c in claims], "verdict": "confirmed"})
    assert response.status_code == 302
    assert (
        StaffPosition.objects.filter(status="confirmed", pk__in=[c.pk for c in claims]).count() == n
    )
    assert Decision.objects.count() == n


@pytest.mark.postgres
@pytest.mark.parametrize("n", [3, 300])
def test_ver4_students_page_and_batch_take_fixed_queries(
    cast, client, django_assert_max_num_queries, n
):
    claims = pending_students(cast.school_class, n)
    client.force_login(cast.class_teacher)
    client.get(STUDENTS)
    with django_assert_max_num_queries(11):
        assert client.get(STUDENTS).status_code == 200
    with django_assert_max_num_queries(12):
        response = client.post(
            STUDENTS, {"ids": [c.pk for c in claims], "verdict": "rejected", "reason": "Не наш"}
        )
    assert response.status_code == 302
    assert Decision.objects.filter(verdict="rejected").count() == n


def test_ver4_people_get_a_letter_with_the_decision(
    cast, client, smtp_server, django_capture_on_commit_callbacks
):
    """VER-4: each person with an email learns the decision; a refusal carries the reason."""
    claims = pending_staff(cast.school, 2)  # both have an email
    no_email = _position(cast)  # the cast's pending teacher has none
    client.force_login(cast.director)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            STAFF,
            {
                "ids": [claims[0].pk, claims[1].pk, no_email.pk],
                "verdict": "rejected",
                "reason": "Нет приказа о приёме",
            },
        )
    assert sorted(m["X-Envelope-To"] for m in smtp_server) == [
        "claim0@example.ru",
        "claim1@example.ru",
    ]
    body = smtp_server[0].get_content()
    assert "Нет приказа о приёме" in body and "Школа № 1" in body
    assert "http://testserver/" in body


def test_ver4_nobody_confirms_their_own_claim(cast):
    """VER-4: a director who also claims a teacher's place at their school cannot decide it."""
    own = StaffPosition.objects.create(
        person=cast.director, organization=cast.school, position="teacher", status="pending"
    )
    assert staff_decide(decider=cast.director, ids=[own.pk], verdict="confirmed").decided == 0
    own.refresh_from_db()
    assert own.status == Confirmation.PENDING
