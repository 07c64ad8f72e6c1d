"""The access engine: who may see and do what.

One table, ``POLICY``, says for every kind of object and every action which role may act and
over which scope of rows; cabinet apps add the rows for their own objects with
``register_policy`` / ``register_pages`` when they start. Domain apps register, for their objects, how a scope turns into a
filter (``register_scope``); the accounts app registers how a person's roles are found
(``register_role_provider``). Querysets then call ``allowed(user, obj, action)`` from their
``visible_to`` / ``editable_by`` methods, so every page and endpoint fetches through the same
rule. Core itself knows no domain model: objects, roles and scopes are named by strings.

What a person may not see is answered exactly like what does not exist: ``Http404``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone

# --- Roles -------------------------------------------------------------------------------
STUDENT = "student"
PARENT = "parent"
TEACHER = "teacher"
CLASS_TEACHER = "class_teacher"
DIRECTOR = "director"
DEPUTY = "deputy"
SECRETARY = "secretary"
MUNICIPAL = "municipal"
OPERATOR = "operator"

ROLE_KINDS: tuple[str, ...] = (
    STUDENT,
    PARENT,
    TEACHER,
    CLASS_TEACHER,
    DIRECTOR,
    DEPUTY,
    SECRETARY,
    MUNICIPAL,
    OPERATOR,
)
SCHOOL_ADMINISTRATION: tuple[str, ...] = (DIRECTOR, DEPUTY, SECRETARY)
SCHOOL_STAFF: tuple[str, ...] = (TEACHER, CLASS_TEACHER, *SCHOOL_ADMINISTRATION)


@dataclass(frozen=True)
class Role:
    """One role a person holds, with the context it applies to.

    ``context_id`` is the organization for staff, the class for a class teacher, the
    municipality for a municipal official, the region for the regional operator, the
    enrolment for a student; a parent's role is one for all their children (``None``).
    """

    kind: str
    context_id: int | None = None
    label: str = ""
    context_label: str = ""
    organization_id: int | None = None

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.context_id or 0}"


# --- The policy table ----------------------------------------------------------------------
# object -> action -> role kind -> scope. A role that is absent may not act at all.
# Scopes are interpreted per object by the functions domain apps register.
_STAFF_ORG = dict.fromkeys(SCHOOL_STAFF, "organization")
_ADMIN_ORG = dict.fromkeys(SCHOOL_ADMINISTRATION, "organization")
_AUTHORITIES = {MUNICIPAL: "municipality", OPERATOR: "region"}

POLICY: dict[str, dict[str, dict[str, str]]] = {
    "organization": {
        "view": {STUDENT: "own", PARENT: "children", **_STAFF_ORG, **_AUTHORITIES},
        "change": {OPERATOR: "region"},
    },
    "academic_year": {
        "view": {STUDENT: "own", PARENT: "children", **_STAFF_ORG, **_AUTHORITIES},
        "change": {**_ADMIN_ORG, OPERATOR: "region"},
    },
    "school_class": {
        "view": {STUDENT: "own", PARENT: "children", **_STAFF_ORG, **_AUTHORITIES},
        "change": {**_ADMIN_ORG, OPERATOR: "region"},
        # Entering students and parents, issuing their credentials (ACC-2).
        "enrol": {CLASS_TEACHER: "class", **_ADMIN_ORG, OPERATOR: "region"},
    },
    "person": {
        "view": {
            STUDENT: "self",
            PARENT: "family",
            **_STAFF_ORG,
            **_AUTHORITIES,
        },
        # Printing a credential slip resets the initial password (ACC-2).
        "issue_credentials": {CLASS_TEACHER: "class", **_ADMIN_ORG, OPERATOR: "region"},
    },
    "enrollment": {
        "view": {STUDENT: "self", PARENT: "children", **_STAFF_ORG, **_AUTHORITIES},
        "change": {**_ADMIN_ORG, OPERATOR: "region"},
    },
    "guardianship": {
        "view": {STUDENT: "self", PARENT: "self", **_STAFF_ORG, **_AUTHORITIES},
        "change": {**_ADMIN_ORG, CLASS_TEACHER: "class", OPERATOR: "region"},
    },
    "staff_position": {
        "view": {**_STAFF_ORG, **_AUTHORITIES},
        "change": {DIRECTOR: "organization", OPERATOR: "region"},
    },
    "subject": {
        "view": {STUDENT: "own", PARENT: "children", **_STAFF_ORG, **_AUTHORITIES},
        "change": {**_ADMIN_ORG, OPERATOR: "region"},
    },
    "municipality": {
        "view": {MUNICIPAL: "municipality", OPERATOR: "region"},
        "change": {OPERATOR: "region"},
    },
    "region": {"view": {OPERATOR: "region"}, "change": {OPERATOR: "region"}},
    "official": {"view": {**_AUTHORITIES}, "change": {OPERATOR: "region"}},
}

# Which role may open which cabinet (role home pages and role-only pages).
PAGES: dict[str, tuple[str, ...]] = {
    "student_home": (STUDENT,),
    "parent_home": (PARENT,),
    "teacher_home": (TEACHER,),
    "class_teacher_home": (CLASS_TEACHER,),
    "school_home": SCHOOL_ADMINISTRATION,
    "municipal_home": (MUNICIPAL,),
    "operator_home": (OPERATOR,),
}

# --- Registries filled by domain apps at start-up -----------------------------------------
ScopeFn = Callable[[Any, Sequence[Role]], Q]
_scopes: dict[tuple[str, str], ScopeFn] = {}
# Scopes whose filter for the roles of several kinds together is the OR of their filters
# kind by kind (see ``register_scope``): ``allowed`` asks them once for all those roles.
_merged_scopes: set[tuple[str, str]] = set()
_role_provider: Callable[[Any], list[Role]] | None = None


def register_scope(
    obj: str, scope: str, *, merge_kinds: bool = False
) -> Callable[[ScopeFn], ScopeFn]:
    """Declare how ``scope`` limits rows of ``obj``: fn(user, roles of one kind) -> Q.

    ``merge_kinds``: fn(user, roles of kinds A and B) matches exactly the rows of
    fn(user, roles of A) | fn(user, roles of B) — it reads only the union of the roles'
    contexts (``ids``, ``organization_ids``), whatever their kind. When the policy gives
    such a scope to several kinds a person holds (a teacher who is also a class teacher),
    ``allowed`` then builds its filter once instead of once per kind: the same rows, a
    shorter query (half the subqueries to build, compile and plan)."""

    def decorator(fn: ScopeFn) -> ScopeFn:
        _scopes[(obj, scope)] = fn
        if merge_kinds:
            _merged_scopes.add((obj, scope))
        else:
            _merged_scopes.discard((obj, scope))
        return fn

    return decorator


def register_policy(obj: str, actions: dict[str, dict[str, str]]) -> None:
    """Add the policy of an object that a cabinet app owns (called from its ``ready``).

    The table stays one table: an app may add a new object, never rewrite another's.
    """
    if obj in POLICY and POLICY[obj] != actions:
        raise ValueError(f"Policy for {obj!r} is already registered")
    POLICY[obj] = actions


def register_pages(pages: dict[str, tuple[str, ...]]) -> None:
    """Add which roles may open the role-only pages of a cabinet app."""
    for page, kinds in pages.items():
        if page in PAGES and PAGES[page] != kinds:
            raise ValueError(f"Page {page!r} is already registered")
        PAGES[page] = kinds


def register_role_provider(fn: Callable[[Any], list[Role]]) -> None:
    global _role_provider
    _role_provider = fn


def roles_of(user: Any) -> list[Role]:
    """Every role ``user`` holds, computed once per user object (a fixed few queries)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_parta_roles", None)
    if cached is None:
        if _role_provider is None:
            raise RuntimeError("No role provider registered (is parta.accounts installed?)")
        cached = _role_provider(user)
        user._parta_roles = cached
    return cached


def shape_of(user: Any) -> tuple[Any, ...]:
    """Everything the filter ``allowed(user, …)`` is built from: the person, their roles and
    the day (a scope reads ``user.pk`` and the roles' contexts only; a few read today's
    timetable). The key under which a compiled statement behind the policy is kept
    (``core.sql.Baked``): another role, another day, another statement."""
    return (
        getattr(user, "pk", None),
        tuple((r.kind, r.context_id, r.organization_id) for r in roles_of(user)),
        timezone.localdate(),
    )


def has_role(user: Any, *kinds: str) -> bool:
    return any(role.kind in kinds for role in roles_of(user))


def allowed(user: Any, obj: str, action: str = "view") -> Q:
    """The filter of ``obj`` rows ``user`` may ``action``; matches nothing when none."""
    rules = POLICY[obj][action]
    # The roles per kind; a scope registered with ``merge_kinds`` takes the roles of all the
    # kinds it serves at once (keyed by the scope's name instead of the kind).
    groups: dict[tuple[str, str], list[Role]] = {}
    for role in roles_of(user):
        if role.kind in rules:
            scope = rules[role.kind]
            key = ("", scope) if (obj, scope) in _merged_scopes else (role.kind, scope)
            groups.setdefault(key, []).append(role)
    condition = Q(pk__in=[])
    for (_kind, scope), roles in groups.items():
        try:
            fn = _scopes[(obj, scope)]
        except KeyError as exc:  # a policy entry without its scope is a programming error
            raise LookupError(f"No scope {scope!r} registered for {obj!r}") from exc
        condition |= fn(user, roles)
    return condition


def may(user: Any, obj: str, action: str) -> bool:
    """Whether ``user`` holds any role the policy lets ``action`` ``obj`` at all."""
    rules = POLICY[obj][action]
    return any(role.kind in rules for role in roles_of(user))


def page_roles(page: str) -> tuple[str, ...]:
    return PAGES[page]


V = TypeVar("V", bound=Callable[..., HttpResponse])


def cabinet(page: str) -> Callable[[V], V]:
    """Decorate a view that only the roles in ``PAGES[page]`` may open; others get 404."""
    kinds = PAGES[page]

    def decorator(view: V) -> V:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not has_role(request.user, *kinds):
                raise Http404
            return view(request, *args, **kwargs)

        wrapper.parta_page = page  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator


def ids(roles: Iterable[Role]) -> list[int]:
    return sorted({r.context_id for r in roles if r.context_id is not None})


def organization_ids(roles: Iterable[Role]) -> list[int]:
    """The organizations the roles are held in (a class teacher's too, through the class)."""
    return sorted({r.organization_id for r in roles if r.organization_id is not None})
