"""The school's journal: terms, bells, the timetable, lessons, marks and their history.

- ``JournalSettings`` — per school: how the year is divided (JRN-1), the grade scale and
  whether weights apply (JRN-4), the thresholds of a term grade (JRN-6), the editing window.
- ``Term`` — a quarter, trimester or half-year of an academic year; closing it freezes it.
- ``Bell`` — the bell schedule: lesson number → start and end time.
- ``TimetableEntry`` — the weekly template of a class (JRN-2), valid between two dates.
- ``Lesson`` — one lesson on one day, made from the template or added by hand; it carries the
  topic, homework and materials (JRN-3); ``ScheduleChange`` records each one-off change.
- ``GradeType`` — the kind of work a mark is for, with its weight (JRN-4).
- ``Mark`` — one cell of the journal: a student's mark and attendance on a lesson (JRN-4, 5).
- ``FinalGrade`` — a term or year grade (JRN-6).
- ``MarkChange`` — the append-only history of every change of a cell or final grade (JRN-7).
- ``Achievement`` — a student's diploma, project, olympiad (JRN-8).
- ``CalendarFeed`` — a person's secret iCalendar address (hash only).

Rows are fetched through ``visible_to`` / ``editable_by`` (the policy in ``journal/access.py``).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from parta.core.uploads import PrivatePath, private_storage
from parta.directory.models import (
    AcademicYear,
    Organization,
    SchoolClass,
    Subject,
    VisibleQuerySet,
)

User = settings.AUTH_USER_MODEL


class TermSystem(models.TextChoices):
    QUARTERS = "quarters", _("четверти")
    TRIMESTERS = "trimesters", _("триместры")
    HALVES = "halves", _("полугодия")


class JournalSettings(models.Model):
    """How a school keeps its journal; every field has the common default."""

    class Scale(models.IntegerChoices):
        FIVE = 5, _("пятибалльная")
        TEN = 10, _("десятибалльная")
        TWELVE = 12, _("двенадцатибалльная")
        HUNDRED = 100, _("стобалльная")

    organization = models.OneToOneField(
        Organization,
        on_delete=models.CASCADE,
        related_name="journal_settings",
        verbose_name=_("школа"),
    )
    term_system = models.CharField(
        _("деление года"), max_length=12, choices=TermSystem.choices, default=TermSystem.QUARTERS
    )
    scale = models.PositiveSmallIntegerField(
        _("шкала оценок"), choices=Scale.choices, default=Scale.FIVE
    )
    weighted = models.BooleanField(
        _("учитывать веса видов работ"),
        default=True,
        help_text=_("Средний балл и предложение итоговой оценки считаются с весами."),
    )
    # Term grade from the average (5-point scale), in the pupil's favour.
    threshold_5 = models.DecimalField(
        _("«5» от"), max_digits=4, decimal_places=2, default=Decimal("4.50")
    )
    threshold_4 = models.DecimalField(
        _("«4» от"), max_digits=4, decimal_places=2, default=Decimal("3.50")
    )
    threshold_3 = models.DecimalField(
        _("«3» от"), max_digits=4, decimal_places=2, default=Decimal("2.50")
    )
    edit_window_days = models.PositiveSmallIntegerField(
        _("сколько дней после урока учитель меняет оценки"),
        default=14,
        validators=[MaxValueValidator(366)],
        help_text=_("Позже исправить оценку может только администрация."),
    )

    class Meta:
        verbose_name = _("настройки журнала")
        verbose_name_plural = _("настройки журнала")

    def __str__(self) -> str:
        return str(self.organization)


class TermQuerySet(VisibleQuerySet):
    policy_object = "term"


class Term(models.Model):
    """JRN-1: a part of the academic year; marks of a closed term cannot change (JRN-6)."""

    academic_year = models.ForeignKey(
        AcademicYear, on_delete=models.CASCADE, related_name="terms", verbose_name=_("учебный год")
    )
    number = models.PositiveSmallIntegerField(_("номер"), validators=[MinValueValidator(1)])
    name = models.CharField(_("название"), max_length=40)
    starts_on = models.DateField(_("начало"))
    ends_on = models.DateField(_("окончание"))
    closed_at = models.DateTimeField(_("закрыта"), null=True, blank=True)
    closed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = TermQuerySet.as_manager()

    class Meta:
        verbose_name = _("учебный период")
        verbose_name_plural = _("учебные периоды")
        ordering = ["academic_year", "number"]
        constraints = [
            models.UniqueConstraint(fields=["academic_year", "number"], name="term_unique_number"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="term_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class BellQuerySet(VisibleQuerySet):
    policy_object = "bell"


class Bell(models.Model):
    """One line of the bell schedule: lesson ``number`` from ``starts_at`` to ``ends_at``."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="bells", verbose_name=_("школа")
    )
    number = models.PositiveSmallIntegerField(
        _("урок"), validators=[MinValueValidator(0), MaxValueValidator(12)]
    )
    starts_at = models.TimeField(_("начало"))
    ends_at = models.TimeField(_("конец"))

    objects = BellQuerySet.as_manager()

    class Meta:
        verbose_name = _("звонок")
        verbose_name_plural = _("расписание звонков")
        ordering = ["organization", "number"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="bell_unique_number"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="bell_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}: {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


class TimetableEntryQuerySet(VisibleQuerySet):
    policy_object = "timetable_entry"


class TimetableEntry(models.Model):
    """JRN-2: a weekly slot of a class — weekday, lesson number, subject, teacher, room."""

    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, related_name="timetable", verbose_name=_("класс")
    )
    weekday = models.PositiveSmallIntegerField(
        _("день недели"), validators=[MinValueValidator(1), MaxValueValidator(7)]
    )  # ISO: 1 Monday … 7 Sunday
    number = models.PositiveSmallIntegerField(_("урок"), validators=[MaxValueValidator(12)])
    subject = models.ForeignKey(
        Subject, on_delete=models.PROTECT, related_name="+", verbose_name=_("предмет")
    )
    teacher = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="timetable_slots", verbose_name=_("учитель")
    )
    room = models.CharField(_("кабинет"), max_length=20, blank=True)
    valid_from = models.DateField(_("действует с"))
    valid_to = models.DateField(_("действует по"), null=True, blank=True)

    objects = TimetableEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("урок в расписании")
        verbose_name_plural = _("расписание")
        ordering = ["school_class", "weekday", "number"]
        indexes = [models.Index(fields=["teacher", "valid_from"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="timetable_valid_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.school_class}: {self.weekday}/{self.number} {self.subject}"


class LessonQuerySet(VisibleQuerySet):
    policy_object = "lesson"


class Lesson(models.Model):
    """JRN-2, JRN-3: one lesson of a class on a day, with its topic, homework and materials.

    A lesson is made from the timetable (``timetable_entry``) or added by hand. A substitute
    teaches it when ``substitute`` is set; a cancelled lesson stays in the journal, struck out.
    Homework is kept on the lesson itself (one lesson, one assignment) so that the diary of a
    week is read in one query; ``homework_links`` holds links and ``LessonFile`` the files.
    """

    class Status(models.TextChoices):
        PLANNED = "planned", _("по расписанию")
        CANCELLED = "cancelled", _("отменён")

    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, related_name="lessons", verbose_name=_("класс")
    )
    subject = models.ForeignKey(
        Subject, on_delete=models.PROTECT, related_name="+", verbose_name=_("предмет")
    )
    teacher = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="lessons", verbose_name=_("учитель")
    )
    substitute = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="substituted_lessons",
        verbose_name=_("заменяющий учитель"),
    )
    term = models.ForeignKey(
        Term, on_delete=models.PROTECT, related_name="lessons", verbose_name=_("период")
    )
    date = models.DateField(_("дата"))
    number = models.PositiveSmallIntegerField(_("урок"))
    starts_at = models.TimeField(_("начало"), null=True, blank=True)
    ends_at = models.TimeField(_("конец"), null=True, blank=True)
    room = models.CharField(_("кабинет"), max_length=20, blank=True)
    status = models.CharField(
        _("состояние"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    timetable_entry = models.ForeignKey(
        TimetableEntry, on_delete=models.SET_NULL, null=True, blank=True, related_name="lessons"
    )
    grade_type = models.ForeignKey(
        "GradeType",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("вид работы"),
    )
    topic = models.CharField(_("тема урока"), max_length=300, blank=True)
    homework = models.TextField(_("домашнее задание"), blank=True)  # sanitized HTML
    homework_due = models.DateField(_("сдать к"), null=True, blank=True)
    homework_links = models.JSONField(_("ссылки"), default=list, blank=True)
    materials = models.TextField(_("материалы урока"), blank=True)  # sanitized HTML
    files = models.JSONField(default=list, blank=True)  # [{id, name, size, purpose}]
    homework_set_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LessonQuerySet.as_manager()

    class Meta:
        verbose_name = _("урок")
        verbose_name_plural = _("уроки")
        ordering = ["date", "number"]
        indexes = [
            models.Index(fields=["school_class", "date"], name="lesson_class_date"),
            models.Index(fields=["school_class", "subject", "term"], name="lesson_journal"),
            models.Index(fields=["teacher", "date"], name="lesson_teacher_date"),
            models.Index(fields=["substitute", "date"], name="lesson_substitute_date"),
            models.Index(fields=["school_class", "homework_due"], name="lesson_class_due"),
        ]

    def __str__(self) -> str:
        return f"{self.school_class} {self.date} {self.number} {self.subject}"

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def taught_by_id(self) -> int:
        return self.substitute_id or self.teacher_id


class LessonFileQuerySet(VisibleQuerySet):
    policy_object = "lesson_file"


class LessonFile(models.Model):
    """A file attached to a lesson's homework or materials (JRN-3); private storage."""

    class Purpose(models.TextChoices):
        HOMEWORK = "homework", _("домашнее задание")
        MATERIAL = "material", _("материалы")

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="attachments")
    purpose = models.CharField(max_length=10, choices=Purpose.choices, default=Purpose.HOMEWORK)
    file = models.FileField(
        storage=private_storage, upload_to=PrivatePath("lessons"), max_length=300
    )
    name = models.CharField(_("имя файла"), max_length=200)
    size = models.PositiveIntegerField(default=0)
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = LessonFileQuerySet.as_manager()

    class Meta:
        verbose_name = _("файл урока")
        verbose_name_plural = _("файлы уроков")

    def __str__(self) -> str:
        return self.name


class ScheduleChange(models.Model):
    """JRN-2: a one-off change of the timetable — who changed what and when.

    It is the record people were told from: each change is announced to the class, its
    parents and the teachers concerned through ``parta.core.events``.
    """

    class Kind(models.TextChoices):
        CANCELLED = "cancelled", _("урок отменён")
        RESTORED = "restored", _("урок возвращён в расписание")
        SUBSTITUTION = "substitution", _("замена учителя")
        MOVED = "moved", _("урок перенесён")
        ROOM = "room", _("другой кабинет")
        ADDED = "added", _("дополнительный урок")

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(_("что изменилось"), max_length=14, choices=Kind.choices)
    details = models.JSONField(default=dict, blank=True)  # old/new values
    reason = models.CharField(_("причина"), max_length=300, blank=True)
    changed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("изменение расписания")
        verbose_name_plural = _("изменения расписания")
        ordering = ["-changed_at"]

    def __str__(self) -> str:
        return f"{self.lesson}: {self.get_kind_display()}"


class GradeTypeQuerySet(VisibleQuerySet):
    policy_object = "grade_type"


class GradeType(models.Model):
    """JRN-4: a kind of work with its weight; organization-less types are the catalogue."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="grade_types",
        verbose_name=_("школа"),
    )
    code = models.SlugField(_("код"), max_length=30)
    name = models.CharField(_("название"), max_length=80)
    short_name = models.CharField(_("кратко"), max_length=12)
    weight = models.DecimalField(
        _("вес"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0.10")), MaxValueValidator(Decimal("10"))],
    )
    position = models.PositiveSmallIntegerField(default=0)

    objects = GradeTypeQuerySet.as_manager()

    class Meta:
        verbose_name = _("вид работы")
        verbose_name_plural = _("виды работ")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="grade_type_code"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(organization__isnull=True), name="grade_type_catalogue"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Attendance(models.TextChoices):
    """JRN-5: attendance codes (Russian Н/О/П/Б; Kazakh Ж/К/Д/А are their labels in kk)."""

    ABSENT = "absent", _("Н — отсутствовал")
    LATE = "late", _("О — опоздал")
    EXCUSED = "excused", _("П — уважительная причина")
    SICK = "sick", _("Б — болел")


class MarkQuerySet(VisibleQuerySet):
    policy_object = "mark"


class Mark(models.Model):
    """One cell of the journal: ``student``'s mark and attendance on ``lesson`` (JRN-4, JRN-5).

    Both live in one row, as on the paper page: the grid of a class reads one table, and the
    history of a cell is one sequence. ``version`` grows with every change; a save that was
    made against an older version is kept too, and the teacher is told who changed it in
    between (JRN-7). ``weight`` is the weight of the grade type when the mark was set, so a
    later change of a type's weight does not rewrite old averages silently.
    """

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="marks")
    student = models.ForeignKey(User, on_delete=models.CASCADE, related_name="marks")
    value = models.PositiveSmallIntegerField(_("оценка"), null=True, blank=True)
    grade_type = models.ForeignKey(
        GradeType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    weight = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal("1.00"))
    comment = models.CharField(_("комментарий"), max_length=300, blank=True)
    attendance = models.CharField(
        _("посещаемость"), max_length=8, choices=Attendance.choices, blank=True
    )
    reason = models.CharField(_("причина отсутствия"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField()

    objects = MarkQuerySet.as_manager()

    class Meta:
        verbose_name = _("отметка")
        verbose_name_plural = _("отметки")
        constraints = [
            models.UniqueConstraint(fields=["lesson", "student"], name="mark_one_cell"),
        ]
        indexes = [models.Index(fields=["student", "lesson"], name="mark_student_lesson")]

    def __str__(self) -> str:
        return f"{self.student_id}@{self.lesson_id}: {self.value or ''}{self.attendance}"


class FinalGradeQuerySet(VisibleQuerySet):
    policy_object = "final_grade"


class FinalGrade(models.Model):
    """JRN-6: a student's term grade (``term`` set) or year grade (``term`` empty)."""

    student = models.ForeignKey(User, on_delete=models.CASCADE, related_name="final_grades")
    school_class = models.ForeignKey(SchoolClass, on_delete=models.CASCADE, related_name="+")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+")
    academic_year = models.ForeignKey(AcademicYear, on_delete=models.PROTECT, related_name="+")
    term = models.ForeignKey(Term, on_delete=models.PROTECT, null=True, blank=True)
    value = models.PositiveSmallIntegerField(_("оценка"), null=True, blank=True)
    passed = models.BooleanField(_("зачтено"), null=True, blank=True)
    comment = models.CharField(_("комментарий"), max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField()

    objects = FinalGradeQuerySet.as_manager()

    class Meta:
        verbose_name = _("итоговая оценка")
        verbose_name_plural = _("итоговые оценки")
        constraints = [
            models.UniqueConstraint(
                fields=["student", "subject", "term"],
                condition=Q(term__isnull=False),
                name="final_one_per_term",
            ),
            models.UniqueConstraint(
                fields=["student", "subject", "academic_year"],
                condition=Q(term__isnull=True),
                name="final_one_per_year",
            ),
        ]
        indexes = [models.Index(fields=["school_class", "subject"], name="final_class_subject")]

    def __str__(self) -> str:
        return f"{self.student_id} {self.subject_id}: {self.value}"


class MarkChangeQuerySet(VisibleQuerySet):
    policy_object = "mark_change"


class MarkChange(models.Model):
    """JRN-7: one change of a journal cell or of a final grade, never updated or deleted.

    ``old`` and ``new`` are the cell as it was and became (value, attendance, comment…);
    ``seen_version`` is the version the author's screen showed, so a save made over somebody
    else's change in between is visible as such. On PostgreSQL and SQLite a trigger refuses
    UPDATE and DELETE of rows of this table (migration 0002): the history is append-only.
    """

    class Kind(models.TextChoices):
        CELL = "cell", _("отметка на уроке")
        FINAL = "final", _("итоговая оценка")

    kind = models.CharField(max_length=6, choices=Kind.choices, default=Kind.CELL)
    mark = models.ForeignKey(
        Mark, on_delete=models.DO_NOTHING, null=True, blank=True, db_constraint=False
    )
    final_grade = models.ForeignKey(
        FinalGrade, on_delete=models.DO_NOTHING, null=True, blank=True, db_constraint=False
    )
    lesson = models.ForeignKey(
        Lesson, on_delete=models.DO_NOTHING, null=True, blank=True, db_constraint=False
    )
    student = models.ForeignKey(
        User, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    subject = models.ForeignKey(
        Subject, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    old = models.JSONField(default=dict)
    new = models.JSONField(default=dict)
    version = models.PositiveIntegerField()
    seen_version = models.PositiveIntegerField(null=True, blank=True)
    changed_by = models.ForeignKey(
        User, on_delete=models.DO_NOTHING, null=True, related_name="+", db_constraint=False
    )
    changed_at = models.DateTimeField()

    objects = MarkChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("изменение отметки")
        verbose_name_plural = _("история отметок")
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(fields=["mark", "changed_at"], name="change_mark"),
            models.Index(fields=["student", "changed_at"], name="change_student"),
            models.Index(fields=["school_class", "subject"], name="change_journal"),
        ]

    def __str__(self) -> str:
        return f"{self.changed_at:%d.%m.%Y %H:%M} {self.old} → {self.new}"


class AchievementQuerySet(VisibleQuerySet):
    policy_object = "achievement"


class Achievement(models.Model):
    """JRN-8: a student's diploma, project, olympiad or competition result."""

    class Kind(models.TextChoices):
        DIPLOMA = "diploma", _("грамота, диплом")
        OLYMPIAD = "olympiad", _("олимпиада")
        PROJECT = "project", _("проект")
        SPORT = "sport", _("соревнование")
        OTHER = "other", _("другое")

    student = models.ForeignKey(User, on_delete=models.CASCADE, related_name="achievements")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("вид"), max_length=10, choices=Kind.choices, default=Kind.DIPLOMA)
    title = models.CharField(_("название"), max_length=200)
    description = models.TextField(_("описание"), blank=True)
    date = models.DateField(_("дата"))
    added_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    objects = AchievementQuerySet.as_manager()

    class Meta:
        verbose_name = _("достижение")
        verbose_name_plural = _("достижения")
        ordering = ["-date"]
        indexes = [models.Index(fields=["student", "date"], name="achievement_student")]

    def __str__(self) -> str:
        return self.title


class CalendarFeed(models.Model):
    """A person's secret iCalendar address; only its hash is kept, a new one revokes the old."""

    person = models.OneToOneField(User, on_delete=models.CASCADE, related_name="calendar_feed")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("календарь iCalendar")
        verbose_name_plural = _("календари iCalendar")

    def __str__(self) -> str:
        return str(self.person_id)
