"""The teacher's journal: my journals, the grid, cell saves, history, closing terms."""

from django.urls import path

from parta.journal import views_grid as views

urlpatterns = [
    path("journal/", views.journal_list, name="journal_list"),
    path("journal/<int:class_id>/<int:subject_id>/", views.journal_grid, name="journal_grid"),
    path(
        "journal/<int:class_id>/<int:subject_id>/changes/",
        views.journal_changes,
        name="journal_changes",
    ),
    path(
        "journal/<int:class_id>/<int:subject_id>/finals/<int:student_id>/",
        views.final_save,
        name="journal_final_save",
    ),
    path(
        "journal/lessons/<int:lesson_id>/cells/<int:student_id>/",
        views.cell_save,
        name="journal_cell_save",
    ),
    path(
        "journal/lessons/<int:lesson_id>/cells/<int:student_id>/history/",
        views.cell_history,
        name="journal_cell_history",
    ),
    path(
        "journal/lessons/<int:lesson_id>/grade-type/",
        views.lesson_grade_type,
        name="journal_lesson_grade_type",
    ),
    path("journal/terms/<int:term_id>/close/", views.term_close, name="journal_term_close"),
    path("journal/terms/<int:term_id>/reopen/", views.term_reopen, name="journal_term_reopen"),
]
