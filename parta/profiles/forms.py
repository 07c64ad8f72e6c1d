"""The questionnaire form (ACC-7): the person's own fields and an optional document."""

from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parta.core.uploads import DocumentField
from parta.core.validators import format_snils, normalize_snils
from parta.profiles.models import QUESTIONNAIRE_FIELDS, NameChangeDocument, Questionnaire

VOCATIONAL_HELP = _(
    "Программы дополнительного профессионального образования — повышение квалификации и "
    "профессиональную переподготовку — могут осваивать только люди, у которых есть среднее "
    "профессиональное или высшее образование или которые его получают (часть 3 статьи 76 "
    "Федерального закона № 273-ФЗ «Об образовании в Российской Федерации»). Отметьте, если это "
    "про вас: без этой отметки на такие курсы не зачислят, а удостоверение или диплом о "
    "переподготовке не выдадут."
)


class ProfileForm(forms.ModelForm):
    """ACC-7: birth date and SNILS (kept on the person) and the questionnaire's own fields,
    with an optional name-change document uploaded in the same step."""

    birth_date = forms.DateField(
        label=_("Дата рождения"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Введите дату в виде ДД.ММ.ГГГГ, например 01.09.1985.")},
    )
    snils = forms.CharField(
        label=_("СНИЛС"),
        required=False,
        max_length=20,
        help_text=_("11 цифр, например 112-233-445 95. Проверяем контрольное число."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    document_kind = forms.ChoiceField(
        label=_("Вид документа"),
        required=False,
        choices=[("", _("— выберите —")), *NameChangeDocument.Kind.choices],
    )
    document = DocumentField(label=_("Файл документа"), required=False)

    class Meta:
        model = Questionnaire
        fields = QUESTIONNAIRE_FIELDS
        labels = {
            "gender": _("Пол"),
            "citizenship": _("Гражданство"),
            "position": _("Должность"),
            "delivery": _("Куда доставить документы об окончании обучения"),
            "delivery_organization": _("Название организации"),
            "delivery_address": _("Адрес доставки"),
            "has_vocational_education": _(
                "У меня есть высшее или среднее профессиональное образование"
            ),
        }
        help_texts = {
            "citizenship": _("Например: Российская Федерация, Республика Казахстан."),
            "position": _("Например: учитель математики, МБОУ «Школа № 1»."),
            "delivery_organization": _("Только если документы везти в организацию."),
            "delivery_address": _("Индекс, город, улица, дом, квартира или офис."),
            "has_vocational_education": VOCATIONAL_HELP,
        }
        widgets = {
            "gender": forms.RadioSelect(attrs={"class": "form-check-input"}),
            "delivery": forms.RadioSelect(attrs={"class": "form-check-input"}),
            "delivery_address": forms.Textarea(attrs={"rows": 2}),
            "citizenship": forms.TextInput(attrs={"autocomplete": "country-name"}),
            "position": forms.TextInput(attrs={"autocomplete": "organization-title"}),
        }

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person = person
        # Radio buttons without the "---------" a blank model field would add.
        cast(forms.ChoiceField, self.fields["gender"]).choices = Questionnaire.Gender.choices
        cast(forms.ChoiceField, self.fields["delivery"]).choices = Questionnaire.Delivery.choices
        if not self.is_bound:
            self.initial["birth_date"] = person.birth_date
            self.initial["snils"] = format_snils(person.snils) if person.snils else ""

    def clean_birth_date(self) -> datetime.date | None:
        value = self.cleaned_data.get("birth_date")
        if value and not datetime.date(1900, 1, 1) <= value <= timezone.localdate():
            raise ValidationError(_("Проверьте дату рождения: она не может быть в будущем."))
        return value

    def clean_snils(self) -> str:
        value = self.cleaned_data.get("snils", "")
        return normalize_snils(value) if value else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        delivery = data.get("delivery")
        if (
            delivery == Questionnaire.Delivery.ORGANIZATION
            and not data.get("delivery_organization", "").strip()
        ):
            self.add_error(
                "delivery_organization",
                _("Укажите название организации, куда доставить документы."),
            )
        if delivery and not data.get("delivery_address", "").strip():
            self.add_error("delivery_address", _("Укажите адрес, куда доставить документы."))
        if data.get("document") and not data.get("document_kind"):
            self.add_error(
                "document_kind",
                _("Выберите, что это за документ, и выберите файл снова."),
            )
        if data.get("document_kind") and not data.get("document") and "document" not in self.errors:
            self.add_error("document", _("Выберите файл документа."))
        return data
