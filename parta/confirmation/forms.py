"""Forms of confirmation: claiming a place, filtering the claims, deciding a batch."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parta.confirmation.models import Decision
from parta.confirmation.services import CLAIMABLE_POSITIONS, REASON_MAX_LENGTH
from parta.directory.models import Confirmation, SchoolClass

ALL = "all"
STATUS_CHOICES = [
    (Confirmation.PENDING.value, _("ждут решения")),
    (Confirmation.CONFIRMED.value, _("подтверждённые")),
    (Confirmation.REJECTED.value, _("отклонённые")),
    (ALL, _("все")),
]


class SchoolSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Название школы или ИНН"),
        max_length=100,
        required=False,
        help_text=_("Например: «Школа № 1», «гимназия» или ИНН из 10 цифр."),
    )


class StaffClaimForm(forms.Form):
    position = forms.ChoiceField(
        label=_("Должность"),
        choices=[(p.value, p.label) for p in CLAIMABLE_POSITIONS],
        widget=forms.RadioSelect,
    )


class StudyClaimForm(forms.Form):
    school_class = forms.ModelChoiceField(
        label=_("Класс"),
        queryset=SchoolClass.objects.none(),
        empty_label=_("— выберите класс —"),
    )

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["school_class"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = SchoolClass.objects.filter(
            organization=organization, academic_year__is_current=True
        ).order_by("grade", "letter")
        field.label_from_instance = str  # type: ignore[method-assign,assignment]


class ClaimFilterForm(forms.Form):
    """The filters above a table of claims; an unknown value falls back to the default."""

    status = forms.ChoiceField(label=_("Статус"), choices=STATUS_CHOICES, required=False)
    q = forms.CharField(label=_("Фамилия или имя"), max_length=100, required=False)

    def __init__(self, *args: Any, groups: list[tuple[str, str]], group_label: str, **kw: Any):
        super().__init__(*args, **kw)
        self.fields["group"] = forms.ChoiceField(
            label=group_label, choices=[("", _("все")), *groups], required=False
        )
        self.order_fields(["status", "group", "q"])

    def value(self, name: str) -> str:
        if not self.is_valid():
            return Confirmation.PENDING.value if name == "status" else ""
        value = self.cleaned_data.get(name) or ""
        if name == "status" and not value:
            return Confirmation.PENDING.value
        return str(value).strip()


class DecideForm(forms.Form):
    """A batch decision; the ticked rows arrive as ``ids``, checked again by the service."""

    verdict = forms.ChoiceField(choices=Decision.Verdict.choices)
    reason = forms.CharField(
        label=_("Причина отказа"),
        max_length=REASON_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Обязательна при отказе: человек увидит её и сможет подать заявку снова."),
    )


POSITION_GROUPS = [(p.value, str(p.label)) for p in CLAIMABLE_POSITIONS]
