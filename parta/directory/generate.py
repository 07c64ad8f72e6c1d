"""Generated regions for load tests and benchmarks (``manage.py generate --scale …``).

A scale fixes the counts: ``district`` is 50 schools and 25,000 students, ``region`` is 1,000
schools and 300,000 students, ``tiny`` is for tests. Each scale gets its own region (code
``GEN-<SCALE>``), logins starting ``gen-<scale>-`` and its own block of phones, SNILS and INNs,
so scales can live side by side in one database and with the demo region.

People are streamed: the generator never holds more than one batch of people in memory. On
PostgreSQL people, enrolments and guardianships go in with COPY; elsewhere with bulk_create.
Generated people get an unusable password (their slips are printed later); nobody's password
is hashed.

Once the structure and the people exist, the registered dataset fillers add the cabinet apps'
data (the journal's school year) in the same transaction; ``skip`` names the ones to leave out.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from parta.core.errors import DomainError
from parta.directory import fake_people as fp
from parta.directory.datasets import (
    DatasetFill,
    RowWriter,
    dataset_delete,
    dataset_fill,
    subjects_catalogue_ensure,
)
from parta.directory.fake_names import STREETS
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

YEAR_NAME = "2026/2027"
YEAR_STARTS = datetime.date(2026, 9, 1)
YEAR_ENDS = datetime.date(2027, 5, 26)
LETTERS = "АБВГДЕЖИКЛМНОП"
PROVIDER_STAFF = 3  # a director and two teachers of additional education
SIBLING_SHARE = 0.12  # students who share their parents with a brother or sister


@dataclass(frozen=True)
class Scale:
    """How big a generated region is. ``staff`` counts staff positions in all organizations."""

    name: str
    block: int  # identifier block (1–8): phones +79<block>…, SNILS <block+1>…, INN 99<0block>…
    municipalities: int
    schools: int
    providers: int  # additional-education organizations
    classes: int
    students: int
    parents: int
    staff: int

    @property
    def region_code(self) -> str:
        return f"GEN-{self.name.upper()}"

    @property
    def region_name(self) -> str:
        return f"Сгенерированный регион ({self.name})"

    @property
    def username_prefix(self) -> str:
        return f"gen-{self.name}-"

    @property
    def officials(self) -> int:
        return self.municipalities + 1

    @property
    def people(self) -> int:
        return self.students + self.parents + self.staff + self.officials

    def families(self) -> tuple[int, int, int]:
        """(families, families with two children, families with two parents)."""
        two_children = round(self.students * SIBLING_SHARE / 2)
        families = self.students - two_children
        two_parents = self.parents - families
        return families, two_children, two_parents

    def check(self) -> None:
        families, _, two_parents = self.families()
        if not 0 <= two_parents <= families:
            raise ValueError(f"{self.name}: parents must be 1–2 per family")
        school_staff = self.staff - self.providers * PROVIDER_STAFF
        fewest_teachers = _teachers(min(_split(school_staff, self.schools)))
        if fewest_teachers < max(_split(self.classes, self.schools)):
            raise ValueError(f"{self.name}: too few teachers to lead every class")
        if max(_split(self.classes, self.schools)) > 11 * len(LETTERS):
            raise ValueError(f"{self.name}: too many classes per school")


# "parents/classes/staff scaled the same way": the region keeps the district's ratios per
# student (1.6 parents, 25 students a class, 10 students per staff position).
SCALES = {
    "tiny": Scale("tiny", 1, 1, 2, 1, 6, 60, 96, 16),
    "district": Scale("district", 2, 1, 50, 2, 1_000, 25_000, 40_000, 2_500),
    "region": Scale("region", 3, 40, 1_000, 40, 12_000, 300_000, 480_000, 30_000),
}


class DatasetExists(DomainError):
    pass


def _split(total: int, parts: int) -> list[int]:
    base, rest = divmod(total, parts)
    return [base + (1 if i < rest else 0) for i in range(parts)]


def _deputies(staff: int) -> int:
    return max(1, staff // 20)


def _teachers(staff: int) -> int:
    """Teachers among a school's ``staff``: all but the director, deputies and secretary."""
    return staff - 2 - _deputies(staff)


def _every(i: int, k: int, n: int) -> bool:
    """Whether item ``i`` of ``n`` is one of ``k`` spread evenly (exactly ``k`` are)."""
    return (i + 1) * k // n > i * k // n


def _grades(count: int) -> list[tuple[int, str]]:
    """(grade, letter) of a school's ``count`` classes: 1–11, extra letters in lower grades."""
    if count < 11:
        grades = [1 + round(i * 10 / (count - 1)) for i in range(count)] if count > 1 else [1]
        return [(g, LETTERS[0]) for g in grades]
    per_grade, extra = divmod(count, 11)
    return [
        (grade, LETTERS[j])
        for grade in range(1, 12)
        for j in range(per_grade + (1 if grade <= extra else 0))
    ]


def dataset_exists(scale: Scale) -> bool:
    return Region.objects.filter(code=scale.region_code).exists()


def generate_delete(scale: Scale) -> int:
    """Delete a generated region and its people; returns how many people were deleted."""
    with transaction.atomic():
        return dataset_delete(
            region_code=scale.region_code, username_prefixes=(scale.username_prefix,)
        )


def generate(
    scale: Scale,
    *,
    replace: bool = False,
    use_copy: bool | None = None,
    batch_size: int = 5000,
    progress: Callable[[int], object] | None = None,
    seed: int = 1,
    skip: Collection[str] = (),
    now: datetime.datetime | None = None,
    stage: Callable[[str, int], Callable[[int], object]] | None = None,
) -> dict[str, int]:
    """Generate ``scale``'s region in one transaction; return the counts written.

    ``now`` is the moment the fillers take as the present (what is past and what is still
    ahead in the school year); ``stage`` opens a progress line for each of their stages.
    """
    scale.check()
    with transaction.atomic():
        if dataset_exists(scale):
            if not replace:
                raise DatasetExists(
                    f"Регион {scale.region_code} уже сгенерирован; "
                    "чтобы создать его заново, добавьте --replace."
                )
            dataset_delete(
                region_code=scale.region_code, username_prefixes=(scale.username_prefix,)
            )
        generator = _Generator(
            scale,
            RowWriter(use_copy=use_copy),
            batch_size=batch_size,
            progress=progress or (lambda n: None),
            seed=seed,
        )
        generator.run()
        if connection.vendor == "postgresql":
            # Fresh statistics, so the first queries on the new rows get sensible plans.
            with connection.cursor() as cursor:
                for model in (get_user_model(), Enrollment, Guardianship, StaffPosition):
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        filled = dataset_fill(
            DatasetFill(
                region=Region.objects.get(code=scale.region_code),
                seed=seed,
                use_copy=generator.writer.use_copy,
                now=now or timezone.now(),
                stage=stage or (lambda description, total: lambda n: None),
            ),
            skip=skip,
        )
        return dataset_counts(scale) | filled


def dataset_counts(scale: Scale) -> dict[str, int]:
    in_region = {"organization__municipality__region__code": scale.region_code}
    return {
        "municipalities": Municipality.objects.filter(region__code=scale.region_code).count(),
        "schools": Organization.objects.filter(
            municipality__region__code=scale.region_code, kind=Organization.Kind.SCHOOL
        ).count(),
        "providers": Organization.objects.filter(
            municipality__region__code=scale.region_code, kind=Organization.Kind.ADDITIONAL
        ).count(),
        "classes": SchoolClass.objects.filter(**in_region).count(),
        "students": Enrollment.objects.filter(
            school_class__organization__municipality__region__code=scale.region_code
        ).count(),
        "parents": Guardianship.objects.filter(guardian__username__startswith=scale.username_prefix)
        .values("guardian_id")
        .distinct()
        .count(),
        "guardianships": Guardianship.objects.filter(
            guardian__username__startswith=scale.username_prefix
        ).count(),
        "staff": StaffPosition.objects.filter(**in_region).count(),
        "officials": Official.objects.filter(region__code=scale.region_code).count(),
        "people": get_user_model()
        .objects.filter(username__startswith=scale.username_prefix)
        .count(),
    }


@dataclass
class _SchoolPlan:
    organization_id: int
    # (class id, grade, number of students)
    classes: list[tuple[int, int, int]]


class _Generator:
    def __init__(
        self,
        scale: Scale,
        writer: RowWriter,
        *,
        batch_size: int,
        progress: Callable[[int], object],
        seed: int,
    ) -> None:
        self.scale = scale
        self.writer = writer
        self.batch_size = batch_size
        self.progress = progress
        self.maker = fp.PeopleMaker(f"{scale.name}:{seed}")
        self.rnd = self.maker.random
        self.serial = 0
        self.email_domain = f"{scale.name}.parta-gen.example"

    # --- one person's row -----------------------------------------------------------------
    def row(self, kind: str, person: fp.Person, *, adult: bool) -> tuple[Any, ...]:
        self.serial += 1
        n = self.serial
        block = self.scale.block
        email = ""
        if adult and self.rnd.random() < 0.8:
            email = f"{fp.translit(person.last_name)}.{n}@{self.email_domain}"
        # Most pupils' SNILS is known to the school; fewer parents have given theirs.
        has_snils = self.rnd.random() < (0.7 if kind == "p" else 0.95)
        return (
            f"{self.scale.username_prefix}{kind}{n:07d}",
            person.last_name,
            person.first_name,
            person.middle_name,
            email,
            fp.phone(block, n) if adult else "",
            fp.snils(block, n) if has_snils else "",
            person.birth_date,
        )

    def adult_row(self, kind: str, gender: str | None = None, **kw: Any) -> tuple[Any, ...]:
        if gender is None:
            gender = fp.FEMALE if self.rnd.random() < 0.8 else fp.MALE
        return self.row(kind, self.maker.adult(gender, **kw), adult=True)

    def users(self, rows: list[tuple[Any, ...]]) -> list[int]:
        ids = self.writer.users(rows)
        self.progress(len(rows))
        return ids

    # --- the region's structure -----------------------------------------------------------
    def run(self) -> None:
        scale = self.scale
        subjects_catalogue_ensure()
        region = Region.objects.create(
            name=scale.region_name, code=scale.region_code, timezone="Europe/Moscow"
        )
        municipalities = Municipality.objects.bulk_create(
            Municipality(region=region, name=f"Муниципальный район № {i}")
            for i in range(1, scale.municipalities + 1)
        )
        self.officials(region, municipalities)
        schools, providers = self.organizations(municipalities)
        plans = self.structure(schools, providers)
        self.families(plans)

    def organizations(
        self, municipalities: list[Municipality]
    ) -> tuple[list[Organization], list[Organization]]:
        inn_block = 9900 + self.scale.block
        orgs: list[Organization] = []
        kinds = [Organization.Kind.SCHOOL] * self.scale.schools + [
            Organization.Kind.ADDITIONAL
        ] * self.scale.providers
        homes = [
            municipalities[i]
            for i, count in enumerate(_split(self.scale.schools, len(municipalities)))
            for _ in range(count)
        ] + [
            municipalities[i]
            for i, count in enumerate(_split(self.scale.providers, len(municipalities)))
            for _ in range(count)
        ]
        for n, (kind, municipality) in enumerate(zip(kinds, homes, strict=True), start=1):
            if kind == Organization.Kind.SCHOOL:
                short = f"Школа № {n}"
                name = (
                    "Муниципальное бюджетное общеобразовательное учреждение "
                    f"«Средняя общеобразовательная школа № {n}»"
                )
            else:
                short = f"Центр дополнительного образования № {n}"
                name = f"Муниципальное бюджетное учреждение дополнительного образования «{short}»"
            orgs.append(
                Organization(
                    municipality=municipality,
                    kind=kind,
                    name=name,
                    short_name=short,
                    inn=fp.inn(inn_block, n),
                    official_email=f"org{n}@edu.{self.email_domain}",
                    address=f"{municipality.name}, {STREETS[n % len(STREETS)]}, {n % 97 + 1}",
                )
            )
        Organization.objects.bulk_create(orgs, batch_size=1000)
        AcademicYear.objects.bulk_create(
            (
                AcademicYear(
                    organization=org,
                    name=YEAR_NAME,
                    starts_on=YEAR_STARTS,
                    ends_on=YEAR_ENDS,
                    is_current=True,
                )
                for org in orgs
            ),
            batch_size=1000,
        )
        return orgs[: self.scale.schools], orgs[self.scale.schools :]

    def officials(self, region: Region, municipalities: list[Municipality]) -> None:
        rows = [self.adult_row("o") for _ in range(len(municipalities) + 1)]
        ids = self.users(rows)
        Official.objects.bulk_create(
            [
                Official(person_id=pk, kind=Official.Kind.MUNICIPAL, region=region, municipality=m)
                for pk, m in zip(ids, municipalities, strict=False)
            ]
            + [Official(person_id=ids[-1], kind=Official.Kind.OPERATOR, region=region)]
        )

    def structure(
        self, schools: list[Organization], providers: list[Organization]
    ) -> list[_SchoolPlan]:
        """Staff and classes, a chunk of organizations at a time; returns the class plan."""
        scale = self.scale
        years = dict(
            AcademicYear.objects.filter(
                organization__municipality__region__code=scale.region_code
            ).values_list("organization_id", "pk")
        )
        class_counts = _split(scale.classes, scale.schools)
        staff_counts = _split(scale.staff - scale.providers * PROVIDER_STAFF, scale.schools)
        sizes = _split(scale.students, scale.classes)
        # Neighbouring classes trade a few students: sizes vary, the total does not.
        for i in range(0, len(sizes) - 1, 2):
            delta = self.rnd.randint(-3, 3)
            if sizes[i] + delta >= 1 and sizes[i + 1] - delta >= 1:
                sizes[i] += delta
                sizes[i + 1] -= delta
        size_iter = iter(sizes)
        plans: list[_SchoolPlan] = []
        chunk = max(1, 2000 // max(1, scale.staff // scale.schools))
        for start in range(0, len(schools), chunk):
            part = list(enumerate(schools))[start : start + chunk]
            roles: list[tuple[Organization, str]] = []
            for s, org in part:
                roles += [(org, StaffPosition.Position.DIRECTOR)]
                roles += [(org, StaffPosition.Position.DEPUTY)] * _deputies(staff_counts[s])
                roles += [(org, StaffPosition.Position.SECRETARY)]
                roles += [(org, StaffPosition.Position.TEACHER)] * _teachers(staff_counts[s])
            ids = self.staff(roles)
            teachers: dict[int, list[int]] = {}
            for pk, (org, position) in zip(ids, roles, strict=True):
                if position == StaffPosition.Position.TEACHER:
                    teachers.setdefault(org.pk, []).append(pk)
            classes: list[SchoolClass] = []
            for s, org in part:
                for (grade, letter), teacher in zip(
                    _grades(class_counts[s]), teachers[org.pk], strict=False
                ):
                    classes.append(
                        SchoolClass(
                            organization=org,
                            academic_year_id=years[org.pk],
                            grade=grade,
                            letter=letter,
                            class_teacher_id=teacher,
                        )
                    )
            SchoolClass.objects.bulk_create(classes, batch_size=1000)
            by_org: dict[int, list[tuple[int, int, int]]] = {}
            for school_class in classes:
                by_org.setdefault(school_class.organization_id, []).append(
                    (school_class.pk, school_class.grade, next(size_iter))
                )
            plans += [_SchoolPlan(org.pk, by_org[org.pk]) for _, org in part]
        provider_roles: list[tuple[Organization, str]] = []
        for org in providers:
            provider_roles += [(org, StaffPosition.Position.DIRECTOR)]
            provider_roles += [(org, StaffPosition.Position.TEACHER)] * (PROVIDER_STAFF - 1)
        self.staff(provider_roles)
        return plans

    def staff(self, roles: list[tuple[Organization, str]]) -> list[int]:
        ids: list[int] = []
        for start in range(0, len(roles), self.batch_size):
            part = roles[start : start + self.batch_size]
            batch_ids = self.users([self.adult_row("t", born=(1960, 2002)) for _ in part])
            StaffPosition.objects.bulk_create(
                (
                    StaffPosition(
                        person_id=pk,
                        organization=org,
                        position=position,
                        since=datetime.date(2026 - self.rnd.randint(0, 25), 9, 1),
                    )
                    for pk, (org, position) in zip(batch_ids, part, strict=True)
                ),
                batch_size=1000,
            )
            ids += batch_ids
        return ids

    # --- students and their families ------------------------------------------------------
    def seats(self, plans: list[_SchoolPlan]) -> Iterator[tuple[int, int]]:
        """(class id, grade) of every student's place, school by school, shuffled inside a
        school so that brothers and sisters land in different classes."""
        for plan in plans:
            seats = [(pk, grade) for pk, grade, size in plan.classes for _ in range(size)]
            self.rnd.shuffle(seats)
            yield from seats

    def families(self, plans: list[_SchoolPlan]) -> None:
        families, two_children, two_parents = self.scale.families()
        seats = self.seats(plans)
        rows: list[tuple[Any, ...]] = []
        enrol: list[tuple[int, int]] = []  # (row index of the child, class id)
        links: list[tuple[int, int, str]] = []  # (row index of parent, of child, kind)
        for f in range(families):
            surname = self.maker.surname()
            father = self.maker.father_name()
            if _every(f, two_parents, families):
                kinds = [Guardianship.Kind.MOTHER, Guardianship.Kind.FATHER]
            else:
                roll = self.rnd.random()
                kinds = [
                    Guardianship.Kind.MOTHER
                    if roll < 0.85
                    else Guardianship.Kind.FATHER
                    if roll < 0.97
                    else Guardianship.Kind.REPRESENTATIVE
                ]
            parents: list[tuple[int, str]] = []
            for kind in kinds:
                parents.append((len(rows), kind))
                if kind == Guardianship.Kind.FATHER:
                    person = self.maker.adult(fp.MALE, surname=surname)
                    person.first_name = father
                    rows.append(self.row("p", person, adult=True))
                elif kind == Guardianship.Kind.MOTHER:
                    rows.append(self.adult_row("p", fp.FEMALE, surname=surname))
                else:
                    rows.append(self.adult_row("p", fp.FEMALE, surname=surname, born=(1950, 1968)))
            for _ in range(2 if _every(f, two_children, families) else 1):
                class_id, grade = next(seats)
                child = self.maker.child(
                    surname=surname, father=father, grade=grade, year_start=YEAR_STARTS.year
                )
                enrol.append((len(rows), class_id))
                links += [(p, len(rows), kind) for p, kind in parents]
                rows.append(self.row("s", child, adult=False))
            if len(rows) >= self.batch_size:
                self.flush(rows, enrol, links)
                rows, enrol, links = [], [], []
        self.flush(rows, enrol, links)
        if next(seats, None) is not None:
            raise AssertionError("every seat gets a student")

    def flush(
        self,
        rows: list[tuple[Any, ...]],
        enrol: list[tuple[int, int]],
        links: list[tuple[int, int, str]],
    ) -> None:
        if not rows:
            return
        ids = self.users(rows)
        self.writer.enrollments([(ids[c], class_id, YEAR_STARTS) for c, class_id in enrol])
        self.writer.guardianships([(ids[p], ids[c], kind) for p, c, kind in links])
