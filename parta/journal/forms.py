"""Forms of the year structure, the timetable and the lesson page (JRN-1..3).

The forms check shape (a date is a date, a row is complete); the rules (no overlaps, a free
teacher, a closed term) live in the services and come back as ``DomainError``, which the
views put on the form so that what was typed stays.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from parta.journal import richtext
from parta.journal.models import GradeType, JournalSettings, TermSystem
from parta.journal.selectors.timetable import WEEKDAYS
from parta.journal.services import homework as homework_service

DATE = {"type": "date"}


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs=DATE, format="%Y-%m-%d")


def time_input() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.full_name or obj.username


class SubjectChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.name


NUMBERS = [(n, str(n)) for n in range(0, 13)]


# --- the year's structure -----------------------------------------------------------------------
class TermSystemForm(forms.Form):
    system = forms.ChoiceField(label=_("Как делится учебный год"), choices=TermSystem.choices)


class TermRowForm(forms.Form):
    name = forms.CharField(label=_("Название"), max_length=40)
    starts_on = forms.DateField(label=_("Начало"), widget=date_input())
    ends_on = forms.DateField(label=_("Окончание"), widget=date_input())


TermRowFormSet = forms.formset_factory(TermRowForm, extra=0, min_num=1, max_num=6)


class BellRowForm(forms.Form):
    number = forms.TypedChoiceField(
        label=_("Урок"), choices=[("", "—"), *NUMBERS], coerce=int, required=False
    )
    starts_at = forms.TimeField(label=_("Начало"), widget=time_input(), required=False)
    ends_at = forms.TimeField(label=_("Конец"), widget=time_input(), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        filled = [
            data.get("number") not in (None, ""),
            data.get("starts_at") is not None,
            data.get("ends_at") is not None,
        ]
        if any(filled) and not all(filled):
            raise forms.ValidationError(
                _("Заполните в строке номер урока, начало и конец — или очистите её целиком.")
            )
        data["empty"] = not any(filled)
        return data


BellRowFormSet = forms.formset_factory(BellRowForm, extra=0, max_num=13)


class JournalSettingsForm(forms.ModelForm):
    class Meta:
        model = JournalSettings
        fields = [
            "scale",
            "weighted",
            "threshold_5",
            "threshold_4",
            "threshold_3",
            "edit_window_days",
        ]
        widgets = {
            "threshold_5": forms.NumberInput(attrs={"step": "0.01", "min": "1", "max": "5"}),
            "threshold_4": forms.NumberInput(attrs={"step": "0.01", "min": "1", "max": "5"}),
            "threshold_3": forms.NumberInput(attrs={"step": "0.01", "min": "1", "max": "5"}),
        }


class GradeTypeForm(forms.Form):
    name = forms.CharField(label=_("Название"), max_length=80)
    short_name = forms.CharField(
        label=_("Кратко (в заголовке столбца)"),
        max_length=12,
        required=False,
        help_text=_("Например, «Пр. р.». Если пусто — начало названия."),
    )
    weight = forms.DecimalField(
        label=_("Вес"),
        min_value=0.1,
        max_value=10,
        decimal_places=2,
        initial=1,
        widget=forms.NumberInput(attrs={"step": "0.1"}),
        help_text=_("Во сколько раз оценка за эту работу весомее обычной (от 0,1 до 10)."),
    )


# --- the weekly template --------------------------------------------------------------------------
class _SlotFields(forms.Form):
    subject = SubjectChoiceField(label=_("Предмет"), queryset=None)
    teacher = PersonChoiceField(label=_("Учитель"), queryset=None)
    room = forms.CharField(label=_("Кабинет"), max_length=20, required=False)

    def __init__(
        self, *args: Any, subjects: QuerySet[Any], teachers: QuerySet[Any], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["subject"]).queryset = subjects
        cast(forms.ModelChoiceField, self.fields["teacher"]).queryset = teachers


class SlotAddForm(_SlotFields):
    weekday = forms.TypedChoiceField(
        label=_("День недели"), choices=list(WEEKDAYS.items()), coerce=int
    )
    number = forms.TypedChoiceField(label=_("Номер урока"), choices=NUMBERS, coerce=int)
    valid_from = forms.DateField(label=_("Действует с"), widget=date_input())
    valid_to = forms.DateField(
        label=_("Действует по"),
        widget=date_input(),
        required=False,
        help_text=_("Пусто — до конца учебного года."),
    )
    field_order = ["weekday", "number", "subject", "teacher", "room", "valid_from", "valid_to"]


class SlotChangeForm(_SlotFields):
    from_date = forms.DateField(
        label=_("Изменение действует с"),
        widget=date_input(),
        help_text=_("Сегодня или позже: прошедшие уроки остаются как были."),
    )
    field_order = ["from_date", "subject", "teacher", "room"]


class SlotRemoveForm(forms.Form):
    from_date = forms.DateField(
        label=_("Не проводится с"),
        widget=date_input(),
        help_text=_("Сегодня или позже: прошедшие уроки остаются как были."),
    )


# --- one-off changes --------------------------------------------------------------------------------
def reason_field() -> forms.CharField:
    return forms.CharField(
        label=_("Причина (увидят ученики и родители)"), max_length=300, required=False
    )


class CancelForm(forms.Form):
    reason = reason_field()


class SubstituteForm(forms.Form):
    substitute = PersonChoiceField(
        label=_("Заменяющий учитель"),
        queryset=None,
        required=False,
        empty_label=_("— без замены —"),
    )
    reason = reason_field()

    def __init__(self, *args: Any, teachers: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["substitute"]).queryset = teachers


class MoveForm(forms.Form):
    date = forms.DateField(label=_("Новая дата"), widget=date_input())
    number = forms.TypedChoiceField(label=_("Номер урока"), choices=NUMBERS, coerce=int)
    reason = reason_field()


class RoomForm(forms.Form):
    room = forms.CharField(label=_("Кабинет"), max_length=20, required=False)
    reason = reason_field()


class ExtraLessonForm(_SlotFields):
    date = forms.DateField(label=_("Дата"), widget=date_input())
    number = forms.TypedChoiceField(label=_("Номер урока"), choices=NUMBERS, coerce=int)
    reason = reason_field()
    field_order = ["date", "number", "subject", "teacher", "room", "reason"]


# --- the lesson page ----------------------------------------------------------------------------
class LessonFileField(forms.FileField):
    """A lesson file: PDF, a picture or an office document (by content), up to ``limit``
    bytes (default: the lesson file limit). Message attachments use it too (MSG-1)."""

    def __init__(self, *args: Any, limit: Callable[[], int] | None = None, **kwargs: Any) -> None:
        self.limit = limit or homework_service.lesson_file_limit
        kinds = homework_service.LESSON_FILE_KINDS
        kwargs.setdefault(
            "help_text",
            _("%(kinds)s, не больше %(size)s.")
            % {
                "kinds": ", ".join(k.label for k in kinds),
                "size": filesizeformat(self.limit()),
            },
        )
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("accept", ",".join(k.extension for k in kinds))

    def clean(self, data: Any, initial: Any = None) -> Any:
        upload = super().clean(data, initial)
        if not upload:
            return upload
        limit = self.limit()
        if upload.size > limit:
            raise forms.ValidationError(
                _("Файл «%(name)s» весит %(size)s, а можно не больше %(limit)s."),
                code="too_big",
                params={
                    "name": upload.name,
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(limit),
                },
            )
        kind = homework_service.sniff_lesson_file(upload)
        if kind is None:
            raise forms.ValidationError(
                _(
                    "Файл «%(name)s» не похож ни на один из разрешённых видов (проверено по "
                    "содержимому, а не по названию): %(kinds)s."
                ),
                code="wrong_kind",
                params={
                    "name": upload.name,
                    "kinds": ", ".join(k.label for k in homework_service.LESSON_FILE_KINDS),
                },
            )
        upload.parta_kind = kind
        upload.parta_original_name = os.path.basename(upload.name)[:200]
        return upload


class RichTextarea(forms.Textarea):
    """A textarea the lesson page's script turns into a small editor with a toolbar."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"rows": 6, "data-richtext": "1", **(attrs or {})})


class LessonForm(forms.Form):
    topic = forms.CharField(label=_("Тема урока"), max_length=300, required=False)
    homework = forms.CharField(label=_("Текст задания"), required=False, widget=RichTextarea())
    homework_due = forms.DateField(
        label=_("Сдать к"),
        widget=date_input(),
        required=False,
        help_text=_("Если пусто — к следующему уроку по предмету."),
    )
    homework_file = LessonFileField(label=_("Приложить файл к заданию"), required=False)
    materials = forms.CharField(label=_("Текст материалов"), required=False, widget=RichTextarea())
    material_file = LessonFileField(label=_("Приложить файл к материалам"), required=False)
    grade_type = forms.ModelChoiceField(
        label=_("Вид работы на уроке"),
        queryset=GradeType.objects.none(),
        required=False,
        empty_label=_("— не выбран —"),
        help_text=_("С этим видом работы и его весом ставятся новые оценки урока."),
    )

    def __init__(
        self,
        *args: Any,
        grade_types: QuerySet[Any],
        due_default: Any = None,
        **kwargs: Any,
    ) -> None:
        data = kwargs.get("data", args[0] if args else None)
        if data is not None:
            # A refused form shows the text again: only ever its sanitized form.
            data = data.copy()
            for name in ("homework", "materials"):
                if name in data:
                    data[name] = richtext.sanitize(data[name])
            if "data" in kwargs:
                kwargs["data"] = data
            else:
                args = (data, *args[1:])
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["grade_type"]).queryset = grade_types
        if due_default is not None:
            self.fields["homework_due"].help_text = _(
                "Если пусто — к следующему уроку по предмету (%(date)s)."
            ) % {"date": due_default.strftime("%d.%m.%Y")}


class LinkForm(forms.Form):
    title = forms.CharField(label=_("Название ссылки"), max_length=200, required=False)
    url = forms.CharField(
        label=_("Адрес"),
        max_length=500,
        required=False,
        widget=forms.URLInput(attrs={"placeholder": "https://", "inputmode": "url"}),
    )


LinkFormSet = forms.formset_factory(LinkForm, extra=0, max_num=homework_service.MAX_LINKS)


class DayForm(forms.Form):
    date = forms.DateField(label=_("Дата"), widget=date_input(), required=False)
