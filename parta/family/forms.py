"""Forms of family requests (ACC-9): the parent's two requests and the school's decision."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from parta.accounts.models import User
from parta.core.validators import normalize_phone
from parta.directory.forms import SchoolChooser
from parta.directory.models import Guardianship, SchoolClass


class ClassChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: SchoolClass) -> str:
        return str(obj)


class SchoolClassChooser(SchoolChooser):
    """Municipality → school → class of the current year; each list follows the one above."""

    school_class = ClassChoiceField(
        label=_("Класс"),
        queryset=SchoolClass.objects.none(),
        empty_label=_("— выберите класс —"),
        error_messages={
            "required": _("Выберите класс."),
            "invalid_choice": _("Этого класса нет в выбранной школе. Выберите класс снова."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].error_messages["required"] = _(
            "Выберите муниципалитет, где учится ребёнок."
        )
        chosen = self.chosen_school_id
        school_known = self.chosen_school_listed
        self.fields["school_class"].queryset = SchoolClass.objects.filter(  # type: ignore[attr-defined]
            organization_id=chosen if school_known and chosen else 0,
            academic_year__is_current=True,
        ).order_by("grade", "letter")
        self.school_chosen = school_known


class ChildRequestForm(SchoolClassChooser):
    child_last_name = forms.CharField(
        label=_("Фамилия ребёнка"),
        max_length=150,
        error_messages={"required": _("Укажите фамилию ребёнка.")},
    )
    child_first_name = forms.CharField(
        label=_("Имя ребёнка"), max_length=150, error_messages={"required": _("Укажите имя.")}
    )
    child_middle_name = forms.CharField(
        label=_("Отчество ребёнка (если есть)"), max_length=150, required=False
    )
    child_birth_date = forms.DateField(
        label=_("Дата рождения ребёнка"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Укажите дату рождения."),
            "invalid": _("Дата набрана с ошибкой. Пример: 14.03.2015."),
        },
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
    )
    relation = forms.ChoiceField(
        label=_("Кем вы приходитесь ребёнку"),
        choices=[("", _("— выберите —")), *Guardianship.Kind.choices],
        error_messages={"required": _("Выберите, кем вы приходитесь ребёнку.")},
    )
    comment = forms.CharField(
        label=_("Комментарий для школы (необязательно)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Например, если фамилия ребёнка отличается от вашей."),
    )


class SecondParentForm(forms.Form):
    child = forms.ModelChoiceField(
        label=_("Чей это родитель"),
        queryset=User.objects.none(),
        empty_label=_("— выберите ребёнка —"),
        error_messages={
            "required": _("Выберите ребёнка."),
            "invalid_choice": _("Выберите своего ребёнка из списка."),
        },
    )
    last_name = forms.CharField(
        label=_("Фамилия второго родителя"),
        max_length=150,
        error_messages={"required": _("Укажите фамилию.")},
    )
    first_name = forms.CharField(
        label=_("Имя"), max_length=150, error_messages={"required": _("Укажите имя.")}
    )
    middle_name = forms.CharField(label=_("Отчество (если есть)"), max_length=150, required=False)
    email = forms.EmailField(
        label=_("Электронная почта"),
        required=False,
        help_text=_("На неё придут данные для входа. Нужна почта или телефон."),
        error_messages={
            "invalid": _(
                "Адрес почты набран с ошибкой. Пример правильного адреса: ivanova@mail.ru."
            )
        },
    )
    phone = forms.CharField(
        label=_("Телефон"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel"}),
    )
    relation = forms.ChoiceField(
        label=_("Кем он(а) приходится ребёнку"),
        choices=[("", _("— выберите —")), *Guardianship.Kind.choices],
        error_messages={"required": _("Выберите, кем второй родитель приходится ребёнку.")},
    )
    comment = forms.CharField(
        label=_("Комментарий для школы (необязательно)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, children: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["child"]
        field.queryset = children  # type: ignore[attr-defined]
        field.label_from_instance = lambda user: user.full_name  # type: ignore[attr-defined]

    def clean_phone(self) -> str:
        # The field strips what was typed; normalize_phone raises the error a person reads.
        value: str = self.cleaned_data.get("phone", "")
        return normalize_phone(value) if value else ""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        missing = not cleaned.get("email") and not cleaned.get("phone")
        if missing and not self.has_error("email") and not self.has_error("phone"):
            self.add_error(
                "email", _("Укажите почту или телефон второго родителя: по ним Парта его найдёт.")
            )
        return cleaned


class DecisionForm(forms.Form):
    CONFIRM = "confirm"
    REJECT = "reject"

    decision = forms.ChoiceField(
        label=_("Решение"),
        choices=[(CONFIRM, _("Подтвердить")), (REJECT, _("Отклонить"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Выберите: подтвердить или отклонить.")},
    )
    student = forms.ModelChoiceField(
        label=_("Ученик по записям школы"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Выберите ученика из списка.")},
    )
    reason = forms.CharField(
        label=_("Причина отказа (её прочтёт родитель)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, students: QuerySet[User] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if students is None:
            del self.fields["student"]
        else:
            self.fields["student"].queryset = students  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        decision = cleaned.get("decision")
        if decision == self.REJECT and not cleaned.get("reason", "").strip():
            self.add_error("reason", _("Напишите причину: родитель увидит её."))
        choose = decision == self.CONFIRM and "student" in self.fields
        if choose and not cleaned.get("student") and not self.has_error("student"):
            self.add_error("student", _("Выберите ученика, которого подтверждаете."))
        return cleaned
