"""Form pieces over the region's structure that several cabinets share."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from parta.directory.models import Municipality, Organization


class MunicipalityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Municipality) -> str:
        return f"{obj.name} ({obj.region.name})"


def form_int(value: Any) -> int | None:
    """A submitted id as an int, or None when it is missing or not a number."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class SchoolChooser(forms.Form):
    """Municipality → a school of that municipality, narrowed by a search over school names.

    Used by people who are not signed in to a school (a complaint, a family request), so it
    lists every active organization of the chosen municipality — names are public. The list
    depends on the municipality submitted so far; the search only narrows what is shown (a
    school already chosen stays in it), never what is accepted. Pages redraw the list with
    htmx as the choices change, and without JavaScript through a "show schools" button.
    """

    municipality = MunicipalityChoiceField(
        label=_("Муниципалитет (город или район)"),
        queryset=Municipality.objects.select_related("region").order_by("region__name", "name"),
        empty_label=_("— выберите —"),
        error_messages={"required": _("Выберите муниципалитет, где находится школа.")},
    )
    school_search = forms.CharField(
        label=_("Найти школу по названию"),
        required=False,
        max_length=100,
        help_text=_("Например, «№ 5» или «гимназия». Список школ ниже сократится."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    organization = forms.ModelChoiceField(
        label=_("Школа"),
        queryset=Organization.objects.none(),
        empty_label=_("— выберите школу —"),
        error_messages={
            "required": _("Выберите школу."),
            "invalid_choice": _("Эта школа не из выбранного муниципалитета. Выберите школу снова."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        source = self.data if self.is_bound else self.initial
        municipality_id = form_int(source.get(self.add_prefix("municipality")))
        search = str(source.get(self.add_prefix("school_search")) or "").strip()[:100]
        chosen = form_int(source.get(self.add_prefix("organization")))
        schools: QuerySet[Organization] = Organization.objects.filter(
            is_active=True, municipality_id=municipality_id or 0
        ).order_by("short_name")
        if search:
            found = Q(short_name__icontains=search) | Q(name__icontains=search)
            if chosen:
                found |= Q(pk=chosen)
            schools = schools.filter(found)
        self.fields["organization"].queryset = schools  # type: ignore[attr-defined]
        self.municipality_chosen = municipality_id is not None
        self.school_search_text = search
        self.chosen_school_id = chosen
        self.schools = schools
        # Read once here for the templates ("N schools in the list") and for forms that need
        # to know whether the chosen school is in the list: one query of ids, no count.
        listed = set(schools.values_list("pk", flat=True)) if municipality_id else set()
        self.school_count = len(listed)
        self.chosen_school_listed = chosen is not None and chosen in listed
