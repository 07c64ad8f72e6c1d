"""A serving process's long-lived objects are kept out of the garbage collector's scans.

CPython's collector walks every container object of a generation; its oldest generation
holds what a Django process builds once and keeps: the modules, classes and functions of
every app and view, the URL patterns, compiled templates, translation catalogues, the
compiled statements of ``core.sql.Baked`` and the kept headers. In a Parta process that is
about 200,000 objects, and one pass over them held the interpreter (every thread of the
process) for 90–270 ms on the benchmark machine — every few seconds under load, a pause
that lands on every request the process is serving at that moment (ADR 0017).

``gc.freeze()`` moves the objects alive at that moment into a permanent generation that the
collector no longer walks; objects made later are collected as before, and a frozen object
that becomes garbage is freed by reference counting as usual (only a frozen *cycle* stays,
which the collector would have freed). So:

* ``settle()`` — called by ``parta.wsgi`` once the application is loaded — imports the
  URLconf (every view module), collects once, and freezes what is left;
* ``FreezeAfter`` wraps the WSGI application and freezes once more after a process's first
  ``PARTA_GC_FREEZE_AFTER`` requests (1,000 by default; 0 switches it off), when templates,
  catalogues and the statements of the busiest shapes have been made. It does not collect
  first: that pass would be the very pause this avoids. Garbage cycles alive at that moment
  (a few, from the requests in progress) stay frozen; that happens once per process.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterable
from typing import Any

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def settle() -> int:
    """Import every view, collect, freeze. Returns the number of frozen objects."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 — imports the URLconf and every view module
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


class FreezeAfter:
    """The WSGI application, freezing the collector's objects once after ``requests``
    requests of this process (``0``: never)."""

    def __init__(self, application: WSGIApp, requests: int) -> None:
        self.application = application
        self._left = requests
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if self._left > 0:
            with self._lock:
                self._left -= 1
                if self._left == 0:
                    gc.freeze()
        return self.application(environ, start_response)
