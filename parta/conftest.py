"""The shared cast of people every test can use (like healthchecks' alice, bob, charlie).

School A (municipality M1): class 5А led by ``class_teacher`` with ``student`` whose parent is
``parent``; class 6Б with ``other_student`` whose parent is ``other_parent``; ``director``.
School B (municipality M2): ``other_teacher`` and class 7В with ``far_student``.
``official`` works for M1's education authority; ``operator`` runs the region.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings

from parta import factories as f
from parta.accounts.models import User
from parta.directory.models import Municipality, Organization, SchoolClass

PASSWORD = "correct-horse-battery"  # noqa: S105


def pytest_configure(config: pytest.Config) -> None:
    engine = settings.DATABASES["default"]["ENGINE"]
    if os.environ.get("CI") and "postgresql" not in engine:
        raise pytest.UsageError("CI runs the suite on PostgreSQL only (set DATABASE_URL).")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (not reachable: ran on SQLite)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts with an empty cache: a kept page body or a throttle counter of an
    earlier test (whose ids SQLite may hand out again) must not leak into the next one."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in Russian, the default: a request of an earlier test in Kazakh or
    English leaves its language active in the thread (Django activates a language per
    request and does not deactivate it), and messages built outside a request would follow
    it."""
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Tests hash many passwords; the production hasher's slowness is not under test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Cast:
    school: Organization
    other_school: Organization
    municipality: Municipality
    other_municipality: Municipality
    school_class: SchoolClass
    other_class: SchoolClass
    far_class: SchoolClass
    student: User
    parent: User
    other_student: User
    other_parent: User
    far_student: User
    class_teacher: User
    other_teacher: User
    director: User
    official: User
    operator: User
    # VER-4: a teacher whose position the director has not confirmed yet (class teacher of 6Б
    # on paper), and a student whose enrolment in 5А waits for the class teacher.
    pending_teacher: User
    pending_student: User

    @property
    def members(self) -> dict[str, User]:
        return {
            "student": self.student,
            "parent": self.parent,
            "other_parent": self.other_parent,
            "class_teacher": self.class_teacher,
            "other_teacher": self.other_teacher,
            "director": self.director,
            "official": self.official,
            "operator": self.operator,
            "pending_teacher": self.pending_teacher,
        }


def make_cast() -> Cast:
    region = f.RegionFactory(name="Демо-регион", code="DEMO-TEST")
    m1 = f.MunicipalityFactory(region=region, name="Городской округ")
    m2 = f.MunicipalityFactory(region=region, name="Сельский район")
    school = f.OrganizationFactory(municipality=m1, short_name="Школа № 1")
    other_school = f.OrganizationFactory(municipality=m2, short_name="Школа № 2")

    def person(username: str, last: str, first: str, **kw: object) -> User:
        return f.UserFactory(username=username, last_name=last, first_name=first, **kw)

    class_teacher = person(
        "klassruk", "Смирнова", "Ольга", middle_name="Петровна", email="smirnova@school1.example.ru"
    )
    other_teacher = person("uchitel2", "Кузнецов", "Павел")
    director = person("direktor", "Волков", "Андрей")
    official = person("ruo", "Морозова", "Елена", middle_name="Викторовна")
    operator = person("operator", "Лебедев", "Игорь", is_staff=True)
    student = person("uchenik", "Петров", "Миша")
    parent = person(
        "roditel",
        "Петрова",
        "Анна",
        middle_name="Сергеевна",
        email="petrova@example.ru",
        phone="+79123456789",
    )
    other_student = person("drugoy", "Сидоров", "Коля")
    other_parent = person("roditel2", "Сидорова", "Мария", middle_name="Олеговна")
    far_student = person("dalniy", "Орлов", "Дима")
    pending_teacher = person("novichok", "Новикова", "Ирина", middle_name="Андреевна")
    pending_student = person("noviy", "Зайцев", "Артём")

    f.StaffPositionFactory(person=class_teacher, organization=school)
    f.StaffPositionFactory(person=other_teacher, organization=other_school)
    f.StaffPositionFactory(person=director, organization=school, position="director")
    f.OfficialFactory(person=official, region=region, municipality=m1, kind="municipal")
    f.OfficialFactory(person=operator, region=region, kind="operator")

    school_class = f.SchoolClassFactory(
        organization=school, grade=5, letter="А", class_teacher=class_teacher
    )
    f.StaffPositionFactory(person=pending_teacher, organization=school, status="pending")
    other_class = f.SchoolClassFactory(
        organization=school, grade=6, letter="Б", class_teacher=pending_teacher
    )
    far_class = f.SchoolClassFactory(organization=other_school, grade=7, letter="В")
    f.EnrollmentFactory(student=student, school_class=school_class)
    f.EnrollmentFactory(student=other_student, school_class=other_class)
    f.EnrollmentFactory(student=far_student, school_class=far_class)
    f.EnrollmentFactory(student=pending_student, school_class=school_class, status="pending")
    f.GuardianshipFactory(guardian=parent, child=student)
    f.GuardianshipFactory(guardian=other_parent, child=other_student)
    return Cast(
        school=school,
        other_school=other_school,
        municipality=m1,
        other_municipality=m2,
        school_class=school_class,
        other_class=other_class,
        far_class=far_class,
        student=student,
        parent=parent,
        other_student=other_student,
        other_parent=other_parent,
        far_student=far_student,
        class_teacher=class_teacher,
        other_teacher=other_teacher,
        director=director,
        official=official,
        operator=operator,
        pending_teacher=pending_teacher,
        pending_student=pending_student,
    )


@pytest.fixture
def cast(db: None) -> Cast:
    return make_cast()


@pytest.fixture
def smtp_server(settings: Any) -> Any:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that Django's SMTP backend sends to.

    Yields the list of received messages (``email.message.EmailMessage``, newest last).
    """
    import socket
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller

    received: list[Any] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            message = message_from_bytes(envelope.original_content, policy=policy.default)
            message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
            received.append(message)
            return "250 Message accepted for delivery"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    try:
        yield received
    finally:
        controller.stop()
