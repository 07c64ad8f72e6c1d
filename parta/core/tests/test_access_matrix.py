"""The IDOR matrix: every view and endpoint, as every member of the cast.

Every named URL of the site must have a row in ``PAGES`` (or be in an excluded namespace
tested as a whole below); a new view without a row fails ``test_every_view_is_in_the_matrix``.
A row says which cast members may open it; everybody else must get exactly what a missing
object gets (404), and an anonymous visitor is sent to sign in. Object views are requested
with one object of the cast, chosen so that some members may see it and some may not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from parta.conftest import Cast

MEMBERS = (
    "student",
    "parent",
    "other_parent",
    "class_teacher",
    "other_teacher",
    "director",
    "official",
    "operator",
)
EVERYONE = frozenset(MEMBERS)


@dataclass(frozen=True)
class Row:
    """Who may open a view: ``allowed`` members get ``ok`` (200), the rest 404."""

    allowed: frozenset[str]
    args: Callable[[Cast], list[Any]] = field(default=lambda cast: [])
    ok: int = 200
    public: bool = False  # anonymous visitors may open it too
    method: str = "get"
    data: Callable[[Cast], dict[str, Any]] | None = None


def only(*members: str) -> frozenset[str]:
    return frozenset(members)


ISSUERS = only("class_teacher", "director", "operator")


def THE_CLASS(cast: Cast) -> list[Any]:
    return [cast.school_class.pk]


# --- the matrix ---------------------------------------------------------------------------
PAGES: dict[str, Row] = {
    "home": Row(EVERYONE, ok=302),
    "role_switch": Row(EVERYONE, ok=302, method="post", data=lambda cast: {"role": "none"}),
    # Only for people who still hold an issued password; everyone else is sent home.
    "set_initial_password": Row(EVERYONE, ok=302),
    "no_role_home": Row(EVERYONE),
    "student_home": Row(only("student")),
    "parent_home": Row(only("parent", "other_parent")),
    "teacher_home": Row(only("class_teacher", "other_teacher")),
    "class_teacher_home": Row(only("class_teacher")),
    "school_home": Row(only("director")),
    "municipal_home": Row(only("official")),
    "operator_home": Row(only("operator")),
    "help": Row(EVERYONE, public=True),
    "healthz": Row(EVERYONE, public=True),
    "set_language": Row(
        EVERYONE, public=True, ok=302, method="post", data=lambda cast: {"language": "en"}
    ),
    # ACC-2: the class teacher for their class, the school's administration, the operator.
    "issuing_roster": Row(ISSUERS, args=THE_CLASS),
    "issuing_student_add": Row(ISSUERS, args=THE_CLASS),
    "issuing_roster_upload": Row(ISSUERS, args=THE_CLASS),
    "issuing_roster_template": Row(ISSUERS, args=THE_CLASS),
    "issuing_slips_print": Row(
        ISSUERS, args=THE_CLASS, method="post", ok=302, data=lambda cast: {"which": "pending"}
    ),
    "issuing_password_reset": Row(
        ISSUERS, args=lambda cast: [cast.school_class.pk, cast.parent.pk]
    ),
}

# Namespaces tested as a whole elsewhere in this file.
EXCLUDED_NAMESPACES = {"admin", "api"}


@dataclass(frozen=True)
class AccountRow:
    """A sign-in page: what an anonymous visitor and what any signed-in person gets."""

    anonymous: int
    signed_in: int
    args: tuple[str, ...] = ()


# Allauth's pages under /accounts/: about one's own account only, so the same for every member.
ACCOUNT_PAGES: dict[str, AccountRow] = {
    "account_login": AccountRow(200, 302),
    "account_logout": AccountRow(302, 200),
    "account_inactive": AccountRow(200, 200),
    "account_signup": AccountRow(200, 302),  # closed: school accounts are issued (ACC-2)
    "account_reauthenticate": AccountRow(302, 200),
    "account_email": AccountRow(302, 200),
    "account_email_verification_sent": AccountRow(200, 200),
    "account_change_password": AccountRow(302, 200),
    "account_set_password": AccountRow(302, 302),  # everyone in the cast has a password
    "account_reset_password": AccountRow(200, 200),
    "account_reset_password_done": AccountRow(200, 200),
    "account_reset_password_from_key_done": AccountRow(200, 200),
    "account_confirm_login_code": AccountRow(302, 302),  # sign-in by code is off
    # A made-up key: the "link is not valid" page, never someone's account.
    "account_confirm_email": AccountRow(200, 200, args=("made-up-key",)),
    "account_reset_password_from_key": AccountRow(200, 200, args=("0", "made-up-key")),
}


def _named_patterns(
    patterns: list[URLPattern | URLResolver], prefix: str = "", namespace: str | None = None
) -> list[tuple[str | None, str, str]]:
    found: list[tuple[str | None, str, str]] = []
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or namespace
            found += _named_patterns(p.url_patterns, prefix + str(p.pattern), ns)
        else:
            found.append((namespace, p.name or "", prefix + str(p.pattern)))
    return found


def site_views() -> list[tuple[str, str]]:
    """(name, route) of every view outside the excluded namespaces and allauth."""
    views = []
    for namespace, name, route in _named_patterns(get_resolver().url_patterns):
        if namespace in EXCLUDED_NAMESPACES:
            continue
        views.append((name, route))
    return views


def test_every_view_is_in_the_matrix():
    unnamed = [route for name, route in site_views() if not name]
    assert not unnamed, f"Views without a name cannot be checked: {unnamed}"
    rows = PAGES.keys() | ACCOUNT_PAGES.keys()
    missing = sorted({name for name, _ in site_views()} - rows)
    assert not missing, f"Add these views to the access matrix (PAGES): {missing}"
    stale = sorted(rows - {name for name, _ in site_views()})
    assert not stale, f"The matrix names views that no longer exist: {stale}"


def _request(client: Client, row: Row, name: str, cast: Cast) -> Any:
    url = reverse(name, args=row.args(cast))
    data = row.data(cast) if row.data else {}
    return client.post(url, data) if row.method == "post" else client.get(url, data)


@pytest.mark.parametrize("name", sorted(PAGES))
@pytest.mark.parametrize("member", MEMBERS)
def test_view_access_follows_the_policy(cast, client, name, member):
    row = PAGES[name]
    client.force_login(cast.members[member])
    response = _request(client, row, name, cast)
    expected = row.ok if member in row.allowed else 404
    assert response.status_code == expected, (
        f"{member} on {name}: got {response.status_code}, expected {expected}"
    )


@pytest.mark.parametrize("name", sorted(PAGES))
def test_anonymous_is_sent_to_sign_in(cast, client, name):
    row = PAGES[name]
    response = _request(client, row, name, cast)
    if row.public:
        assert response.status_code == row.ok
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name", sorted(ACCOUNT_PAGES))
@pytest.mark.parametrize("member", (None, *MEMBERS))
def test_account_pages_answer_as_declared(cast, client, name, member):
    row = ACCOUNT_PAGES[name]
    if member:
        client.force_login(cast.members[member])
    response = client.get(reverse(name, args=row.args))
    expected = row.signed_in if member else row.anonymous
    assert response.status_code == expected, f"{member or 'anonymous'} on {name}"
    if response.status_code == 200:
        assert 'class="navbar-brand' in response.content.decode(), "not in Parta's layout"


# --- the Django admin: only the regional operator, and only their region -------------------
@pytest.mark.parametrize("member", MEMBERS)
def test_admin_opens_only_for_the_operator(cast, client, member):
    client.force_login(cast.members[member])
    response = client.get(reverse("admin:index"))
    assert response.status_code == (200 if member == "operator" else 404)


def test_admin_sends_anonymous_to_its_sign_in(client):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


# --- the API: every operation of the OpenAPI schema -----------------------------------------
CLASS_VIEWERS = only("student", "parent", "class_teacher", "director", "official", "operator")
API: dict[tuple[str, str], Row] = {
    ("get", "/api/v1/me"): Row(EVERYONE),
    ("get", "/api/v1/me/roles"): Row(EVERYONE),
    ("get", "/api/v1/me/children"): Row(EVERYONE),
    ("get", "/api/v1/children/{child_id}"): Row(
        only("parent"), args=lambda cast: [cast.student.pk]
    ),
    ("get", "/api/v1/me/classes"): Row(EVERYONE),
    ("get", "/api/v1/classes/{class_id}"): Row(CLASS_VIEWERS, args=THE_CLASS),
    ("get", "/api/v1/classes/{class_id}/students"): Row(CLASS_VIEWERS, args=THE_CLASS),
    ("post", "/api/v1/tokens"): Row(EVERYONE, ok=201, method="post"),
    ("get", "/api/v1/tokens"): Row(EVERYONE),
    # A token of the parent's: only its owner may revoke it.
    ("delete", "/api/v1/tokens/{token_id}"): Row(
        only("parent"), args=lambda cast: [parent_token(cast).pk], ok=204, method="delete"
    ),
}


def parent_token(cast: Cast) -> Any:
    from parta.accounts.tokens import api_token_create

    return api_token_create(user=cast.parent, name="matrix").token


def api_operations() -> set[tuple[str, str]]:
    from parta.api import api

    schema = api.get_openapi_schema()
    return {
        (method, path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }


def test_every_api_operation_is_in_the_matrix():
    assert api_operations() == set(API), (
        f"Missing: {sorted(api_operations() - set(API))}; stale: {sorted(set(API) - api_operations())}"
    )


def _api_request(client: Client, key: tuple[str, str], row: Row, cast: Cast) -> Any:
    method, path = key
    for value in row.args(cast):
        path = path.replace(path[path.index("{") : path.index("}") + 1], str(value), 1)
    if method == "post":
        return client.post(path, {"name": "matrix"}, content_type="application/json")
    return getattr(client, method)(path)


@pytest.mark.parametrize("key", sorted(API), ids=lambda k: f"{k[0]} {k[1]}")
@pytest.mark.parametrize("member", MEMBERS)
def test_api_access_follows_the_policy(cast, client, key, member):
    row = API[key]
    client.force_login(cast.members[member])
    response = _api_request(client, key, row, cast)
    expected = row.ok if member in row.allowed else 404
    assert response.status_code == expected, f"{member} on {key}: {response.status_code}"


@pytest.mark.parametrize("key", sorted(API), ids=lambda k: f"{k[0]} {k[1]}")
def test_api_refuses_anonymous_callers(cast, client, key):
    response = _api_request(client, key, API[key], cast)
    assert response.status_code == 401
