"""The access engine asks a ``merge_kinds`` scope once for the roles of all its kinds."""

from __future__ import annotations

from types import SimpleNamespace

from django.db.models import Q

from parta.core import access


def test_a_merged_scope_is_asked_once_and_an_unmerged_once_per_kind():
    calls: list[tuple[str, list[str]]] = []
    access.register_policy(
        "test_merge_object",
        {"view": {access.TEACHER: "organization", access.CLASS_TEACHER: "organization"}},
    )
    access.register_policy(
        "test_split_object",
        {"view": {access.TEACHER: "organization", access.CLASS_TEACHER: "organization"}},
    )

    def scope(name: str):  # type: ignore[no-untyped-def]
        def fn(user, roles):  # type: ignore[no-untyped-def]
            calls.append((name, sorted(r.kind for r in roles)))
            return Q(organization_id__in=access.organization_ids(roles))

        return fn

    access.register_scope("test_merge_object", "organization", merge_kinds=True)(scope("merged"))
    access.register_scope("test_split_object", "organization")(scope("split"))
    user = SimpleNamespace(
        pk=1,
        is_authenticated=True,
        _parta_roles=[
            access.Role(access.TEACHER, 7, organization_id=7),
            access.Role(access.CLASS_TEACHER, 70, organization_id=7),
        ],
    )
    merged = access.allowed(user, "test_merge_object")
    split = access.allowed(user, "test_split_object")
    assert calls == [
        ("merged", ["class_teacher", "teacher"]),
        ("split", ["teacher"]),
        ("split", ["class_teacher"]),
    ]
    assert "organization_id__in" in str(merged) and str(split).count("organization_id__in") == 2
