"""People in the admin, for the regional operator.

An operator sees the people of their region (``User.objects.visible_to``) and may edit those
they may issue credentials to; granting staff or superuser rights, and deleting a person
(whose grades are a legal record), stay with a superuser. Search understands SNILS and phone
numbers however they are typed.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from parta.accounts.models import ApiToken, User
from parta.accounts.tokens import api_token_revoke
from parta.core.audit import record_view
from parta.core.validators import normalize_phone, normalize_snils
from parta.directory.admin import ScopedInline, ScopedMixin
from parta.directory.models import Enrollment, Guardianship, StaffPosition

_TYPED_NUMBER = re.compile(r"[\d\s()+\-]+")


class PersonFieldsMixin(forms.ModelForm):
    """Phone and SNILS are stored in one canonical form, so sign-in and search find them."""

    def clean_phone(self) -> str:
        value = self.cleaned_data.get("phone", "")
        return normalize_phone(value) if value else ""

    def clean_snils(self) -> str:
        value = self.cleaned_data.get("snils", "")
        return normalize_snils(value) if value else ""


class PersonChangeForm(PersonFieldsMixin, UserChangeForm):
    class Meta:
        model = User
        # The admin narrows these to its fieldsets (without the rights fields for anyone
        # but a superuser).
        fields = (
            "username",
            "password",
            "last_name",
            "first_name",
            "middle_name",
            "birth_date",
            "email",
            "phone",
            "snils",
            "is_active",
            "must_change_password",
            "language",
            "is_staff",
            "is_superuser",
            "groups",
            "user_permissions",
        )
        field_classes = UserChangeForm.Meta.field_classes  # type: ignore[attr-defined]


class PersonCreationForm(PersonFieldsMixin, AdminUserCreationForm):
    class Meta:
        model = User
        field_classes = AdminUserCreationForm.Meta.field_classes  # type: ignore[attr-defined]
        fields = (
            "username",
            "last_name",
            "first_name",
            "middle_name",
            "birth_date",
            "email",
            "phone",
            "snils",
        )


class GuardiansInline(ScopedInline):
    model = Guardianship
    policy_object = "guardianship"
    fk_name = "child"
    fields = ("guardian", "kind")
    autocomplete_fields = ("guardian",)
    verbose_name = _("родитель / законный представитель")
    verbose_name_plural = _("родители и законные представители")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("guardian")


class WardsInline(ScopedInline):
    model = Guardianship
    policy_object = "guardianship"
    fk_name = "guardian"
    fields = ("child", "kind")
    autocomplete_fields = ("child",)
    verbose_name = _("ребёнок")
    verbose_name_plural = _("дети")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("child")


class EnrollmentsInline(ScopedInline):
    model = Enrollment
    fk_name = "student"
    policy_object = "enrollment"
    fields = ("school_class", "is_active", "since", "status")
    # Shown, never edited here: a claim is decided by the confirmation service, which records
    # who decided, tells the person and puts the decision into the director's report (VER-4/5).
    readonly_fields = ("status",)
    autocomplete_fields = ("school_class",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return (
            super()
            .get_queryset(request)
            .select_related("school_class__organization", "school_class__academic_year")
        )


class PositionsInline(ScopedInline):
    model = StaffPosition
    fk_name = "person"
    policy_object = "staff_position"
    fields = ("organization", "position", "is_active", "since", "status")
    readonly_fields = ("status",)  # decided by the confirmation service only (VER-4/5)
    autocomplete_fields = ("organization",)
    verbose_name_plural = _("должности")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("organization")


_SUPERUSER_ONLY = ("is_staff", "is_superuser", "groups", "user_permissions")


@admin.register(User)
class UserAdmin(ScopedMixin, DjangoUserAdmin):
    policy_object = "person"
    # Editing a person in the panel includes setting their password: the policy's
    # credential-issuing right, not a separate one.
    change_action = "issue_credentials"

    form = PersonChangeForm
    add_form = PersonCreationForm
    list_display = (
        "username",
        "full_name",
        "email",
        "phone",
        "snils_display",
        "is_active",
        "must_change_password",
        "last_login",
    )
    list_filter = ("is_active", "must_change_password", "is_staff")
    search_fields = ("^last_name", "^first_name", "^middle_name", "=username", "=email")
    ordering = ("last_name", "first_name", "middle_name")
    list_per_page = 50
    show_full_result_count = False
    readonly_fields = (
        "last_login",
        "date_joined",
        "initial_password_issued_at",
        "credentials_issued_at",
    )
    inlines = (PositionsInline, EnrollmentsInline, GuardiansInline, WardsInline)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            _("Личные данные"),
            {
                "fields": (
                    "last_name",
                    "first_name",
                    "middle_name",
                    "birth_date",
                    "email",
                    "phone",
                    "snils",
                )
            },
        ),
        (
            _("Вход"),
            {
                "fields": (
                    "is_active",
                    "must_change_password",
                    "initial_password_issued_at",
                    "credentials_issued_at",
                    "language",
                    "last_login",
                    "date_joined",
                )
            },
        ),
        (_("Права в панели управления"), {"fields": _SUPERUSER_ONLY}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "usable_password", "password1", "password2"),
            },
        ),
        (
            _("Личные данные"),
            {
                "classes": ("wide",),
                "description": _(
                    "Сразу укажите должность, класс или ребёнка ниже: человек без связи с "
                    "организацией вашего региона не будет виден в вашем списке."
                ),
                "fields": (
                    "last_name",
                    "first_name",
                    "middle_name",
                    "birth_date",
                    "email",
                    "phone",
                    "snils",
                ),
            },
        ),
    )

    @admin.display(description=_("ФИО"), ordering="last_name")
    def full_name(self, obj: User) -> str:
        return obj.full_name

    @admin.display(description=_("СНИЛС"), ordering="snils")
    def snils_display(self, obj: User) -> str:
        return obj.snils_display

    def autocomplete_label(self, obj: User) -> str:
        parts = [obj.full_name or obj.username, obj.username]
        if obj.birth_date:
            parts.append(obj.birth_date.strftime("%d.%m.%Y"))
        return " · ".join(parts)

    def get_fieldsets(self, request: HttpRequest, obj: Model | None = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        return [
            (name, {**opts, "fields": [f for f in opts["fields"] if f not in _SUPERUSER_ONLY]})
            for name, opts in fieldsets
            if any(f not in _SUPERUSER_ONLY for f in opts["fields"])
        ]

    def get_list_filter(self, request: HttpRequest) -> Any:
        if request.user.is_superuser:
            return self.list_filter
        return tuple(f for f in self.list_filter if f != "is_staff")

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # A person's grades and documents are a legal record: an operator deactivates the
        # account (is_active) instead.
        return bool(request.user.is_superuser)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        # 152-FZ: an opened card of a person is logged for them (and their parents) to see.
        if request.method == "GET" and response.status_code == 200 and object_id.isdigit():
            record_view(request, [int(object_id)], "person_admin")
        return response

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        term = search_term.strip()
        digits = re.sub(r"\D", "", term)
        if digits and _TYPED_NUMBER.fullmatch(term):
            # A number: a SNILS ("112-233-445 95"), a phone ("8 912 345-67-89") or a login.
            found = Q(username=term)
            if len(digits) == 11:
                found |= Q(snils=digits)
            with contextlib.suppress(ValidationError):
                found |= Q(phone=normalize_phone(term))
            return queryset.filter(found), False
        return super().get_search_results(request, queryset, search_term)

    def response_add(
        self, request: HttpRequest, obj: Model, post_url_continue: str | None = None
    ) -> HttpResponse:
        if not request.user.is_superuser and not self.get_queryset(request).filter(pk=obj.pk):
            messages.warning(
                request,
                _(
                    "Учётная запись «%(name)s» создана, но не связана ни с одной организацией "
                    "вашего региона, поэтому не видна в списке. Добавьте ей должность, класс "
                    "или ребёнка — или обратитесь к администратору Парты."
                )
                % {"name": obj},
            )
            return HttpResponseRedirect(reverse("admin:accounts_user_changelist"))
        return super().response_add(request, obj, post_url_continue)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Personal API tokens, for a superuser only: to see which are in use and to revoke a
    lost one. Secrets are never stored, so there is nothing to reveal; tokens are created by
    their owners through the API, never here, and are revoked rather than deleted."""

    list_display = (
        "name",
        "user",
        "prefix",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    list_select_related = ("user",)
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "user__username", "user__last_name")
    readonly_fields = (
        "user",
        "name",
        "prefix",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    fields = readonly_fields
    actions = ("revoke",)
    show_full_result_count = False

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # Read-only fields; "change" only lets the revoke action run.
        return self.has_view_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    @admin.action(description=_("Отозвать выбранные токены"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(token=token)
            count += 1
        messages.success(request, _("Отозвано токенов: %(count)d.") % {"count": count})
