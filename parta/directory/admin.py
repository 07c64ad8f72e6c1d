"""The region's structure in the admin, for the regional operator.

Every model admin here fetches through the access engine: a superuser sees everything, anyone
else sees ``Model.objects.visible_to(user)`` and may change what ``editable_by(user)`` returns
(the same policy table the pages and the API use). Related-row pickers are limited the same
way, so a crafted form cannot attach a row to another region's school. Pickers for people and
organizations are autocompletes: the tables hold hundreds of thousands of rows.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, ForeignKey, Model, Q, QuerySet
from django.forms import ModelChoiceField
from django.http import HttpRequest
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from parta.core import access
from parta.directory.models import (
    AcademicYear,
    Enrollment,
    Guardianship,
    Municipality,
    Official,
    Organization,
    Region,
    SchoolClass,
    StaffPosition,
    Subject,
)

RelatedOnly = admin.RelatedOnlyFieldListFilter


def scoped(model: type[Model], user: Any) -> QuerySet[Any]:
    """Rows of ``model`` that ``user`` may see: all for a superuser, else ``visible_to``."""
    qs = model._default_manager.all()
    if getattr(user, "is_superuser", False) or not hasattr(qs, "visible_to"):
        return qs
    return qs.visible_to(user)


class ScopedMixin:
    """Permissions and rows of an admin (or inline) from the access engine's policy.

    ``policy_object`` names the policy entry; ``change_action`` the action that allows adding,
    changing and deleting rows. Outside superusers the admin is the regional operator's tool:
    other roles use their cabinets, so they get no rights here even when the policy would
    let them change a row on their own pages.
    """

    policy_object: str = ""
    change_action: str = "change"
    model: type[Model]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> Any:
        # «Организации», not Django's «Выберите организация для изменения»: the model's
        # name is nominative, and Russian needs another case there.
        title = capfirst(str(self.model._meta.verbose_name_plural))
        return super().changelist_view(request, {"title": title, **(extra_context or {})})  # type: ignore[misc]

    def _policy_user(self, request: HttpRequest) -> bool:
        return access.has_role(request.user, access.OPERATOR)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)  # type: ignore[misc]
        if request.user.is_superuser:
            return qs
        return qs.visible_to(request.user)

    def _editable(self, request: HttpRequest) -> QuerySet[Any]:
        return self.model._default_manager.editable_by(  # type: ignore[attr-defined]
            request.user, self.change_action
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        # The admin index lists an app by Django's model permissions; the policy decides here.
        if request.user.is_superuser:
            return super().has_module_permission(request)  # type: ignore[misc]
        return self._policy_user(request) and access.may(request.user, self.policy_object, "view")

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if request.user.is_superuser:
            return super().has_view_permission(request, obj)  # type: ignore[misc]
        if not (
            self._policy_user(request) and access.may(request.user, self.policy_object, "view")
        ):
            return False
        if obj is None:
            return True
        return scoped(self.model, request.user).filter(pk=obj.pk).exists()

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if request.user.is_superuser:
            return super().has_change_permission(request, obj)  # type: ignore[misc]
        if not (
            self._policy_user(request)
            and access.may(request.user, self.policy_object, self.change_action)
        ):
            return False
        return obj is None or self._editable(request).filter(pk=obj.pk).exists()

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        if request.user.is_superuser:
            return super().has_add_permission(request, *args)  # type: ignore[misc]
        return self._policy_user(request) and access.may(
            request.user, self.policy_object, self.change_action
        )

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if request.user.is_superuser:
            return super().has_delete_permission(request, obj)  # type: ignore[misc]
        return self.has_change_permission(request, obj)

    def formfield_for_foreignkey(
        self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField | None:
        # Whatever the widget (select or autocomplete), the submitted value is checked
        # against this queryset: only rows the person may see can be attached.
        if "queryset" not in kwargs:
            kwargs["queryset"] = scoped(db_field.remote_field.model, request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


class ScopedAdmin(ScopedMixin, admin.ModelAdmin):
    list_per_page = 50
    # Counting every matching row of a 300k-row table on each page is the slowest query of
    # a changelist; the paginator still counts the filtered rows.
    show_full_result_count = False


class ScopedInline(ScopedMixin, admin.TabularInline):
    """An inline's rights come from its own rows' policy, not from the parent object.

    Django passes the parent (an organization, a person) as ``obj``; the rows shown are
    already limited by ``get_queryset``.
    """

    extra = 0
    show_change_link = True

    def get_formset(self, request: HttpRequest, obj: Model | None = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        # A tabular inline shows labels only in its column heads; name every input too, or a
        # screen reader announces a row of unnamed boxes.
        for field in formset.form.base_fields.values():
            field.widget.attrs.setdefault("aria-label", str(field.label))
        return formset

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_view_permission(request, None)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_change_permission(request, None)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return super().has_add_permission(request, None)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_delete_permission(request, None)


# --- the structure --------------------------------------------------------------------------
@admin.register(Region)
class RegionAdmin(ScopedAdmin):
    policy_object = "region"
    list_display = ("name", "code", "country", "timezone")
    list_filter = ("country",)
    search_fields = ("name", "code")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        # A new region is a new operator's territory: only a superuser opens one.
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(request.user.is_superuser)


@admin.register(Municipality)
class MunicipalityAdmin(ScopedAdmin):
    policy_object = "municipality"
    list_display = ("name", "region", "oktmo", "organizations_count")
    list_filter = (("region", RelatedOnly),)
    list_select_related = ("region",)
    search_fields = ("name", "=oktmo")
    autocomplete_fields = ("region",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).annotate(_organizations=Count("organizations"))

    @admin.display(description=_("организаций"), ordering="_organizations")
    def organizations_count(self, obj: Municipality) -> int:
        return obj._organizations  # type: ignore[attr-defined]


class StaffInline(ScopedInline):
    model = StaffPosition
    policy_object = "staff_position"
    fields = ("person", "position", "is_active", "since")
    autocomplete_fields = ("person",)
    verbose_name_plural = _("сотрудники")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("person")


class ClassInline(ScopedInline):
    model = SchoolClass
    policy_object = "school_class"
    fields = ("academic_year", "grade", "letter", "class_teacher")
    autocomplete_fields = ("class_teacher",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("academic_year", "class_teacher")

    def get_formset(self, request: HttpRequest, obj: Model | None = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        # A class belongs to a year of its own school: offer only those years.
        field = formset.form.base_fields.get("academic_year")
        if field is not None and isinstance(obj, Organization):
            field.queryset = field.queryset.filter(organization=obj)
        return formset


@admin.register(Organization)
class OrganizationAdmin(ScopedAdmin):
    policy_object = "organization"
    list_display = ("short_name", "kind", "inn", "municipality", "official_email", "is_active")
    list_filter = ("kind", "is_active", ("municipality", RelatedOnly))
    list_select_related = ("municipality",)
    search_fields = ("short_name", "name", "=inn", "official_email")
    autocomplete_fields = ("municipality",)
    autocomplete_select_related = ("municipality",)
    fieldsets = (
        (None, {"fields": ("municipality", "kind", "name", "short_name", "inn", "is_active")}),
        (_("Контакты и адрес"), {"fields": ("official_email", "address", "latitude", "longitude")}),
    )

    def autocomplete_label(self, obj: Organization) -> str:
        return f"{obj.short_name} · {obj.municipality.name} · {obj.inn}"

    def get_inlines(self, request: HttpRequest, obj: Organization | None) -> list[type[Any]]:
        # Classes need the school's own academic years, which exist only once it is saved.
        return [StaffInline, ClassInline] if obj is not None else [StaffInline]


@admin.register(AcademicYear)
class AcademicYearAdmin(ScopedAdmin):
    policy_object = "academic_year"
    list_display = ("name", "organization", "starts_on", "ends_on", "is_current")
    list_filter = ("is_current", "name")
    list_select_related = ("organization",)
    search_fields = ("name", "organization__short_name", "=organization__inn")
    autocomplete_fields = ("organization",)
    autocomplete_select_related = ("organization",)
    date_hierarchy = "starts_on"

    def autocomplete_label(self, obj: AcademicYear) -> str:
        return f"{obj.name} · {obj.organization.short_name}"


@admin.register(Subject)
class SubjectAdmin(ScopedAdmin):
    policy_object = "subject"
    list_display = ("name", "short_name", "organization")
    list_filter = (("organization", admin.EmptyFieldListFilter),)
    list_select_related = ("organization",)
    search_fields = ("name", "short_name")
    autocomplete_fields = ("organization",)


@admin.register(SchoolClass)
class SchoolClassAdmin(ScopedAdmin):
    policy_object = "school_class"
    list_display = ("__str__", "organization", "academic_year", "class_teacher")
    list_filter = ("grade", "academic_year__is_current")
    list_select_related = ("organization", "academic_year", "class_teacher")
    search_fields = (
        "organization__short_name",
        "=organization__inn",
        "letter",
        "^class_teacher__last_name",
    )
    autocomplete_fields = ("organization", "academic_year", "class_teacher")
    autocomplete_select_related = ("organization", "academic_year")
    ordering = ("organization__short_name", "grade", "letter")

    def autocomplete_label(self, obj: SchoolClass) -> str:
        return f"{obj} · {obj.organization.short_name} · {obj.academic_year.name}"

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        # "5А" finds the class by its name, as people write it.
        term = search_term.strip().replace(" ", "")
        if term[:-1].isdigit() and term[-1:].isalpha() and len(term) <= 4:
            return queryset.filter(grade=int(term[:-1]), letter__iexact=term[-1]), False
        return super().get_search_results(request, queryset, search_term)


@admin.register(StaffPosition)
class StaffPositionAdmin(ScopedAdmin):
    policy_object = "staff_position"
    list_display = ("person", "position", "organization", "is_active", "since")
    list_filter = ("position", "is_active")
    list_select_related = ("person", "organization")
    search_fields = ("^person__last_name", "=person__username", "organization__short_name")
    autocomplete_fields = ("person", "organization")


@admin.register(Enrollment)
class EnrollmentAdmin(ScopedAdmin):
    policy_object = "enrollment"
    list_display = ("student", "school_class", "organization", "is_active", "since")
    list_filter = ("is_active", "school_class__academic_year__is_current", "school_class__grade")
    list_select_related = ("student", "school_class__organization")
    search_fields = (
        "^student__last_name",
        "=student__username",
        "=student__snils",
        "school_class__organization__short_name",
    )
    autocomplete_fields = ("student", "school_class")

    @admin.display(description=_("организация"), ordering="school_class__organization__short_name")
    def organization(self, obj: Enrollment) -> str:
        return obj.school_class.organization.short_name


@admin.register(Guardianship)
class GuardianshipAdmin(ScopedAdmin):
    policy_object = "guardianship"
    list_display = ("guardian", "kind", "child")
    list_filter = ("kind",)
    list_select_related = ("guardian", "child")
    search_fields = (
        "^guardian__last_name",
        "=guardian__phone",
        "^child__last_name",
        "=child__username",
    )
    autocomplete_fields = ("guardian", "child")


@admin.register(Official)
class OfficialAdmin(ScopedAdmin):
    policy_object = "official"
    list_display = ("person", "kind", "region", "municipality", "is_active")
    list_filter = ("kind", "is_active", ("municipality", RelatedOnly))
    list_select_related = ("person", "region", "municipality")
    search_fields = ("^person__last_name", "=person__username", "municipality__name")
    autocomplete_fields = ("person", "region", "municipality")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        # An operator manages municipal officials of the region; the operators' own posts
        # (who may run this panel) are a superuser's business.
        return qs.filter(~Q(kind=Official.Kind.OPERATOR) | Q(person_id=request.user.pk))

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if isinstance(obj, Official) and obj.kind == Official.Kind.OPERATOR:
            return bool(request.user.is_superuser)
        return super().has_change_permission(request, obj)

    def formfield_for_choice_field(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "kind" and not request.user.is_superuser:
            kwargs["choices"] = [c for c in Official.Kind.choices if c[0] != Official.Kind.OPERATOR]
        return super().formfield_for_choice_field(db_field, request, **kwargs)
