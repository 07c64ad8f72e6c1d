"""Roster spreadsheets (ACC-2): reading an uploaded class roster and writing its template.

One row per student with up to two parents. Columns are recognised by their headers in any of
Parta's languages, so a sheet downloaded in Kazakh can be uploaded with the Russian interface.
The file is checked by its content, not its name: an .xlsx must really be an Excel workbook
and a .csv must be UTF-8 text. Business rules (who is who, what is valid) live in
``parta.accounts.issuing``; this module only turns a file into rows of cell values.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from parta.core.errors import DomainError
from parta.directory.models import Guardianship

WHO = {
    "student": _("Ученик"),
    "parent1": _("Родитель 1"),
    "parent2": _("Родитель 2"),
}
WHAT = {
    "last_name": _("фамилия"),
    "first_name": _("имя"),
    "middle_name": _("отчество"),
    "birth_date": _("дата рождения"),
    "snils": _("СНИЛС"),
    "phone": _("телефон"),
    "email": _("электронная почта"),
    "kind": _("кем приходится"),
}
_STUDENT_ATTRS = ("last_name", "first_name", "middle_name", "birth_date", "snils", "phone", "email")
_PARENT_ATTRS = ("last_name", "first_name", "middle_name", "kind", *_STUDENT_ATTRS[3:])
COLUMNS: tuple[str, ...] = (
    *(f"student-{a}" for a in _STUDENT_ATTRS),
    *(f"parent1-{a}" for a in _PARENT_ATTRS),
    *(f"parent2-{a}" for a in _PARENT_ATTRS),
)
REQUIRED = ("student-last_name", "student-first_name", "student-birth_date")
MAX_ROWS = 1500
# An .xlsx is a zip; refuse one that would unpack into far more than any class roster.
_MAX_UNPACKED_BYTES = 50 * 1024 * 1024

# The template's example row; a sheet uploaded with it left unchanged skips it.
EXAMPLE: dict[str, Any] = {
    "student-last_name": "Образцов",
    "student-first_name": "Иван",
    "student-middle_name": "Петрович",
    "student-birth_date": datetime.date(2018, 9, 1),
    "parent1-last_name": "Образцова",
    "parent1-first_name": "Мария",
    "parent1-middle_name": "Ивановна",
    "parent1-kind": Guardianship.Kind.MOTHER,
    "parent1-phone": "+7 900 000-00-00",
    "parent1-email": "obraztsova@example.ru",
}


def column_label(key: str) -> str:
    """A column's header in the current language: ``Ученик: фамилия``."""
    who, _sep, what = key.partition("-")
    if who not in WHO or what not in WHAT:
        return gettext("Вся строка")
    return gettext("%(who)s: %(what)s") % {"who": WHO[who], "what": WHAT[what]}


_SPACES = re.compile(r"\s+")


def fold(value: Any) -> str:
    return (
        _SPACES.sub(" ", str(value or "")).strip().strip("*").strip().casefold().replace("ё", "е")
    )


def labels_in_every_language(label: str | Promise) -> set[str]:
    """The folded text of a translatable label in each of Parta's languages."""
    found = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            found.add(fold(str(label)))
    return found


def _header_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for key in COLUMNS:
                index.setdefault(fold(column_label(key)), key)
    for key in COLUMNS:
        index[key] = key
    return index


def parse_date(value: Any) -> datetime.date | None:
    """A date from a spreadsheet cell: a real date, or text like 01.09.2015 or 2015-09-01."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip()
    for fmt in ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


# --- Reading --------------------------------------------------------------------------------
@dataclass(frozen=True)
class RawRow:
    number: int  # the row number the person sees in their spreadsheet program
    values: dict[str, Any]


@dataclass(frozen=True)
class RawSheet:
    rows: list[RawRow]


def _refuse(message: str | Promise, code: str) -> DomainError:
    return DomainError(message, field="file", code=code)


def _kind(data: bytes, filename: str) -> str:
    """``xlsx`` or ``csv``, decided by the content; the name must agree with it."""
    name = filename.lower()
    if name.endswith(".xls") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise _refuse(
            _(
                "Это таблица старого формата Excel 97–2003 (.xls). Сохраните её как «Книга "
                "Excel (.xlsx)» или «CSV UTF-8» и загрузите снова."
            ),
            "xls",
        )
    if name.endswith(".xlsx"):
        if not data.startswith(b"PK\x03\x04") or not _is_workbook(data):
            raise _refuse(
                _(
                    "Файл называется .xlsx, но внутри не таблица Excel. Откройте таблицу в "
                    "Excel или LibreOffice и сохраните её как .xlsx."
                ),
                "not_xlsx",
            )
        return "xlsx"
    if name.endswith(".csv"):
        if b"\x00" in data or data.startswith(b"PK\x03\x04"):
            raise _refuse(
                _("Файл называется .csv, но внутри не текст. Сохраните таблицу как «CSV UTF-8»."),
                "not_csv",
            )
        return "csv"
    raise _refuse(_("Загрузите таблицу в формате .xlsx или .csv (UTF-8)."), "extension")


def _is_workbook(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
            unpacked = sum(info.file_size for info in infos)
    except zipfile.BadZipFile:
        return False
    return "xl/workbook.xml" in names and unpacked <= _MAX_UNPACKED_BYTES


def _cell(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, datetime.date):
        return value
    return "" if value is None else str(value).strip()


def _xlsx_rows(data: bytes) -> Iterator[tuple[Any, ...]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise _refuse(
            _("Таблицу не удалось открыть: файл повреждён. Сохраните её заново как .xlsx."),
            "damaged",
        ) from exc
    try:
        yield from workbook.worksheets[0].iter_rows(values_only=True)
    finally:
        workbook.close()


def _csv_rows(data: bytes) -> Iterator[tuple[Any, ...]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _refuse(
            _(
                "Файл CSV не в кодировке UTF-8. В Excel выберите «Сохранить как» → «CSV UTF-8 "
                "(разделитель — запятая)»."
            ),
            "encoding",
        ) from exc
    first_line = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first_line.count)
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        yield tuple(row)


def _columns_of(header: Iterable[Any]) -> dict[int, str]:
    index = _header_index()
    columns: dict[int, str] = {}
    for position, title in enumerate(header):
        folded = fold(title)
        if not folded:
            continue
        key = index.get(folded)
        if key is None:
            raise _refuse(
                _(
                    "Столбец «%(title)s» не распознан. Оставьте названия столбцов как в "
                    "образце таблицы."
                )
                % {"title": str(title).strip()},
                "unknown_column",
            )
        if key in columns.values():
            raise _refuse(
                _("Столбец «%(title)s» встречается дважды.") % {"title": column_label(key)},
                "duplicate_column",
            )
        columns[position] = key
    missing = [column_label(k) for k in REQUIRED if k not in columns.values()]
    if missing:
        raise _refuse(
            _("В таблице нет столбцов: %(columns)s. Возьмите за основу образец таблицы.")
            % {"columns": ", ".join(f"«{m}»" for m in missing)},
            "missing_columns",
        )
    return columns


def _is_example(values: dict[str, Any]) -> bool:
    for key in ("student-last_name", "student-first_name", "student-middle_name"):
        if fold(values.get(key)) != fold(EXAMPLE[key]):
            return False
    try:
        return parse_date(values.get("student-birth_date")) == EXAMPLE["student-birth_date"]
    except ValueError:
        return False


def read_roster(upload: IO[bytes], *, filename: str) -> RawSheet:
    """ACC-2: the rows of an uploaded roster, or ``DomainError`` (field ``file``) if unusable."""
    limit = settings.PARTA_MAX_SPREADSHEET_BYTES
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise _refuse(
            _("Файл больше %(mb)s МБ. Разделите таблицу на несколько по классам.")
            % {"mb": limit // (1024 * 1024)},
            "too_big",
        )
    if not data:
        raise _refuse(_("Файл пустой."), "empty")
    kind = _kind(data, filename)
    rows = _xlsx_rows(data) if kind == "xlsx" else _csv_rows(data)
    columns: dict[int, str] | None = None
    found: list[RawRow] = []
    for number, cells in enumerate(rows, start=1):
        if not any(_cell(c) for c in cells):
            continue
        if columns is None:
            columns = _columns_of(cells)
            continue
        values = {
            key: _cell(cells[position]) if position < len(cells) else ""
            for position, key in columns.items()
        }
        if key_snils := [k for k in values if k.endswith("-snils") and values[k].isdigit()]:
            # A SNILS typed into a number cell loses its leading zeros.
            for key in key_snils:
                values[key] = values[key].zfill(11)
        if _is_example(values):
            continue
        found.append(RawRow(number, values))
        if len(found) > MAX_ROWS:
            raise _refuse(
                _("В таблице больше %(n)s учеников. Загрузите классы по отдельности.")
                % {"n": MAX_ROWS},
                "too_many_rows",
            )
    if columns is None:
        raise _refuse(_("В таблице нет ни одной строки."), "empty")
    if not found:
        raise _refuse(
            _("В таблице нет ни одного ученика: заполните строки под заголовком."), "no_rows"
        )
    return RawSheet(found)


# --- The template ---------------------------------------------------------------------------
def template_workbook() -> bytes:
    """ACC-2: an .xlsx roster template in the current language: headers and an example row."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = gettext("Ученики")
    sheet.append([column_label(key) for key in COLUMNS])
    kind_labels = [str(kind.label) for kind in Guardianship.Kind]
    example = [
        str(Guardianship.Kind(EXAMPLE[key]).label)
        if key.endswith("-kind") and key in EXAMPLE
        else EXAMPLE.get(key, "")
        for key in COLUMNS
    ]
    sheet.append(example)
    sheet.freeze_panes = "A2"
    kinds = DataValidation(
        type="list", formula1='"{}"'.format(",".join(kind_labels)), allow_blank=True
    )
    sheet.add_data_validation(kinds)
    for position, key in enumerate(COLUMNS, start=1):
        letter = get_column_letter(position)
        header = sheet.cell(row=1, column=position)
        header.font = Font(bold=True)
        header.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[letter].width = 22 if key.endswith("email") else 18
        sample = sheet.cell(row=2, column=position)
        sample.font = Font(italic=True, color="595959")
        attr = key.partition("-")[2]
        if attr == "birth_date":
            sample.number_format = "DD.MM.YYYY"
        for row in range(2, 202):
            cell = sheet.cell(row=row, column=position)
            if attr in ("snils", "phone"):
                cell.number_format = "@"  # text: keep leading zeros and the plus sign
            elif attr == "birth_date":
                cell.number_format = "DD.MM.YYYY"
        if attr == "kind":
            kinds.add(f"{letter}2:{letter}201")
    sheet.row_dimensions[1].height = 32

    notes = workbook.create_sheet(gettext("Как заполнять"))
    for line in (
        gettext("Одна строка — один ученик и до двух его родителей."),
        gettext("Обязательны фамилия, имя и дата рождения ученика; у родителя — фамилия и имя."),
        gettext("Дата рождения — в виде 01.09.2015."),
        gettext("СНИЛС — 11 цифр, например 112-233-445 95; телефон — например +7 912 345-67-89."),
        gettext("Кем приходится: %(kinds)s.") % {"kinds": ", ".join(kind_labels)},
        gettext(
            "Чтобы у братьев и сестёр был один родитель, укажите у него одинаковые телефон, "
            "почту, СНИЛС или дату рождения."
        ),
        gettext("Строку-образец можно не удалять: Парта её пропустит."),
        gettext(
            "Если в таблице есть ошибки, Парта не внесёт ни одной строки и покажет, что "
            "исправить. Повторная загрузка той же таблицы не создаёт двойников."
        ),
        gettext("Названия столбцов на первом листе не меняйте."),
    ):
        notes.append([line])
    notes.column_dimensions["A"].width = 110
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
