"""The diary (JRN-8), achievements and the iCalendar feed."""

from django.urls import path, re_path

from parta.journal import views_diary as views
from parta.journal.services.calendar import TOKEN_PATTERN

urlpatterns = [
    path("diary/", views.diary_week, name="diary_week"),
    path("diary/print/", views.diary_print, name="diary_print"),
    path("diary/grades/", views.diary_record, name="diary_record"),
    path(
        "diary/achievements/class/<int:class_id>/",
        views.achievements_class,
        name="achievements_class",
    ),
    path(
        "diary/achievements/<int:student_id>/",
        views.achievements_student,
        name="achievements_student",
    ),
    path(
        "diary/achievements/<int:student_id>/<int:achievement_id>/remove/",
        views.achievement_remove,
        name="achievement_remove",
    ),
    path("calendar/", views.calendar_settings, name="calendar_settings"),
    re_path(
        rf"^calendar/(?P<token>{TOKEN_PATTERN})\.ics$", views.calendar_feed, name="calendar_feed"
    ),
]
