"""Forms of onboarding: what organizations, directors and the operator type (VER-1..3).

Field formats are checked here (INN/BIN and SNILS checksums, phone, email); business rules
(duplicates, INN of the right organization) in ``services``.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parta.accounts.robot import RobotCheckForm
from parta.core.uploads import DocumentField
from parta.core.validators import (
    bin_is_valid,
    inn_is_valid,
    normalize_inn,
    normalize_phone,
    normalize_snils,
)
from parta.directory.models import Municipality, Organization, Region

_SPACES = re.compile(r"\s+")


def _tidy(value: str) -> str:
    return _SPACES.sub(" ", (value or "").strip())


class _Tidy(forms.Form):
    """Collapses runs of spaces in every text field."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for key, value in list(cleaned.items()):
            if isinstance(value, str):
                cleaned[key] = _tidy(value)
        return cleaned


def _name_fields() -> dict[str, forms.Field]:
    return {
        "last_name": forms.CharField(label=_("Фамилия"), max_length=150),
        "first_name": forms.CharField(label=_("Имя"), max_length=150),
        "middle_name": forms.CharField(label=_("Отчество"), max_length=150, required=False),
    }


# The validators raise ValidationError, which a form shows under the field as it is.
def _clean_phone(value: str, required: bool = True) -> str:
    if not value and not required:
        return ""
    return normalize_phone(value)


def _clean_snils(value: str) -> str:
    if not value:
        return ""
    return normalize_snils(value)


def _clean_inn(value: str, country: str) -> str:
    return normalize_inn(value, country)


def _clean_inn_any_country(value: str) -> str:
    digits = re.sub(r"\D+", "", value or "")
    if inn_is_valid(digits) or bin_is_valid(digits):
        return digits
    return _clean_inn(value, Region.Country.RUSSIA)


class MunicipalityChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Municipality) -> str:
        return f"{obj.name} — {obj.region.name}"


_INN_HELP = _("10 цифр (ИНН организации в России) или 12 цифр (БИН в Казахстане).")
_PHONE_ATTRS = {"autocomplete": "tel", "inputmode": "tel"}


class AccessRequestForm(RobotCheckForm, _Tidy):
    """VER-1: the organization's data and its director's; a robot check, since the page is
    public and sends a letter to the address typed."""

    name = forms.CharField(label=_("Полное название организации"), max_length=300)
    short_name = forms.CharField(
        label=_("Краткое название"), max_length=120, help_text=_("Например, «Школа № 5».")
    )
    kind = forms.ChoiceField(label=_("Вид организации"), choices=Organization.Kind.choices)
    municipality = MunicipalityChoice(
        label=_("Муниципалитет"),
        queryset=Municipality.objects.select_related("region").order_by("region__name", "name"),
        empty_label=_("— выберите —"),
    )
    inn = forms.CharField(label=_("ИНН / БИН"), max_length=20, help_text=_INN_HELP)
    address = forms.CharField(label=_("Адрес организации"), max_length=400)
    official_email = forms.EmailField(
        label=_("Официальная электронная почта организации"),
        help_text=_(
            "Ссылка на заявку и логин с паролем придут только на этот адрес. Укажите почту, "
            "которая значится на официальном бланке организации."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    last_name = forms.CharField(label=_("Фамилия руководителя"), max_length=150)
    first_name = forms.CharField(label=_("Имя руководителя"), max_length=150)
    middle_name = forms.CharField(label=_("Отчество руководителя"), max_length=150, required=False)
    phone = forms.CharField(
        label=_("Телефон руководителя"),
        max_length=30,
        widget=forms.TextInput(attrs=_PHONE_ATTRS),
        help_text=_("Например, +7 912 345-67-89."),
    )

    def clean_phone(self) -> str:
        return _clean_phone(self.cleaned_data["phone"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        municipality = cleaned.get("municipality")
        if cleaned.get("inn") and municipality is not None:
            try:
                cleaned["inn"] = _clean_inn(cleaned["inn"], municipality.region.country)
            except forms.ValidationError as exc:
                self.add_error("inn", exc)
        return cleaned


class DocumentForm(forms.Form):
    """VER-1: the signed and stamped request form."""

    document = DocumentField(label=_("Скан подписанной формы с печатью"))


class DirectorForm(_Tidy):
    """VER-2: the identity data of the director, with the organization's INN."""

    last_name = _name_fields()["last_name"]
    first_name = _name_fields()["first_name"]
    middle_name = _name_fields()["middle_name"]
    position_title = forms.CharField(
        label=_("Должность"), max_length=200, help_text=_("Как в приказе о назначении.")
    )
    snils = forms.CharField(
        label=_("СНИЛС"),
        max_length=20,
        help_text=_("11 цифр, например 112-233-445 95."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    phone = forms.CharField(
        label=_("Телефон"), max_length=30, widget=forms.TextInput(attrs=_PHONE_ATTRS)
    )
    email = forms.EmailField(
        label=_("Личная электронная почта"),
        help_text=_("На неё придёт ответ регионального оператора."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    inn = forms.CharField(label=_("ИНН / БИН организации"), max_length=20, help_text=_INN_HELP)
    order_scan = DocumentField(label=_("Приказ о назначении (необязательно)"), required=False)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization

    def clean_snils(self) -> str:
        return _clean_snils(self.cleaned_data["snils"])

    def clean_phone(self) -> str:
        return _clean_phone(self.cleaned_data["phone"])

    def clean_inn(self) -> str:
        country = self.organization.municipality.region.country
        return _clean_inn(self.cleaned_data["inn"], country)


class ChangeStartForm(RobotCheckForm):
    """VER-3, public side: the INN of the organization whose director changed (robot-checked:
    it sends a letter)."""

    inn = forms.CharField(label=_("ИНН / БИН организации"), max_length=20, help_text=_INN_HELP)

    def clean_inn(self) -> str:
        return _clean_inn_any_country(self.cleaned_data["inn"])


class ChangeForm(_Tidy):
    """VER-3: the order and the new director's data."""

    inn = forms.CharField(label=_("ИНН / БИН организации"), max_length=20, help_text=_INN_HELP)
    order_number = forms.CharField(label=_("Номер приказа"), max_length=40)
    order_date = forms.DateField(
        label=_("Дата приказа"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    order_scan = DocumentField(label=_("Скан приказа о смене руководителя"))
    last_name = forms.CharField(label=_("Фамилия нового руководителя"), max_length=150)
    first_name = forms.CharField(label=_("Имя нового руководителя"), max_length=150)
    middle_name = forms.CharField(
        label=_("Отчество нового руководителя"), max_length=150, required=False
    )
    email = forms.EmailField(
        label=_("Электронная почта нового руководителя"),
        help_text=_("На неё придут данные для входа или уведомление."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Телефон"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs=_PHONE_ATTRS),
    )
    snils = forms.CharField(
        label=_("СНИЛС (необязательно)"),
        max_length=20,
        required=False,
        help_text=_("Поможет найти учётную запись, если человек уже есть в Парте."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization

    def clean_inn(self) -> str:
        return _clean_inn(self.cleaned_data["inn"], self.organization.municipality.region.country)

    def clean_order_date(self) -> Any:
        value = self.cleaned_data["order_date"]
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("Дата приказа не может быть в будущем."))
        return value

    def clean_phone(self) -> str:
        return _clean_phone(self.cleaned_data.get("phone", ""), required=False)

    def clean_snils(self) -> str:
        return _clean_snils(self.cleaned_data.get("snils", ""))


class DecisionForm(forms.Form):
    """The operator's decision; a refusal needs its reason."""

    decision = forms.ChoiceField(
        choices=(("approve", _("Принять")), ("reject", _("Отклонить"))), widget=forms.HiddenInput
    )
    reason = forms.CharField(
        label=_("Причина отказа"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Нужна только при отказе; её прочитает организация."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("decision") == "reject" and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Напишите причину отказа: её получит организация."))
        return cleaned


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Состояние"), required=False)
    municipality = MunicipalityChoice(
        label=_("Муниципалитет"),
        queryset=Municipality.objects.none(),
        required=False,
        empty_label=_("все"),
    )

    def __init__(
        self, *args: Any, statuses: list[tuple[str, Any]], municipalities: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        status_field = self.fields["status"]
        assert isinstance(status_field, forms.ChoiceField)
        status_field.choices = [("", _("все")), *statuses]
        municipality_field = self.fields["municipality"]
        assert isinstance(municipality_field, forms.ModelChoiceField)
        municipality_field.queryset = municipalities
