"""The WSGI application that production servers run (granian, ADR 0015; gunicorn).

Once loaded, the process's long-lived objects are frozen out of the garbage collector's
scans, and once more after its first requests (``core.serving``, ADR 0017)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parta.settings")
_django = get_wsgi_application()

from django.conf import settings  # noqa: E402 — configured by get_wsgi_application

from parta.core import serving  # noqa: E402

application: serving.WSGIApp
if settings.PARTA_GC_FREEZE:
    serving.settle()
    application = serving.FreezeAfter(_django, settings.PARTA_GC_FREEZE_AFTER)
else:
    application = _django
