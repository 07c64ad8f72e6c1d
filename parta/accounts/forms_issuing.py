"""Forms of the issued-accounts pages (ACC-2): a student with parents, a roster upload."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from parta.accounts.issuing import PersonEntry, person_entry_clean
from parta.directory.models import Guardianship

_DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]


class PersonForm(forms.Form):
    """One person as the school types them. The rules are ``issuing.person_entry_clean``'s."""

    last_name = forms.CharField(label=_("Фамилия"), max_length=150, required=False)
    first_name = forms.CharField(label=_("Имя"), max_length=150, required=False)
    middle_name = forms.CharField(
        label=_("Отчество"), max_length=150, required=False, help_text=_("Если есть.")
    )
    birth_date = forms.DateField(
        label=_("Дата рождения"),
        required=False,
        input_formats=_DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Введите дату, например 01.09.2015.")},
    )
    snils = forms.CharField(
        label=_("СНИЛС"),
        max_length=20,
        required=False,
        help_text=_("Необязательно. 11 цифр, например 112-233-445 95."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Телефон"),
        max_length=20,
        required=False,
        help_text=_("Необязательно. Например +7 912 345-67-89."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    email = forms.CharField(
        label=_("Электронная почта"),
        max_length=254,
        required=False,
        help_text=_("Необязательно. На неё придёт ссылка, если пароль забудется."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )

    required_fields: tuple[str, ...] = ()
    birth_date_required = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.required_fields:
            self.fields[name].required = True
            self.fields[name].error_messages["required"] = _("Заполните это поле.")

    def is_blank(self) -> bool:
        return not any(
            str(v).strip() for k, v in self.cleaned_data.items() if k != "kind" and v is not None
        )

    def entry(self) -> PersonEntry:
        data = self.cleaned_data
        return PersonEntry(
            last_name=data.get("last_name") or "",
            first_name=data.get("first_name") or "",
            middle_name=data.get("middle_name") or "",
            birth_date=data.get("birth_date"),
            snils=data.get("snils") or "",
            phone=data.get("phone") or "",
            email=data.get("email") or "",
            kind=data.get("kind") or Guardianship.Kind.REPRESENTATIVE,
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.is_blank() and not self.required_fields:
            return cleaned
        _entry, problems = person_entry_clean(
            self.entry(), prefix=self.prefix or "", birth_date_required=self.birth_date_required
        )
        for key, message in problems:
            name = key.rpartition("-")[2]
            if name in self.fields and name not in self.errors:
                self.add_error(name, str(message))
        return cleaned


class StudentForm(PersonForm):
    required_fields = ("last_name", "first_name", "birth_date")
    birth_date_required = True


class ParentForm(PersonForm):
    field_order = ["last_name", "first_name", "middle_name", "kind"]
    kind = forms.ChoiceField(
        label=_("Кем приходится ученику"),
        choices=Guardianship.Kind.choices,
        initial=Guardianship.Kind.MOTHER,
    )


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Таблица с учениками и родителями"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,.csv,application/vnd.openxmlformats-officedocument."
                "spreadsheetml.sheet,text/csv"
            }
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = gettext(
            "Файл .xlsx или .csv (UTF-8), не больше %(mb)s МБ."
        ) % {"mb": settings.PARTA_MAX_SPREADSHEET_BYTES // (1024 * 1024)}
