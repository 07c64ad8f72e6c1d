"""The access engine on directory rows: each member of the cast sees exactly their scope."""

import pytest

from parta.accounts.models import User
from parta.directory.models import Enrollment, Organization, SchoolClass


def names(qs):
    return sorted(str(x) for x in qs)


def test_parent_sees_only_own_child(cast):
    assert list(User.objects.visible_to(cast.parent).exclude(pk=cast.parent.pk)) == [cast.student]


def test_parent_cannot_see_other_familys_child(cast):
    assert not User.objects.visible_to(cast.parent).filter(pk=cast.other_student.pk).exists()


def test_teacher_sees_only_own_schools_classes(cast):
    assert set(SchoolClass.objects.visible_to(cast.class_teacher)) == {
        cast.school_class,
        cast.other_class,
    }
    assert set(SchoolClass.objects.visible_to(cast.other_teacher)) == {cast.far_class}


def test_director_sees_only_own_organization(cast):
    assert list(Organization.objects.visible_to(cast.director)) == [cast.school]
    assert not User.objects.visible_to(cast.director).filter(pk=cast.far_student.pk).exists()


def test_municipal_official_sees_only_own_municipality(cast):
    assert list(Organization.objects.visible_to(cast.official)) == [cast.school]
    # Enrolments waiting for confirmation are rows the authority sees too (VER-4).
    assert set(Enrollment.objects.visible_to(cast.official).values_list("student", flat=True)) == {
        cast.student.pk,
        cast.other_student.pk,
        cast.pending_student.pk,
    }


def test_operator_sees_whole_region(cast):
    assert set(Organization.objects.visible_to(cast.operator)) == {cast.school, cast.other_school}


def test_student_sees_self_and_own_class_only(cast):
    assert list(User.objects.visible_to(cast.student)) == [cast.student]
    assert list(SchoolClass.objects.visible_to(cast.student)) == [cast.school_class]


def test_class_teacher_may_issue_credentials_only_for_own_class(cast):
    editable = set(User.objects.editable_by(cast.class_teacher, "issue_credentials"))
    assert editable == {cast.student, cast.parent}


@pytest.mark.django_db
def test_anonymous_sees_nothing():
    from django.contrib.auth.models import AnonymousUser

    assert not SchoolClass.objects.visible_to(AnonymousUser()).exists()


@pytest.mark.parametrize("member", ["official", "operator", "director", "other_teacher"])
def test_everyone_sees_their_own_person(cast, member):
    person = cast.members[member]
    assert User.objects.visible_to(person).filter(pk=person.pk).exists()
