"""The journal's pages; each area keeps its own module of routes."""

from django.urls import include, path

urlpatterns = [
    path("", include("parta.journal.urls_grid")),
    path("", include("parta.journal.urls_timetable")),
    path("", include("parta.journal.urls_diary")),
    path("", include("parta.journal.urls_stats")),
]
