"""Routes of the year's structure, the timetable and the lessons (JRN-1..3)."""

from django.urls import path

from parta.journal import views_lessons, views_timetable, views_year

urlpatterns = [
    # The administration: the year's structure of a school.
    path("timetable/school/<int:org_id>/", views_year.school, name="timetable_school"),
    path("timetable/school/<int:org_id>/terms/", views_year.terms, name="timetable_terms"),
    path("timetable/school/<int:org_id>/bells/", views_year.bells, name="timetable_bells"),
    path(
        "timetable/school/<int:org_id>/settings/",
        views_year.journal_settings,
        name="timetable_settings",
    ),
    path(
        "timetable/school/<int:org_id>/grade-types/",
        views_year.grade_types,
        name="timetable_grade_types",
    ),
    path("timetable/grade-types/<int:pk>/", views_year.grade_type, name="timetable_grade_type"),
    path(
        "timetable/school/<int:org_id>/changes/",
        views_year.changes,
        name="timetable_changes",
    ),
    # The administration: the weekly template of a class and extra lessons.
    path("timetable/class/<int:class_id>/edit/", views_timetable.edit, name="timetable_edit"),
    path(
        "timetable/class/<int:class_id>/slots/add/",
        views_timetable.slot_add,
        name="timetable_slot_add",
    ),
    path(
        "timetable/slots/<int:entry_id>/change/",
        views_timetable.slot_change,
        name="timetable_slot_change",
    ),
    path(
        "timetable/slots/<int:entry_id>/remove/",
        views_timetable.slot_remove,
        name="timetable_slot_remove",
    ),
    path(
        "timetable/class/<int:class_id>/generate/",
        views_timetable.generate,
        name="timetable_generate",
    ),
    path(
        "timetable/class/<int:class_id>/lessons/add/",
        views_timetable.extra_lesson,
        name="lesson_add",
    ),
    # The timetable as people read it.
    path("timetable/", views_timetable.mine, name="timetable_mine"),
    path(
        "timetable/class/<int:class_id>/",
        views_timetable.class_timetable,
        name="timetable_class",
    ),
    path("timetable/teacher/", views_timetable.teacher_timetable, name="timetable_teacher"),
    path(
        "timetable/teacher/<int:person_id>/",
        views_timetable.teacher_timetable_of,
        name="timetable_teacher_of",
    ),
    # Lessons.
    path("lessons/", views_lessons.lessons_mine, name="lessons_mine"),
    path("lessons/<int:lesson_id>/", views_lessons.lesson_detail, name="lesson_detail"),
    path(
        "lessons/<int:lesson_id>/reschedule/",
        views_lessons.lesson_reschedule,
        name="lesson_reschedule",
    ),
    path(
        "lessons/<int:lesson_id>/files/<int:file_id>/",
        views_lessons.lesson_file,
        name="lesson_file",
    ),
    path(
        "lessons/<int:lesson_id>/files/<int:file_id>/delete/",
        views_lessons.lesson_file_delete,
        name="lesson_file_delete",
    ),
]
