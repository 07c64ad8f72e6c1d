"""ADR 0017: a serving process freezes its long-lived objects out of the collector's scans."""

from __future__ import annotations

import gc
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from parta.core import serving


@pytest.fixture(autouse=True)
def _unfrozen() -> Iterator[None]:
    """Each test starts and ends with nothing frozen (the test process is not a server)."""
    gc.unfreeze()
    yield
    gc.unfreeze()


def _get(application: Any, path: str = "/") -> tuple[str, bytes]:
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
    }
    answer: dict[str, str] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        answer["status"] = status

    body = b"".join(application(environ, start_response))
    return answer["status"], body


def _hello(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [environ["PATH_INFO"].encode()]


def test_settle_freezes_what_is_alive() -> None:
    frozen = serving.settle()
    assert frozen == gc.get_freeze_count() > 10_000
    kept = serving.settle
    assert not any(kept is o for o in gc.get_objects())  # out of the collector's walks
    made_after = [object()]
    assert any(made_after is o for o in gc.get_objects(generation=0))


def test_freeze_after_freezes_once_after_the_first_requests() -> None:
    application = serving.FreezeAfter(_hello, 3)
    for _ in range(2):
        assert _get(application, "/a") == ("200 OK", b"/a")
    assert gc.get_freeze_count() == 0
    assert _get(application, "/b") == ("200 OK", b"/b")
    assert gc.get_freeze_count() > 10_000
    gc.unfreeze()
    for _ in range(4):
        assert _get(application)[0] == "200 OK"
    assert gc.get_freeze_count() == 0  # once per process, not every 3 requests


def test_freeze_after_zero_never_freezes() -> None:
    application = serving.FreezeAfter(_hello, 0)
    for _ in range(3):
        assert _get(application)[0] == "200 OK"
    assert gc.get_freeze_count() == 0


_PROBE = (
    "import gc, sys; import parta.wsgi as w; "
    "print(type(w.application).__name__, gc.get_freeze_count(), "
    "'parta.journal.views_grid' in sys.modules)"
)


@pytest.mark.parametrize("on", ["1", "0"])
def test_a_fresh_serving_process_imports_every_view_and_freezes(on: str) -> None:
    """``parta.wsgi`` as a server loads it: in a process of its own."""
    env = {**os.environ, "PARTA_GC_FREEZE": on, "DJANGO_SETTINGS_MODULE": "parta.settings"}
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, env=env, check=True
    )
    kind, frozen, views = done.stdout.split()
    if on == "1":
        assert kind == "FreezeAfter" and int(frozen) > 50_000 and views == "True"
    else:
        assert kind == "WSGIHandler" and frozen == "0"
