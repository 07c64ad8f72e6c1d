"""Schemathesis fuzzes every /api/v1/ operation against the schema the app publishes.

As a member of the cast (token, and a session with its CSRF token for the one operation
that needs a session): no server error, and every status code, content type and body is the
one the schema documents. With no credentials: every operation is refused with 401.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from parta.accounts.models import ApiToken
from parta.accounts.tokens import api_token_create
from parta.wsgi import application

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
FUZZ = settings(
    max_examples=25,
    deadline=None,
    database=None,  # no .hypothesis/ directory in the working tree
    suppress_health_check=list(HealthCheck),
)
CSRF = "fuzzcsrf" * 4  # any 32 letters: the cookie and the header only need to agree


# Loaded from the app itself (the schema needs no database). schemathesis' lazy
# ``from_fixture`` loader does not run under pytest 9, hence the eager load.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture(autouse=True)
def _keep_test_connection(db):
    """The app is called in-process, inside the test's transaction: like Django's test
    client, keep the end of each request from closing that connection."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def signed_in(cast):
    """Headers of the cast's class teacher: a fresh token (the fuzzer may revoke any of
    them) and a session for POST /tokens."""
    client = Client()
    client.force_login(cast.class_teacher)
    session = client.cookies["sessionid"].value

    def headers() -> dict[str, str]:
        # Keep well under the limit of active tokens whatever the fuzzer created.
        ApiToken.objects.filter(user=cast.class_teacher).delete()
        secret = api_token_create(user=cast.class_teacher, name="fuzz").secret
        return {
            "Authorization": f"Bearer {secret}",
            "Cookie": f"sessionid={session}; csrftoken={CSRF}",
            "X-CSRFToken": CSRF,
        }

    return headers


@FUZZ
@schema.parametrize()
def test_api_conforms_to_its_schema_for_a_signed_in_person(case, signed_in):
    case.call_and_validate(headers=signed_in(), checks=CHECKS)


@FUZZ
@schema.parametrize()
def test_api_refuses_every_operation_without_credentials(case, cast):
    response = case.call_and_validate(checks=CHECKS[:-1])
    if case.method.upper() == case.operation.method.upper():
        assert response.status_code == 401, f"{case.method} {case.formatted_path}"
    else:  # the fuzzer also tries methods the path does not have
        assert response.status_code == 405
