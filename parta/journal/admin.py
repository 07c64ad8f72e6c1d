"""The journal in the admin, for the regional operator (and a superuser).

Rows and rights come from the same policy as the pages (``parta.directory.admin.ScopedAdmin``):
the operator reads the journal of their region and may change only what the policy lets
them change there (the year's structure); marks, final grades and lessons are the school's
own and stay read-only for them. The history of marks (``MarkChange``) is append-only for
everyone, a superuser included: no change, no delete (the database refuses them too).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from parta.core import access
from parta.directory.admin import ScopedAdmin, ScopedInline
from parta.journal.models import (
    Achievement,
    Bell,
    CalendarFeed,
    FinalGrade,
    GradeType,
    JournalSettings,
    Lesson,
    LessonFile,
    Mark,
    MarkChange,
    ScheduleChange,
    Term,
    TimetableEntry,
)


class _PolicyFilterMixin:
    """For models without ``visible_to``: rows filtered by the policy's ``Q`` directly."""

    policy_object: str
    model: type[Model]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = self.model._default_manager.all()
        ordering = self.get_ordering(request)  # type: ignore[attr-defined]
        if ordering:
            qs = qs.order_by(*ordering)
        if request.user.is_superuser:
            return qs
        return qs.filter(self._condition(request, "view"))

    def _editable(self, request: HttpRequest) -> QuerySet[Any]:
        return self.model._default_manager.filter(self._condition(request, "change"))

    def _condition(self, request: HttpRequest, action: str) -> Any:
        return access.allowed(request.user, self.policy_object, action)


class _LessonRowsMixin(_PolicyFilterMixin):
    """Rows that belong to a lesson: visible with their lesson."""

    policy_object = "lesson"

    def _condition(self, request: HttpRequest, action: str) -> Any:
        from django.db.models import Q

        lessons = Lesson.objects.filter(access.allowed(request.user, "lesson", action))
        return Q(lesson__in=lessons.values("pk"))


class _SchoolPagesOnly:
    """Written on the school's own pages, where the rules run (no overlaps, a free teacher,
    the lessons refreshed); here the operator reads them, a superuser may still fix a row."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return bool(request.user.is_superuser)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(request.user.is_superuser)


@admin.register(JournalSettings)
class JournalSettingsAdmin(_PolicyFilterMixin, ScopedAdmin):
    policy_object = "journal_settings"
    list_display = ("organization", "term_system", "scale", "weighted", "edit_window_days")
    list_filter = ("term_system", "scale", "weighted")
    list_select_related = ("organization",)
    search_fields = ("organization__short_name", "=organization__inn")
    autocomplete_fields = ("organization",)


@admin.register(Term)
class TermAdmin(_SchoolPagesOnly, ScopedAdmin):
    policy_object = "term"
    list_display = ("name", "academic_year", "organization", "starts_on", "ends_on", "closed_at")
    list_filter = ("academic_year__is_current", "number")
    list_select_related = ("academic_year__organization",)
    search_fields = ("name", "academic_year__organization__short_name")
    autocomplete_fields = ("academic_year",)
    readonly_fields = ("closed_at", "closed_by")

    @admin.display(description=_("школа"), ordering="academic_year__organization__short_name")
    def organization(self, obj: Term) -> str:
        return obj.academic_year.organization.short_name


@admin.register(Bell)
class BellAdmin(_SchoolPagesOnly, ScopedAdmin):
    policy_object = "bell"
    list_display = ("organization", "number", "starts_at", "ends_at")
    list_select_related = ("organization",)
    search_fields = ("organization__short_name",)
    autocomplete_fields = ("organization",)
    ordering = ("organization__short_name", "number")


@admin.register(GradeType)
class GradeTypeAdmin(ScopedAdmin):
    policy_object = "grade_type"
    list_display = ("name", "short_name", "weight", "organization", "code")
    list_filter = (("organization", admin.EmptyFieldListFilter),)
    list_select_related = ("organization",)
    search_fields = ("name", "code", "organization__short_name")
    autocomplete_fields = ("organization",)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # The catalogue (no school) is shared by every school: a superuser's business.
        if isinstance(obj, GradeType) and obj.organization_id is None:
            return bool(request.user.is_superuser)
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_change_permission(request, obj)


@admin.register(TimetableEntry)
class TimetableEntryAdmin(_SchoolPagesOnly, ScopedAdmin):
    policy_object = "timetable_entry"
    list_display = (
        "school_class",
        "weekday",
        "number",
        "subject",
        "teacher",
        "room",
        "valid_from",
        "valid_to",
    )
    list_filter = ("weekday", "school_class__academic_year__is_current")
    list_select_related = ("school_class__organization", "subject", "teacher")
    search_fields = ("school_class__organization__short_name", "^teacher__last_name")
    autocomplete_fields = ("school_class", "subject", "teacher")


class LessonFileInline(_LessonRowsMixin, ScopedInline):
    model = LessonFile
    fields = ("purpose", "name", "size", "content_type", "uploaded_by", "uploaded_at")
    readonly_fields = fields
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        # Files are uploaded on the lesson page, checked by content; never here.
        return False


class ScheduleChangeInline(_LessonRowsMixin, ScopedInline):
    model = ScheduleChange
    fields = ("kind", "details", "reason", "changed_by", "changed_at")
    readonly_fields = fields
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        # A one-off change is made on the lesson page, where it is announced.
        return False


@admin.register(Lesson)
class LessonAdmin(_SchoolPagesOnly, ScopedAdmin):
    policy_object = "lesson"
    list_display = ("date", "number", "school_class", "subject", "teacher", "substitute", "status")
    list_filter = ("status", "school_class__academic_year__is_current")
    list_select_related = ("school_class__organization", "subject", "teacher", "substitute")
    search_fields = ("school_class__organization__short_name", "^teacher__last_name", "topic")
    autocomplete_fields = ("school_class", "subject", "teacher", "substitute", "term")
    raw_id_fields = ("timetable_entry",)
    readonly_fields = ("files", "homework_set_at", "updated_at")
    date_hierarchy = "date"
    inlines = [LessonFileInline, ScheduleChangeInline]


@admin.register(ScheduleChange)
class ScheduleChangeAdmin(_LessonRowsMixin, ScopedAdmin):
    list_display = ("changed_at", "kind", "lesson", "changed_by", "reason")
    list_filter = ("kind",)
    list_select_related = ("lesson__school_class", "lesson__subject", "changed_by")
    search_fields = ("reason", "lesson__school_class__organization__short_name")
    readonly_fields = ("lesson", "kind", "details", "reason", "changed_by", "changed_at")
    date_hierarchy = "changed_at"

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # The record people were told from: it is not rewritten.
        return False


@admin.register(Mark)
class MarkAdmin(ScopedAdmin):
    policy_object = "mark"
    list_display = ("lesson", "student", "value", "attendance", "version", "updated_at")
    list_filter = ("attendance", "value")
    list_select_related = ("lesson__school_class", "lesson__subject", "student")
    search_fields = ("^student__last_name", "=student__username")
    raw_id_fields = ("lesson", "student", "grade_type", "updated_by")
    readonly_fields = ("version", "updated_by", "updated_at", "weight")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        # Marks are written through the journal, which keeps their history (JRN-7).
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(request.user.is_superuser) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(FinalGrade)
class FinalGradeAdmin(ScopedAdmin):
    policy_object = "final_grade"
    list_display = ("student", "school_class", "subject", "term", "value", "passed", "updated_at")
    list_filter = ("academic_year__is_current",)
    list_select_related = ("student", "school_class", "subject", "term")
    search_fields = ("^student__last_name", "=student__username")
    raw_id_fields = ("student", "school_class", "subject", "academic_year", "term", "updated_by")
    readonly_fields = ("version", "updated_by", "updated_at")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(request.user.is_superuser) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(MarkChange)
class MarkChangeAdmin(ScopedAdmin):
    """JRN-7: the history is read, never written here."""

    policy_object = "mark_change"
    list_display = ("changed_at", "kind", "student", "subject", "school_class", "old", "new")
    list_filter = ("kind",)
    list_select_related = ("student", "subject", "school_class", "changed_by")
    search_fields = ("^student__last_name", "=student__username")
    date_hierarchy = "changed_at"

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        return [f.name for f in MarkChange._meta.fields]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Achievement)
class AchievementAdmin(ScopedAdmin):
    policy_object = "achievement"
    list_display = ("title", "kind", "student", "organization", "date")
    list_filter = ("kind",)
    list_select_related = ("student", "organization")
    search_fields = ("title", "^student__last_name")
    autocomplete_fields = ("student", "organization")
    readonly_fields = ("added_by", "added_at")


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    """A person's secret calendar address: only its hash exists; a superuser may revoke it."""

    list_display = ("person", "created_at", "last_used_at")
    list_select_related = ("person",)
    search_fields = ("^person__last_name", "=person__username")
    readonly_fields = ("person", "token_hash", "created_at", "last_used_at")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(request.user.is_superuser)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(request.user.is_superuser)
