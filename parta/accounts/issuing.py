"""Issued accounts (ACC-2): entering students and parents, importing rosters, issuing passwords.

A school does not ask families to register: it enters a student and the student's parents,
Parta creates (or finds) their accounts, and the class teacher prints credential slips. Each
printed slip *issues* a fresh random password (docs/decisions/0005): the person must replace
it at first sign-in (``PasswordChangeRequiredMiddleware``), it expires after
``PARTA_INITIAL_PASSWORD_DAYS``, and printing again makes earlier slips worthless.

A person is never entered twice: before creating an account the services look for the same
person by SNILS, email or phone anywhere in Parta, then by full name and birth date among the
people of the same school, then (for a parent) by full name among the child's guardians.
"""

from __future__ import annotations

import datetime
import logging
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher, get_hasher, make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from parta.accounts import logins, roster_sheet
from parta.accounts.models import User
from parta.core.errors import DomainError
from parta.core.validators import normalize_phone, normalize_snils
from parta.directory.models import Enrollment, Guardianship, SchoolClass, StaffPosition

logger = logging.getLogger(__name__)

# --- Entries: what the school types about one person ---------------------------------------
STUDENT = "student"
PARENTS = ("parent1", "parent2")


@dataclass(frozen=True)
class PersonEntry:
    """One person as typed by the school. Field errors are reported as ``<prefix>-<name>``."""

    last_name: str
    first_name: str
    middle_name: str = ""
    birth_date: datetime.date | None = None
    snils: str = ""
    phone: str = ""
    email: str = ""
    kind: str = Guardianship.Kind.REPRESENTATIVE  # for a parent: who they are to the child

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)


@dataclass
class EntryResult:
    student: User
    parents: list[User]
    created: list[User] = field(default_factory=list)
    reused: list[User] = field(default_factory=list)


_SPACES = re.compile(r"\s+")
_OLDEST_BIRTH_DATE = datetime.date(1900, 1, 1)


def _name(value: str) -> str:
    return _SPACES.sub(" ", (value or "").strip())


def person_entry_clean(
    entry: PersonEntry, *, prefix: str, birth_date_required: bool
) -> tuple[PersonEntry, list[tuple[str, str | Promise]]]:
    """ACC-2: the entry with names tidied and SNILS/phone/email normalized, and its problems.

    Problems are ``(field, message)`` pairs, ``field`` being ``<prefix>-<attribute>``; all of
    them are returned, so a form or a spreadsheet can show every one at once.
    """
    problems: list[tuple[str, str | Promise]] = []
    cleaned: dict[str, Any] = {
        "last_name": _name(entry.last_name),
        "first_name": _name(entry.first_name),
        "middle_name": _name(entry.middle_name),
    }
    if not cleaned["last_name"]:
        problems.append((f"{prefix}-last_name", _("Укажите фамилию.")))
    if not cleaned["first_name"]:
        problems.append((f"{prefix}-first_name", _("Укажите имя.")))
    for attr in ("last_name", "first_name", "middle_name"):
        if len(cleaned[attr]) > 150:
            problems.append((f"{prefix}-{attr}", _("Не больше 150 символов.")))
    today = timezone.localdate()
    if entry.birth_date is None:
        if birth_date_required:
            problems.append((f"{prefix}-birth_date", _("Укажите дату рождения.")))
    elif not _OLDEST_BIRTH_DATE <= entry.birth_date <= today:
        problems.append(
            (
                f"{prefix}-birth_date",
                _("Дата рождения не может быть в будущем или раньше 1900 года."),
            )
        )
    for attr, normalize in (("snils", normalize_snils), ("phone", normalize_phone)):
        value = (getattr(entry, attr) or "").strip()
        if value:
            try:
                value = normalize(value)
            except ValidationError as exc:
                problems.append((f"{prefix}-{attr}", exc.messages[0]))
        cleaned[attr] = value
    email = (entry.email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(
                (
                    f"{prefix}-email",
                    _("Адрес почты набран с ошибкой. Пример правильного адреса: ivanova@mail.ru."),
                )
            )
    cleaned["email"] = email
    if entry.kind not in Guardianship.Kind.values:
        problems.append((f"{prefix}-kind", _("Выберите: мать, отец или законный представитель.")))
    return replace(entry, **cleaned), problems


# --- Finding the same person ---------------------------------------------------------------
def _fold(value: str) -> str:
    return _name(value).casefold().replace("ё", "е")


def _same_person_name(user: User, entry: PersonEntry) -> bool:
    return _fold(user.last_name) == _fold(entry.last_name) and _fold(user.first_name) == _fold(
        entry.first_name
    )


def _people_of_organization(organization_id: int) -> Q:
    """Students ever enrolled in the school, their guardians and the school's staff."""
    students = Enrollment.objects.filter(school_class__organization_id=organization_id)
    student_ids = students.values("student_id")
    guardians = Guardianship.objects.filter(child_id__in=student_ids).values("guardian_id")
    staff = StaffPosition.objects.filter(organization_id=organization_id).values("person_id")
    return Q(pk__in=student_ids) | Q(pk__in=guardians) | Q(pk__in=staff)


def _full_name_q(entry: PersonEntry) -> Q:
    return Q(
        last_name__iexact=entry.last_name,
        first_name__iexact=entry.first_name,
        middle_name__iexact=entry.middle_name,
    )


_TAKEN = {
    "snils": _(
        "Этот СНИЛС уже записан в Парте за человеком с другими фамилией или именем. "
        "Проверьте цифры; если фамилия сменилась, обратитесь к администратору школы."
    ),
    "email": _(
        "Эта почта уже записана в Парте за человеком с другими фамилией или именем. "
        "Проверьте адрес или оставьте поле пустым."
    ),
    "phone": _(
        "Этот телефон уже записан в Парте за человеком с другими фамилией или именем. "
        "Проверьте номер или оставьте поле пустым."
    ),
}


def find_person(
    entry: PersonEntry, *, prefix: str, organization_id: int, child: User | None
) -> User | None:
    """The existing account of the person ``entry`` describes, if Parta has one (ACC-2)."""
    by_identifier: dict[int, tuple[str, User]] = {}
    lookups = (
        ("snils", Q(snils=entry.snils) if entry.snils else None),
        ("email", Q(email__iexact=entry.email) if entry.email else None),
        ("phone", Q(phone=entry.phone) if entry.phone else None),
    )
    for attr, condition in lookups:
        if condition is None:
            continue
        for user in User.objects.filter(condition)[:2]:
            by_identifier.setdefault(user.pk, (attr, user))
    if len(by_identifier) > 1:
        raise DomainError(
            _(
                "СНИЛС, почта и телефон записаны в Парте за разными людьми. Проверьте их: "
                "у одного человека они должны быть свои."
            ),
            field=f"{prefix}-{sorted(a for a, _u in by_identifier.values())[-1]}",
            code="identifiers_conflict",
        )
    if by_identifier:
        attr, user = next(iter(by_identifier.values()))
        # A mistyped SNILS must not hand one family's child to another family.
        if not _same_person_name(user, entry) or (
            entry.birth_date and user.birth_date and entry.birth_date != user.birth_date
        ):
            raise DomainError(_TAKEN[attr], field=f"{prefix}-{attr}", code="identifier_taken")
        return user
    if entry.birth_date is not None:
        matches = list(
            User.objects.filter(_full_name_q(entry), birth_date=entry.birth_date)
            .filter(_people_of_organization(organization_id))
            .distinct()[:2]
        )
        if len(matches) > 1:
            raise DomainError(
                _(
                    "В школе уже два человека с такими ФИО и датой рождения. Укажите СНИЛС, "
                    "чтобы Парта поняла, о ком речь."
                ),
                field=f"{prefix}-snils",
                code="ambiguous_person",
            )
        if matches:
            user = matches[0]
            if entry.snils and user.snils and user.snils != entry.snils:
                raise DomainError(
                    _(
                        "В школе уже есть человек с такими ФИО и датой рождения, но с другим "
                        "СНИЛС. Проверьте цифры."
                    ),
                    field=f"{prefix}-snils",
                    code="snils_differs",
                )
            return user
    if child is not None:
        # A parent entered without identifiers is known by name among the child's guardians.
        return (
            User.objects.filter(
                _full_name_q(entry),
                pk__in=Guardianship.objects.filter(child_id=child.pk).values("guardian_id"),
            )
            .order_by("pk")
            .first()
        )
    return None


def _create_person(entry: PersonEntry) -> User:
    """A new account without a usable password: it signs in once a slip is printed."""
    base = logins.login_base(entry.last_name)
    for _attempt in range(5):
        user = User(
            username=logins.next_free_login(base),
            last_name=entry.last_name,
            first_name=entry.first_name,
            middle_name=entry.middle_name,
            birth_date=entry.birth_date,
            snils=entry.snils,
            phone=entry.phone,
            email=entry.email,
        )
        user.set_unusable_password()
        try:
            # A school entering people at the same moment may take the same login first.
            with transaction.atomic():
                user.save()
        except IntegrityError:
            if not User.objects.filter(username__iexact=user.username).exists():
                raise
            continue
        return user
    raise DomainError(_("Не удалось подобрать логин. Попробуйте ещё раз."), code="login_busy")


def _fill_blanks(user: User, entry: PersonEntry) -> None:
    """Complete an existing account with what the school knows and it does not."""
    changed = []
    for attr in ("middle_name", "birth_date", "snils", "phone", "email"):
        value = getattr(entry, attr)
        if value and not getattr(user, attr):
            setattr(user, attr, value)
            changed.append(attr)
    if changed:
        user.save(update_fields=changed)


def _find_or_create(
    entry: PersonEntry,
    *,
    prefix: str,
    organization_id: int,
    child: User | None,
    result: EntryResult,
) -> User:
    user = find_person(entry, prefix=prefix, organization_id=organization_id, child=child)
    if user is None:
        user = _create_person(entry)
        result.created.append(user)
    else:
        _fill_blanks(user, entry)
        result.reused.append(user)
    return user


def guardian_find_or_create(
    entry: PersonEntry, *, prefix: str, organization_id: int, child: User
) -> tuple[User, bool]:
    """The account of a parent a school links to ``child`` (ACC-9), and whether it is new.

    Found by the same rules as ``student_enter`` (SNILS, email, phone — refused when the name
    differs; full name and birth date in the school; the name among the child's guardians),
    else created without a usable password. An existing account is left as it is: what
    another person typed about it does not fill its blanks.
    """
    user = find_person(entry, prefix=prefix, organization_id=organization_id, child=child)
    if user is not None:
        return user, False
    return _create_person(entry), True


# --- Entering a student with parents ---------------------------------------------------------
@transaction.atomic
def student_enter(
    *,
    school_class: SchoolClass,
    student: PersonEntry,
    parents: Sequence[PersonEntry] = (),
    entered_by: User,
) -> EntryResult:
    """ACC-2: enter a student and up to two parents into a class, creating their accounts.

    A person Parta already knows (same SNILS, email or phone; or same full name and birth
    date in this school; or a parent of the same name already linked to this child) is
    reused, never duplicated; the enrolment and guardianships are created once. New accounts
    get a login from the transliterated surname and a number, and no usable password until a
    credential slip is printed (``credentials_issue``).
    """
    if len(parents) > 2:
        raise DomainError(_("У ученика можно указать не больше двух родителей."))
    student, problems = person_entry_clean(student, prefix=STUDENT, birth_date_required=True)
    cleaned_parents = []
    for prefix, typed in zip(PARENTS, parents, strict=False):
        cleaned, parent_problems = person_entry_clean(
            typed, prefix=prefix, birth_date_required=False
        )
        problems += parent_problems
        cleaned_parents.append((prefix, cleaned))
    if problems:
        field_name, message = problems[0]
        raise DomainError(message, field=field_name, code="invalid")

    school_class = SchoolClass.objects.select_related("academic_year").get(pk=school_class.pk)
    organization_id = school_class.organization_id
    result = EntryResult(student=User(), parents=[])
    person = _find_or_create(
        student, prefix=STUDENT, organization_id=organization_id, child=None, result=result
    )
    elsewhere = (
        Enrollment.objects.filter(
            student_id=person.pk,
            is_active=True,
            school_class__organization_id=organization_id,
            school_class__academic_year_id=school_class.academic_year_id,
        )
        .exclude(school_class_id=school_class.pk)
        .select_related("school_class")
        .first()
    )
    if elsewhere is not None:
        raise DomainError(
            _(
                "Этот ученик уже учится в классе %(class)s. Перевести его в другой класс "
                "может администрация школы."
            )
            % {"class": elsewhere.school_class},
            field=f"{STUDENT}-last_name",
            code="enrolled_elsewhere",
        )
    enrollment, created = Enrollment.objects.get_or_create(
        student=person,
        school_class=school_class,
        defaults={"since": timezone.localdate()},
    )
    if not created and not enrollment.is_active:
        enrollment.is_active = True
        enrollment.save(update_fields=["is_active"])
    result.student = person

    for prefix, parent_entry in cleaned_parents:
        parent = _find_or_create(
            parent_entry,
            prefix=prefix,
            organization_id=organization_id,
            child=person,
            result=result,
        )
        if parent.pk == person.pk:
            raise DomainError(
                _("Родитель совпал с самим учеником. Проверьте СНИЛС, почту и телефон."),
                field=f"{prefix}-last_name",
                code="parent_is_student",
            )
        if parent in result.parents:
            raise DomainError(
                _("Второй родитель совпал с первым. Оставьте его поля пустыми."),
                field=f"{prefix}-last_name",
                code="same_parent",
            )
        Guardianship.objects.get_or_create(
            guardian=parent, child=person, defaults={"kind": parent_entry.kind}
        )
        result.parents.append(parent)
    logger.info(
        "ACC-2: person %s entered student %s into class %s (%d new accounts)",
        entered_by.pk,
        person.pk,
        school_class.pk,
        len(result.created),
    )
    return result


# --- Roster spreadsheets ---------------------------------------------------------------------
@dataclass(frozen=True, order=True)
class RowError:
    """One problem of an uploaded roster: the sheet's row number, the column, the reason."""

    row: int
    column: str
    message: str


@dataclass
class ImportResult:
    errors: list[RowError] = field(default_factory=list)
    students: int = 0
    created: int = 0
    reused: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def _kind_of(value: str) -> str:
    """A guardian kind from its code or its label in any of Parta's languages."""
    wanted = _fold(value)
    if not wanted:
        return Guardianship.Kind.REPRESENTATIVE
    for kind in Guardianship.Kind:
        if wanted == kind.value or wanted in roster_sheet.labels_in_every_language(kind.label):
            return kind.value
    return value  # unknown: person_entry_clean reports it


def _entries_from_row(
    values: Mapping[str, Any],
) -> tuple[PersonEntry, list[PersonEntry], list[tuple[str, str | Promise]]]:
    problems: list[tuple[str, str | Promise]] = []

    def person(prefix: str) -> PersonEntry:
        def text(attr: str) -> str:
            return str(values.get(f"{prefix}-{attr}") or "").strip()

        try:
            birth_date = roster_sheet.parse_date(values.get(f"{prefix}-birth_date"))
        except ValueError:
            birth_date = None
            problems.append(
                (
                    f"{prefix}-birth_date",
                    _("Дату рождения не удалось прочитать: напишите её как 01.09.2015."),
                )
            )
        return PersonEntry(
            last_name=text("last_name"),
            first_name=text("first_name"),
            middle_name=text("middle_name"),
            birth_date=birth_date,
            snils=text("snils"),
            phone=text("phone"),
            email=text("email"),
            kind=_kind_of(text("kind")) if prefix != STUDENT else Guardianship.Kind.REPRESENTATIVE,
        )

    student = person(STUDENT)
    _student, student_problems = person_entry_clean(
        student, prefix=STUDENT, birth_date_required=True
    )
    problems += student_problems
    parents = []
    for prefix in PARENTS:
        if not any(str(v or "").strip() for k, v in values.items() if k.startswith(f"{prefix}-")):
            continue
        parent = person(prefix)
        _parent, parent_problems = person_entry_clean(
            parent, prefix=prefix, birth_date_required=False
        )
        problems += parent_problems
        parents.append(parent)
    # One problem per cell: an unreadable date is not also reported as a missing one.
    first_per_cell = dict(reversed(problems))
    return (
        student,
        parents,
        [(key, first_per_cell[key]) for key in dict.fromkeys(k for k, _m in problems)],
    )


@transaction.atomic
def roster_import(
    *, school_class: SchoolClass, upload: IO[bytes], filename: str, entered_by: User
) -> ImportResult:
    """ACC-2: enter a class roster from a spreadsheet (.xlsx or UTF-8 .csv), all or nothing.

    Every row is checked first; if any row has a problem nothing is imported and the result
    lists each problem by row number and column. Rows are matched to existing people by the
    same natural keys as ``student_enter``, so uploading the same sheet again adds nobody.
    Problems with the file itself (size, type, columns) raise ``DomainError``.
    """
    sheet = roster_sheet.read_roster(upload, filename=filename)
    errors: list[RowError] = []
    valid: list[tuple[int, PersonEntry, list[PersonEntry]]] = []
    for row in sheet.rows:
        student, parents, problems = _entries_from_row(row.values)
        errors += [
            RowError(row.number, roster_sheet.column_label(key), str(message))
            for key, message in problems
        ]
        if not problems:
            valid.append((row.number, student, parents))
    created: set[int] = set()
    touched: set[int] = set()
    for number, student, parents in valid:
        try:
            result = student_enter(
                school_class=school_class, student=student, parents=parents, entered_by=entered_by
            )
        except DomainError as exc:
            errors.append(
                RowError(number, roster_sheet.column_label(exc.field or ""), str(exc.message))
            )
            continue
        created |= {u.pk for u in result.created}
        touched |= {u.pk for u in (*result.created, *result.reused)}
    if errors:
        transaction.set_rollback(True)
        return ImportResult(errors=sorted(errors))
    return ImportResult(students=len(valid), created=len(created), reused=len(touched - created))


# --- Issuing passwords -----------------------------------------------------------------------
# No 0/O/o, 1/l/I: a password is copied by hand from paper. Lower case only, so no Shift on a
# phone. 32 symbols x 10 = 50 bits, for a password that works once and for a few days.
PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # noqa: S105 (an alphabet)
PASSWORD_LENGTH = 10
# An issued password is random (50 bits), so far fewer PBKDF2 rounds protect it as well as a
# million protect a chosen one; a class of 90 slips then prints in a second, not a minute.
# Django upgrades the hash to full strength when the password is checked.
_INITIAL_PASSWORD_ITERATIONS = 20_000


def initial_password_generate() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))


def _hash_initial_password(password: str) -> str:
    hasher = get_hasher()
    if isinstance(hasher, PBKDF2PasswordHasher):
        return hasher.encode(
            password, hasher.salt(), iterations=min(_INITIAL_PASSWORD_ITERATIONS, hasher.iterations)
        )
    return make_password(password)


def has_own_password(user: User) -> bool:
    """Whether the person has replaced their issued password with their own (ACC-2)."""
    return user.has_usable_password() and not user.must_change_password


def own_password_q() -> Q:
    """The SQL form of ``has_own_password``: unusable passwords begin with ``!``."""
    return Q(must_change_password=False) & ~Q(password__startswith="!")  # noqa: S106 (a hash prefix)


@transaction.atomic
def credentials_issue(
    *, people: Iterable[User], issued_by: User, reset_own_passwords: bool = False
) -> list[tuple[User, str]]:
    """ACC-2: give each person a fresh random initial password; return (person, password).

    Every earlier slip of these people stops working. People who already set their own
    password are left alone (and left out of the result) unless ``reset_own_passwords`` —
    the explicit "reset password" for someone who forgot theirs (``password_reset_issue``).
    The passwords exist only in the result: Parta stores their hashes.
    """
    order = [p.pk for p in people]
    now = timezone.now()
    issued: dict[int, tuple[User, str]] = {}
    for person in User.objects.select_for_update().filter(pk__in=order).order_by("pk"):
        if has_own_password(person) and not reset_own_passwords:
            continue
        password = initial_password_generate()
        person.password = _hash_initial_password(password)
        person.must_change_password = True
        person.initial_password_issued_at = now
        person.credentials_issued_at = now
        issued[person.pk] = (person, password)
    User.objects.bulk_update(
        [person for person, _password in issued.values()],
        ["password", "must_change_password", "initial_password_issued_at", "credentials_issued_at"],
    )
    logger.info("ACC-2: person %s issued initial passwords to %s", issued_by.pk, sorted(issued))
    return [issued[pk] for pk in dict.fromkeys(order) if pk in issued]


def password_reset_issue(*, person: User, issued_by: User) -> tuple[User, str]:
    """ACC-2: the explicit reset for a person who forgot their password: a new slip.

    Their own password stops working and they set a new one at the next sign-in.
    """
    issued = credentials_issue(people=[person], issued_by=issued_by, reset_own_passwords=True)
    if not issued:
        raise DomainError(_("Этого человека нет в Парте."), code="missing")
    return issued[0]


def initial_password_expires_at(issued_at: datetime.datetime) -> datetime.datetime:
    return issued_at + datetime.timedelta(days=settings.PARTA_INITIAL_PASSWORD_DAYS)


def initial_password_expired(user: User, *, now: datetime.datetime | None = None) -> bool:
    """ACC-2: an issued password older than ``PARTA_INITIAL_PASSWORD_DAYS`` no longer signs in."""
    if not user.must_change_password or user.initial_password_issued_at is None:
        return False
    return initial_password_expires_at(user.initial_password_issued_at) <= (now or timezone.now())
