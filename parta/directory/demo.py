"""The demo region: a small, realistic region with fixed demo logins (``manage.py demo``).

One region with its time zone, one municipality, three schools and an additional-education
provider, the 2026/2027 school year, classes 1–11, about 300 students with their parents,
teachers, class teachers, the administration, a municipal official and the regional operator.

The same seed makes the same region on every run. A second run finds the demo region and only
restores the passwords of the demo logins; ``reset=True`` deletes it and builds it again.
Exists only in demo mode (``settings.DEMO_MODE``): production refuses it.

Every person of the demo region signs in with ``DEMO_PASSWORD``, hashed once and shared, so
loading takes a second. ``demo-newparent`` instead has an issued initial password and must
set their own at first sign-in (ACC-2).
"""

from __future__ import annotations

import datetime
import functools
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone

from parta.core.errors import DomainError
from parta.directory import fake_people as fp
from parta.directory.datasets import dataset_delete, subjects_catalogue_ensure
from parta.directory.fake_names import OLDER_MALE, STREETS
from parta.directory.models import (
    AcademicYear,
    Enrollment,
    Guardianship,
    Municipality,
    Official,
    Organization,
    Region,
    SchoolClass,
    StaffPosition,
)

REGION_CODE = "DEMO"
REGION_NAME = "Демонстрационная область"
REGION_TIMEZONE = "Asia/Yekaterinburg"
MUNICIPALITY_NAME = "Городской округ Заречный"
TOWN = "г. Заречный"
DEMO_PASSWORD = "parta-demo-2026"  # noqa: S105 — published on purpose: demo mode only
NEW_PARENT_PASSWORD = "vydan-roditelyu-2026"  # noqa: S105 — the demo's issued initial password
OPERATOR_GROUP = "Региональный оператор"
EMAIL_DOMAIN = "parta-demo.example"  # .example is reserved (RFC 2606): mail goes nowhere
SEED = 20260901
STUDENTS_TOTAL = 300
YEAR_NAME = "2026/2027"
YEAR_STARTS = datetime.date(2026, 9, 1)
YEAR_ENDS = datetime.date(2027, 5, 26)
# Identifier block of the demo (phones +790…, SNILS 1…); generated sets use 1–3. INNs start
# with 66 (Sverdlovsk oblast, whose time zone the demo region has) and a tax office 99.
BLOCK = 0
INN_BLOCK = 6699

USERNAME_PREFIXES = ("demo-", "demo.")


@dataclass(frozen=True)
class SchoolPlan:
    short_name: str
    name: str
    # Parallels with two classes (А and Б); the others have one (А).
    double: tuple[int, ...]


SCHOOLS = (
    SchoolPlan(
        "Школа № 1",
        "Муниципальное бюджетное общеобразовательное учреждение "
        "«Средняя общеобразовательная школа № 1»",
        (1, 2, 5),
    ),
    SchoolPlan(
        "Лицей № 2",
        "Муниципальное автономное общеобразовательное учреждение «Лицей № 2»",
        (5, 7, 10),
    ),
    SchoolPlan(
        "Гимназия № 5",
        "Муниципальное бюджетное общеобразовательное учреждение «Гимназия № 5»",
        (1, 8),
    ),
)
PROVIDER = SchoolPlan(
    "Дом детского творчества",
    "Муниципальное бюджетное учреждение дополнительного образования «Дом детского творчества»",
    (),
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str


LOGINS = (
    DemoLogin("demo-parent", DEMO_PASSWORD, "родитель двоих детей (Школа № 1)"),
    DemoLogin("demo-student", DEMO_PASSWORD, "ученик 5А, Школа № 1 (ребёнок demo-parent)"),
    DemoLogin("demo-teacher", DEMO_PASSWORD, "учитель, Школа № 1"),
    DemoLogin("demo-classteacher", DEMO_PASSWORD, "классный руководитель 5А, Школа № 1"),
    DemoLogin("demo-director", DEMO_PASSWORD, "директор, Школа № 1"),
    DemoLogin("demo-deputy", DEMO_PASSWORD, "заместитель директора, Школа № 1"),
    DemoLogin("demo-municipal", DEMO_PASSWORD, f"управление образования, {MUNICIPALITY_NAME}"),
    DemoLogin("demo-operator", DEMO_PASSWORD, "региональный оператор (и панель /admin/)"),
    DemoLogin("demo-multirole", DEMO_PASSWORD, "учитель Лицея № 2 и родитель ученика 7А там же"),
    DemoLogin(
        "demo-newparent",
        NEW_PARENT_PASSWORD,
        "родитель с выданным паролем: при первом входе задаёт свой",
    ),
)


@dataclass
class DemoResult:
    created: bool
    logins: tuple[DemoLogin, ...] = LOGINS
    counts: dict[str, int] = field(default_factory=dict)


def demo_exists() -> bool:
    return Region.objects.filter(code=REGION_CODE).exists()


def _require_demo_mode() -> None:
    if not settings.DEMO_MODE:
        raise DomainError(
            "Демо-регион создаётся только в демо-режиме (PARTA_DEMO=1, не в production): "
            "у демо-входов общеизвестные пароли."
        )


def demo_load(*, reset: bool = False) -> DemoResult:
    """Create the demo region once; on later runs restore the demo logins' passwords."""
    _require_demo_mode()
    with transaction.atomic():
        if reset:
            dataset_delete(region_code=REGION_CODE, username_prefixes=USERNAME_PREFIXES)
        if demo_exists():
            _restore_logins()
            return DemoResult(created=False, counts=demo_counts())
        _Builder().build()
        return DemoResult(created=True, counts=demo_counts())


def demo_counts() -> dict[str, int]:
    in_region: dict[str, Any] = {"organization__municipality__region__code": REGION_CODE}
    return {
        "schools": Organization.objects.filter(
            municipality__region__code=REGION_CODE, kind=Organization.Kind.SCHOOL
        ).count(),
        "providers": Organization.objects.filter(
            municipality__region__code=REGION_CODE, kind=Organization.Kind.ADDITIONAL
        ).count(),
        "classes": SchoolClass.objects.filter(**in_region).count(),
        "students": Enrollment.objects.filter(
            school_class__organization__municipality__region__code=REGION_CODE
        ).count(),
        "parents": Guardianship.objects.filter(guardian__username__startswith="demo")
        .values("guardian_id")
        .distinct()
        .count(),
        "staff": StaffPosition.objects.filter(**in_region).values("person_id").distinct().count(),
    }


@functools.cache
def demo_password_hash() -> str:
    """The demo password hashed once per process (hashing is slow by design)."""
    return make_password(DEMO_PASSWORD)


def _restore_logins() -> None:
    """The printed passwords work again even if someone changed them while exploring."""
    user_model = get_user_model()
    shared = demo_password_hash()
    user_model.objects.filter(
        username__in=[x.username for x in LOGINS if x.password == DEMO_PASSWORD]
    ).update(password=shared, must_change_password=False, initial_password_issued_at=None)
    user_model.objects.filter(username="demo-newparent").update(
        password=make_password(NEW_PARENT_PASSWORD),
        must_change_password=True,
        initial_password_issued_at=timezone.now(),
    )


def demo_region() -> Region:
    return Region.objects.get(code=REGION_CODE)


def demo_school(short_name: str = "Школа № 1") -> Organization:
    return Organization.objects.get(municipality__region__code=REGION_CODE, short_name=short_name)


def ensure_demo_person(
    username: str, last_name: str, first_name: str, middle_name: str = "", **extra: Any
) -> Any:
    """A demo person of a cabinet app's demo data, created once; the demo password restored.

    ``username`` must start with ``demo-`` so that ``manage.py demo --reset`` removes it.
    """
    assert username.startswith(USERNAME_PREFIXES), username
    user_model = get_user_model()
    user, _created = user_model.objects.get_or_create(
        username=username,
        defaults={
            "last_name": last_name,
            "first_name": first_name,
            "middle_name": middle_name,
            "email": extra.pop("email", f"{username.removeprefix('demo-')}@{EMAIL_DOMAIN}"),
            **extra,
        },
    )
    user.password = demo_password_hash()
    user.must_change_password = False
    user.initial_password_issued_at = None
    user.save(update_fields=["password", "must_change_password", "initial_password_issued_at"])
    return user


def _letters(plan: SchoolPlan, grade: int) -> str:
    return "АБ" if grade in plan.double else "А"


class _Builder:
    """Builds the demo region in memory, then writes it with a few bulk inserts."""

    def __init__(self) -> None:
        self.maker = fp.PeopleMaker(SEED)
        self.rnd = self.maker.random
        self.user_model = get_user_model()
        self.password = demo_password_hash()
        self.people: list[Any] = []
        self.usernames: set[str] = set()
        self.serial = 0
        # (guardian, child, kind) and (student, class) with unsaved users; ids come later.
        self.guardianships: list[tuple[Any, Any, str]] = []
        self.enrollments: list[tuple[Any, SchoolClass]] = []
        self.positions: list[tuple[Any, Organization, str]] = []

    # --- people ------------------------------------------------------------------------------
    def _login(self, person: fp.Person) -> str:
        initials = fp.translit(person.first_name[0] + person.middle_name[0])
        base = f"demo.{fp.translit(person.last_name)}.{initials}"
        login, n = base, 1
        while login in self.usernames:
            n += 1
            login = f"{base}{n}"
        return login

    def person(
        self, person: fp.Person, *, adult: bool, username: str | None = None, **extra: Any
    ) -> Any:
        self.serial += 1
        login = username or self._login(person)
        self.usernames.add(login)
        local = login.removeprefix("demo.").removeprefix("demo-")
        fields: dict[str, Any] = {
            "username": login,
            "last_name": person.last_name,
            "first_name": person.first_name,
            "middle_name": person.middle_name,
            "birth_date": person.birth_date,
            "password": self.password,
            "email": f"{local}@{EMAIL_DOMAIN}" if adult else "",
            "phone": fp.phone(BLOCK, self.serial) if adult else "",
            # About three in four people have given their SNILS to the school.
            "snils": fp.snils(BLOCK, self.serial) if self.rnd.random() < 0.75 else "",
        }
        user = self.user_model(**(fields | extra))
        self.people.append(user)
        return user

    def adult(self, gender: str, *, surname: str | None = None, **kw: Any) -> Any:
        return self.person(self.maker.adult(gender, surname=surname), adult=True, **kw)

    def staff_member(
        self, org: Organization, position: str, gender: str | None = None, **kw: Any
    ) -> Any:
        # Schools' staff: about four in five teachers are women.
        if gender is None:
            gender = fp.FEMALE if self.rnd.random() < 0.8 else fp.MALE
        user = self.adult(gender, **kw)
        self.positions.append((user, org, position))
        return user

    def family(
        self,
        seats: list[SchoolClass],
        *,
        parents: str = "mf",
        father: Any = None,
        logins: dict[str, dict[str, Any]] | None = None,
    ) -> list[Any]:
        """Parents (``m`` mother, ``f`` father, ``r`` a grandmother as the legal
        representative) and one child per seat; ``logins`` gives a parent fixed fields."""
        logins = logins or {}
        surname = father.last_name if father is not None else self.maker.surname()
        father_name = father.first_name if father is not None else self.maker.father_name()
        guardians: list[tuple[Any, str]] = []
        if "m" in parents:
            mother = self.adult(fp.FEMALE, surname=surname, **logins.get("m", {}))
            guardians.append((mother, Guardianship.Kind.MOTHER))
        if "f" in parents:
            if father is None:
                father = self.person(
                    fp.Person(
                        last_name=surname,
                        first_name=father_name,
                        middle_name=fp.patronymic(self.rnd.choice(OLDER_MALE), fp.MALE),
                        gender=fp.MALE,
                        birth_date=self.maker.date_between(
                            datetime.date(1970, 1, 1), datetime.date(1994, 12, 31)
                        ),
                    ),
                    adult=True,
                    **logins.get("f", {}),
                )
            guardians.append((father, Guardianship.Kind.FATHER))
        if "r" in parents:
            grandmother = self.person(
                self.maker.adult(fp.FEMALE, surname=surname, born=(1955, 1965)), adult=True
            )
            guardians.append((grandmother, Guardianship.Kind.REPRESENTATIVE))
        children = []
        for school_class in seats:
            child = self.person(
                self.maker.child(
                    surname=surname,
                    father=father_name,
                    grade=school_class.grade,
                    year_start=YEAR_STARTS.year,
                ),
                adult=False,
            )
            self.enrollments.append((child, school_class))
            for guardian, kind in guardians:
                self.guardianships.append((guardian, child, kind))
            children.append(child)
        return children

    # --- structure ---------------------------------------------------------------------------
    def organization(self, n: int, plan: SchoolPlan, kind: str, municipality: Any) -> Any:
        return Organization.objects.create(
            municipality=municipality,
            kind=kind,
            name=plan.name,
            short_name=plan.short_name,
            inn=fp.inn(INN_BLOCK, n),
            official_email=f"org{n}@edu.{EMAIL_DOMAIN}",
            address=f"{TOWN}, {STREETS[n % len(STREETS)]}, {10 + 7 * n}",
            latitude=Decimal("56.830000") + Decimal(n) / 200,
            longitude=Decimal("60.600000") + Decimal(n) / 150,
        )

    def class_sizes(self, grades: list[int]) -> list[int]:
        """Realistic urban sizes (19–26, 15–22 in grades 10–11), scaled to the demo's total.

        Three schools with every grade need 41 classes, so realistic sizes would make about
        900 students; the demo keeps their proportions and shrinks them to 300.
        """
        count = len(grades)
        raw = [self.rnd.randint(15, 22) if g >= 10 else self.rnd.randint(19, 26) for g in grades]
        factor = STUDENTS_TOTAL / sum(raw)
        sizes = [max(4, round(x * factor)) for x in raw]
        i = 0
        while sum(sizes) != STUDENTS_TOTAL:
            sizes[i % count] += 1 if sum(sizes) < STUDENTS_TOTAL else -1
            i += 1
        return sizes

    def build(self) -> None:
        subjects_catalogue_ensure()
        region = Region.objects.create(
            name=REGION_NAME, code=REGION_CODE, country="RU", timezone=REGION_TIMEZONE
        )
        municipality = Municipality.objects.create(region=region, name=MUNICIPALITY_NAME)
        schools = [
            self.organization(n, plan, Organization.Kind.SCHOOL, municipality)
            for n, plan in enumerate(SCHOOLS, start=1)
        ]
        provider = self.organization(
            len(SCHOOLS) + 1, PROVIDER, Organization.Kind.ADDITIONAL, municipality
        )
        years = {
            org.pk: AcademicYear.objects.create(
                organization=org,
                name=YEAR_NAME,
                starts_on=YEAR_STARTS,
                ends_on=YEAR_ENDS,
                is_current=True,
            )
            for org in [*schools, provider]
        }
        classes: dict[tuple[int, int, str], SchoolClass] = {}
        for s, (org, plan) in enumerate(zip(schools, SCHOOLS, strict=True)):
            for grade in range(1, 12):
                for letter in _letters(plan, grade):
                    classes[(s, grade, letter)] = SchoolClass(
                        organization=org, academic_year=years[org.pk], grade=grade, letter=letter
                    )

        # Staff: administration, then one class teacher per class and a few subject teachers.
        lyceum = schools[1]
        fixed: dict[str, Any] = {}
        for s, org in enumerate(schools):
            is_first = s == 0
            fixed_director = {"username": "demo-director"} if is_first else {}
            fixed_deputy = {"username": "demo-deputy"} if is_first else {}
            director = self.staff_member(org, StaffPosition.Position.DIRECTOR, **fixed_director)
            deputy = self.staff_member(org, StaffPosition.Position.DEPUTY, **fixed_deputy)
            self.staff_member(org, StaffPosition.Position.SECRETARY)
            if is_first:
                fixed["demo-director"], fixed["demo-deputy"] = director, deputy
            own = [c for (school, _, _), c in classes.items() if school == s]
            for school_class in own:
                username = (
                    "demo-classteacher"
                    if is_first and (school_class.grade, school_class.letter) == (5, "А")
                    else None
                )
                teacher = self.staff_member(org, StaffPosition.Position.TEACHER, username=username)
                school_class.class_teacher = teacher
            for k in range(4):
                username = None
                if is_first and k == 0:
                    username = "demo-teacher"
                elif org is lyceum and k == 0:
                    username = "demo-multirole"
                teacher = self.staff_member(
                    org,
                    StaffPosition.Position.TEACHER,
                    # demo-multirole is also a father (below).
                    gender=fp.MALE if username == "demo-multirole" else None,
                    username=username,
                )
                if username:
                    fixed[username] = teacher
        self.staff_member(provider, StaffPosition.Position.DIRECTOR)
        for _ in range(3):
            self.staff_member(provider, StaffPosition.Position.TEACHER)

        # Seats: every class gets a size; the special families take theirs first.
        sizes = self.class_sizes([c.grade for c in classes.values()])
        free: dict[tuple[int, int, str], int] = dict(zip(classes, sizes, strict=True))

        def seat(school: int, grade: int, letter: str = "А") -> SchoolClass:
            free[(school, grade, letter)] -= 1
            return classes[(school, grade, letter)]

        # demo-parent (mother) and her husband: two children in Школа № 1, 5А and 2Б.
        student, _sibling = self.family(
            [seat(0, 5), seat(0, 2, "Б")], logins={"m": {"username": "demo-parent"}}
        )
        student.username = "demo-student"
        # demo-multirole, a teacher of the lyceum, is the father of a pupil of 7А there.
        self.family([seat(1, 7)], father=fixed["demo-multirole"])
        # demo-newparent: a father whose issued account has not been opened yet.
        issued = {
            "username": "demo-newparent",
            "password": make_password(NEW_PARENT_PASSWORD),
            "must_change_password": True,
            "initial_password_issued_at": timezone.now(),
        }
        self.family([seat(0, 3)], parents="f", logins={"f": issued})
        # A mother whose children go to two schools.
        self.family([seat(0, 8), seat(2, 4)], parents="m")
        # Everybody else: families of one or two children (a few of them siblings).
        for seats in self._families(classes, free):
            roll = self.rnd.random()
            parents = "mf" if roll < 0.62 else "m" if roll < 0.92 else "f" if roll < 0.97 else "r"
            self.family(seats, parents=parents)

        # Authorities.
        municipal = self.adult(fp.FEMALE, username="demo-municipal")
        operator = self.adult(fp.MALE, username="demo-operator", is_staff=True)
        self._write(classes, municipality, region, municipal, operator)

    def _families(
        self,
        classes: dict[tuple[int, int, str], SchoolClass],
        free: dict[tuple[int, int, str], int],
    ) -> Iterator[list[SchoolClass]]:
        seats = [classes[key] for key, count in free.items() for _ in range(count)]
        self.rnd.shuffle(seats)
        while seats:
            sibling = None
            # About one family in eight has a second child in the same school.
            if len(seats) > 1 and self.rnd.random() < 0.12:
                first = seats[-1]
                for i in range(len(seats) - 2, -1, -1):
                    if seats[i].organization is first.organization and seats[i] is not first:
                        sibling = seats.pop(i)
                        break
            yield [seats.pop()] + ([sibling] if sibling is not None else [])

    def _write(
        self,
        classes: dict[tuple[int, int, str], SchoolClass],
        municipality: Municipality,
        region: Region,
        municipal: Any,
        operator: Any,
    ) -> None:
        self.user_model.objects.bulk_create(self.people)
        SchoolClass.objects.bulk_create(classes.values())
        StaffPosition.objects.bulk_create(
            StaffPosition(
                person=person,
                organization=org,
                position=position,
                since=datetime.date(2026 - self.rnd.randint(0, 20), 9, 1),
            )
            for person, org, position in self.positions
        )
        Enrollment.objects.bulk_create(
            Enrollment(student=student, school_class=school_class, since=YEAR_STARTS)
            for student, school_class in self.enrollments
        )
        Guardianship.objects.bulk_create(
            Guardianship(guardian=guardian, child=child, kind=kind)
            for guardian, child, kind in self.guardianships
        )
        Official.objects.bulk_create(
            [
                Official(
                    person=municipal,
                    kind=Official.Kind.MUNICIPAL,
                    region=region,
                    municipality=municipality,
                ),
                Official(person=operator, kind=Official.Kind.OPERATOR, region=region),
            ]
        )
        group, _ = Group.objects.get_or_create(name=OPERATOR_GROUP)
        group.permissions.set(
            Permission.objects.filter(content_type__app_label__in=("directory", "accounts"))
        )
        operator.groups.add(group)
        # Demo people's addresses count as confirmed, so mandatory e-mail verification does
        # not stop the demo logins at the door.
        EmailAddress.objects.bulk_create(
            EmailAddress(user=person, email=person.email, verified=True, primary=True)
            for person in self.people
            if person.email
        )


def demo_summary_counts(result: DemoResult) -> str:
    counts = Counter(result.counts)
    return (
        f"школ: {counts['schools']}, организаций доп. образования: {counts['providers']}, "
        f"классов: {counts['classes']}, учеников: {counts['students']}, "
        f"родителей: {counts['parents']}, сотрудников: {counts['staff']}"
    )
