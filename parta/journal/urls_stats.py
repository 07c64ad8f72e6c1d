"""Statistics of the journal (JRN-9): a teacher's journal, a class teacher's class."""

from django.urls import path

from parta.journal import views_stats

urlpatterns = [
    path("journal/stats/", views_stats.stats_index, name="journal_stats_index"),
    path(
        "journal/stats/class/<int:class_id>/",
        views_stats.class_stats,
        name="class_stats",
    ),
    path(
        "journal/stats/class/<int:class_id>/attention/",
        views_stats.class_attention,
        name="class_stats_attention",
    ),
    path(
        "journal/stats/class/<int:class_id>/table.xlsx",
        views_stats.class_stats_export,
        name="class_stats_export",
    ),
    path(
        "journal/stats/<int:class_id>/<int:subject_id>/",
        views_stats.journal_stats,
        name="journal_stats",
    ),
    path(
        "journal/stats/<int:class_id>/<int:subject_id>/attention/",
        views_stats.journal_attention,
        name="journal_stats_attention",
    ),
]
