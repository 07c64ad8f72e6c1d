"""The region's structure: who belongs where.

Region → municipality → organization → academic year → class; subjects; staff positions;
a student's enrolment in a class for a year; guardianship (parent ↔ child); officials of
the municipal authority and the regional operator. Restricted rows are fetched through
``visible_to`` / ``editable_by``, which defer to the policy in ``parta.core.access``.
"""

from __future__ import annotations

from typing import Any, Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from parta.core import access
from parta.core.validators import normalize_inn


class VisibleQuerySet(models.QuerySet):
    """A queryset whose rows are limited by the policy entry ``policy_object``.

    ``editable_by`` asks for ``default_action`` unless told another: for rows that are
    decided (a request, a claim) the policy's word is "decide", for a complaint "answer".
    """

    policy_object: str = ""
    default_action: str = "change"

    def visible_to(self, user: Any) -> Self:
        return self.filter(access.allowed(user, self.policy_object, "view"))

    def editable_by(self, user: Any, action: str = "") -> Self:
        return self.filter(access.allowed(user, self.policy_object, action or self.default_action))


class Confirmation(models.TextChoices):
    """Whether a claimed place (a staff position, an enrolment) has been confirmed (VER-4).

    Only confirmed places give a role. Places entered by the school itself or by the operator
    are confirmed when created; places a person claims wait for the director (staff) or for a
    confirmed class teacher (students).
    """

    PENDING = "pending", _("ожидает подтверждения")
    CONFIRMED = "confirmed", _("подтверждено")
    REJECTED = "rejected", _("отклонено")


def confirmed_place(prefix: str = "") -> Q:
    """The condition of a place that gives a role: active and confirmed (VER-4).

    ``prefix`` is the relation from the queried model, e.g. ``confirmed_place("enrollments")``
    for people whose enrolment is confirmed.
    """
    path = f"{prefix}__" if prefix else ""
    return Q(**{f"{path}is_active": True, f"{path}status": Confirmation.CONFIRMED})


class ConfirmableModel(models.Model):
    """The confirmation state of a place, who decided it, when and why (VER-4)."""

    status = models.CharField(
        _("подтверждение"),
        max_length=12,
        choices=Confirmation.choices,
        default=Confirmation.CONFIRMED,
        db_default=Confirmation.CONFIRMED,
        db_index=True,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("кто решил"),
    )
    decided_at = models.DateTimeField(_("когда решено"), null=True, blank=True)
    rejection_reason = models.TextField(_("причина отказа"), blank=True)

    class Meta:
        abstract = True

    @property
    def is_confirmed(self) -> bool:
        return self.status == Confirmation.CONFIRMED


class RegionQuerySet(VisibleQuerySet):
    policy_object = "region"


class Region(models.Model):
    class Country(models.TextChoices):
        RUSSIA = "RU", _("Россия")
        KAZAKHSTAN = "KZ", _("Казахстан")

    name = models.CharField(_("название"), max_length=200, unique=True)
    code = models.CharField(_("код"), max_length=20, unique=True)
    country = models.CharField(
        _("страна"), max_length=2, choices=Country.choices, default=Country.RUSSIA
    )
    timezone = models.CharField(_("часовой пояс"), max_length=64, default="Europe/Moscow")

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("регион")
        verbose_name_plural = _("регионы")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MunicipalityQuerySet(VisibleQuerySet):
    policy_object = "municipality"


class Municipality(models.Model):
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="municipalities", verbose_name=_("регион")
    )
    name = models.CharField(_("название"), max_length=200)
    oktmo = models.CharField(_("ОКТМО"), max_length=11, blank=True)

    objects = MunicipalityQuerySet.as_manager()

    class Meta:
        verbose_name = _("муниципалитет")
        verbose_name_plural = _("муниципалитеты")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="municipality_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class OrganizationQuerySet(VisibleQuerySet):
    policy_object = "organization"


class Organization(models.Model):
    class Kind(models.TextChoices):
        SCHOOL = "school", _("школа")
        KINDERGARTEN = "kindergarten", _("детский сад")
        COLLEGE = "college", _("колледж")
        ADDITIONAL = "additional", _("организация дополнительного образования")

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="organizations",
        verbose_name=_("муниципалитет"),
    )
    kind = models.CharField(_("вид"), max_length=20, choices=Kind.choices, default=Kind.SCHOOL)
    name = models.CharField(_("полное название"), max_length=300)
    short_name = models.CharField(_("краткое название"), max_length=120)
    inn = models.CharField(
        _("ИНН / БИН"),
        max_length=12,
        unique=True,
        help_text=_("10 цифр (ИНН организации в России) или 12 цифр (БИН в Казахстане)."),
    )
    official_email = models.EmailField(_("официальная почта"))
    address = models.CharField(_("адрес"), max_length=400)
    latitude = models.DecimalField(
        _("широта"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("долгота"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    is_active = models.BooleanField(_("подключена к Парте"), default=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("организация")
        verbose_name_plural = _("организации")
        ordering = ["short_name"]

    def __str__(self) -> str:
        return self.short_name

    def clean(self) -> None:
        if self.inn:
            country = (
                self.municipality.region.country
                if self.municipality_id
                else Region.Country.RUSSIA.value
            )
            try:
                self.inn = normalize_inn(self.inn, country)
            except ValidationError as exc:
                raise ValidationError({"inn": exc.messages}) from exc


class AcademicYearQuerySet(VisibleQuerySet):
    policy_object = "academic_year"


class AcademicYear(models.Model):
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="academic_years",
        verbose_name=_("организация"),
    )
    name = models.CharField(_("название"), max_length=20, help_text=_("например, 2026/2027"))
    starts_on = models.DateField(_("начало"))
    ends_on = models.DateField(_("окончание"))
    is_current = models.BooleanField(_("текущий"), default=False)

    objects = AcademicYearQuerySet.as_manager()

    class Meta:
        verbose_name = _("учебный год")
        verbose_name_plural = _("учебные годы")
        ordering = ["organization", "-starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="year_unique_name"),
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(is_current=True),
                name="year_one_current_per_organization",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")), name="year_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SubjectQuerySet(VisibleQuerySet):
    policy_object = "subject"


class Subject(models.Model):
    """A subject; organization-less subjects form the region-wide catalogue."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="subjects",
        verbose_name=_("организация"),
    )
    name = models.CharField(_("название"), max_length=120)
    short_name = models.CharField(_("краткое название"), max_length=40, blank=True)

    objects = SubjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("предмет")
        verbose_name_plural = _("предметы")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="subject_unique_name_per_organization"
            )
        ]

    def __str__(self) -> str:
        return self.name


class SchoolClassQuerySet(VisibleQuerySet):
    policy_object = "school_class"


class SchoolClass(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="classes", verbose_name=_("школа")
    )
    academic_year = models.ForeignKey(
        AcademicYear,
        on_delete=models.PROTECT,
        related_name="classes",
        verbose_name=_("учебный год"),
    )
    grade = models.PositiveSmallIntegerField(
        _("параллель"), validators=[MinValueValidator(0), MaxValueValidator(12)]
    )
    letter = models.CharField(_("литера"), max_length=4)
    class_teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_classes",
        verbose_name=_("классный руководитель"),
    )

    objects = SchoolClassQuerySet.as_manager()

    class Meta:
        verbose_name = _("класс")
        verbose_name_plural = _("классы")
        ordering = ["grade", "letter"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "academic_year", "grade", "letter"],
                name="class_unique_per_year",
            )
        ]

    def __str__(self) -> str:
        return f"{self.grade}{self.letter}"

    @property
    def name(self) -> str:
        return str(self)

    def clean(self) -> None:
        if (
            self.academic_year_id
            and self.organization_id
            and self.academic_year.organization_id != self.organization_id
        ):
            raise ValidationError(
                {"academic_year": _("Учебный год принадлежит другой организации.")}
            )


class StaffPositionQuerySet(VisibleQuerySet):
    policy_object = "staff_position"

    def confirmed(self) -> Self:
        return self.filter(confirmed_place())


class StaffPosition(ConfirmableModel):
    class Position(models.TextChoices):
        DIRECTOR = "director", _("директор")
        DEPUTY = "deputy", _("заместитель директора")
        TEACHER = "teacher", _("учитель")
        SECRETARY = "secretary", _("секретарь")

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_positions",
        verbose_name=_("сотрудник"),
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="staff", verbose_name=_("организация")
    )
    position = models.CharField(_("должность"), max_length=20, choices=Position.choices)
    is_active = models.BooleanField(_("действует"), default=True)
    since = models.DateField(_("с"), null=True, blank=True)

    objects = StaffPositionQuerySet.as_manager()

    class Meta:
        verbose_name = _("должность сотрудника")
        verbose_name_plural = _("сотрудники")
        ordering = ["organization", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "organization", "position"], name="staff_unique_position"
            ),
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(position="director", is_active=True),
                name="staff_one_director",
            ),
        ]
        indexes = [models.Index(fields=["person", "is_active"])]

    def __str__(self) -> str:
        return f"{self.person} — {self.get_position_display()}, {self.organization}"


class EnrollmentQuerySet(VisibleQuerySet):
    policy_object = "enrollment"

    def confirmed(self) -> Self:
        return self.filter(confirmed_place())

    def current(self) -> Self:
        """Confirmed, active enrolments of the current academic year."""
        return self.confirmed().filter(school_class__academic_year__is_current=True)


class Enrollment(ConfirmableModel):
    """A student's place in a class for one academic year."""

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="enrollments",
        verbose_name=_("ученик"),
    )
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, related_name="enrollments", verbose_name=_("класс")
    )
    is_active = models.BooleanField(_("учится"), default=True)
    since = models.DateField(_("с"), null=True, blank=True)

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("зачисление")
        verbose_name_plural = _("зачисления")
        constraints = [
            models.UniqueConstraint(
                fields=["student", "school_class"], name="enrollment_unique_student_class"
            )
        ]
        indexes = [models.Index(fields=["student", "is_active"])]

    def __str__(self) -> str:
        return f"{self.student} — {self.school_class}"


class GuardianshipQuerySet(VisibleQuerySet):
    policy_object = "guardianship"


class Guardianship(models.Model):
    """A parent or legal representative of a child."""

    class Kind(models.TextChoices):
        MOTHER = "mother", _("мать")
        FATHER = "father", _("отец")
        REPRESENTATIVE = "representative", _("законный представитель")

    guardian = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="wards",
        verbose_name=_("родитель / законный представитель"),
    )
    child = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="guardians",
        verbose_name=_("ребёнок"),
    )
    kind = models.CharField(
        _("кем приходится"), max_length=20, choices=Kind.choices, default=Kind.REPRESENTATIVE
    )

    objects = GuardianshipQuerySet.as_manager()

    class Meta:
        verbose_name = _("представительство")
        verbose_name_plural = _("родители и законные представители")
        constraints = [
            models.UniqueConstraint(fields=["guardian", "child"], name="guardianship_unique"),
            models.CheckConstraint(
                condition=~Q(guardian=models.F("child")), name="guardianship_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.guardian} → {self.child}"


class OfficialQuerySet(VisibleQuerySet):
    policy_object = "official"


class Official(models.Model):
    """An official of a municipal education authority or of the regional operator."""

    class Kind(models.TextChoices):
        MUNICIPAL = "municipal", _("муниципальный орган управления образованием")
        OPERATOR = "operator", _("региональный оператор")

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="official_posts",
        verbose_name=_("сотрудник"),
    )
    kind = models.CharField(_("орган"), max_length=20, choices=Kind.choices)
    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, related_name="officials", verbose_name=_("регион")
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="officials",
        verbose_name=_("муниципалитет"),
    )
    is_active = models.BooleanField(_("действует"), default=True)

    objects = OfficialQuerySet.as_manager()

    class Meta:
        verbose_name = _("сотрудник органа управления")
        verbose_name_plural = _("сотрудники органов управления")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="operator", municipality__isnull=True)
                | Q(kind="municipal", municipality__isnull=False),
                name="official_municipality_matches_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.get_kind_display()}"
