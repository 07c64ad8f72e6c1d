"""/me/classes, /classes/{id}, /classes/{id}/students: classes and who is in them."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Path, Router
from ninja.pagination import paginate

from parta.accounts.api import selectors
from parta.accounts.api.auth import person
from parta.accounts.api.common import AUTH_ERRORS, INVALID, MAX_ID, NOT_FOUND, Page
from parta.accounts.api.schemas import ClassOut, StudentOut
from parta.accounts.models import User
from parta.core.audit import record_view
from parta.directory.models import SchoolClass

router = Router(tags=["classes"])


@router.get(
    "/me/classes",
    response={200: list[ClassOut], **AUTH_ERRORS, **INVALID},
    summary="Classes the person works with this year",
    description=(
        "A class teacher's own classes and, for teachers and school administration, every "
        "class of their schools, in the current academic year. Empty for other roles."
    ),
)
@paginate(Page)
def my_classes(request: HttpRequest) -> QuerySet[SchoolClass]:
    return selectors.classes_worked_with(person(request))


@router.get(
    "/classes/{class_id}",
    response={200: ClassOut, **AUTH_ERRORS, **NOT_FOUND, **INVALID},
    summary="One class",
    description="404 unless the person may see the class, as for a missing class.",
)
def school_class(request: HttpRequest, class_id: int = Path(..., ge=1, le=MAX_ID)) -> SchoolClass:
    return get_object_or_404(selectors.classes_visible_to(person(request)), pk=class_id)


@router.get(
    "/classes/{class_id}/students",
    response={200: list[StudentOut], **AUTH_ERRORS, **NOT_FOUND, **INVALID},
    summary="Students of a class",
    description=(
        "Names only. The school's staff and the authorities see every student; a parent sees "
        "their own child, a student themselves. 404 unless the class is visible."
    ),
)
@paginate(Page)
def class_students(
    request: HttpRequest, class_id: int = Path(..., ge=1, le=MAX_ID)
) -> QuerySet[User]:
    user = person(request)
    found = get_object_or_404(SchoolClass.objects.visible_to(user), pk=class_id)
    students = selectors.students_of_class(user, found)
    # 152-FZ: the students on the page the caller receives are logged for their parents.
    offset = int(request.GET.get("offset") or 0)
    limit = int(request.GET.get("limit") or 50)
    shown = students.values_list("pk", flat=True)[offset : offset + limit]
    record_view(request, shown, "api_class_students", {"class": found}, viewer=user)
    return students
