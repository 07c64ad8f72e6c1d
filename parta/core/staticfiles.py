"""The static files' storages, with each file's address worked out once per process.

Every page names about ten static files (the stylesheets, scripts and icons of ``base.html``
and its own); Django's ``{% static %}`` asks the storage for each address on every render —
for the manifest storage of production a lookup of the hashed name, for the plain one a
join and a quote. The files and their names do not change while a process runs (a new
``collectstatic`` comes with a restart), so the answer is kept per name.
"""

from __future__ import annotations

from typing import Any

from django.contrib.staticfiles.storage import StaticFilesStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


class _KeptUrls:
    _kept_urls: dict[str, str]

    def url(self, name: Any, *args: Any, **kwargs: Any) -> str:
        if args or kwargs or not isinstance(name, str):
            return super().url(name, *args, **kwargs)  # type: ignore[misc]
        kept = self.__dict__.setdefault("_kept_urls", {})
        found = kept.get(name)
        if found is None:
            found = kept[name] = super().url(name)  # type: ignore[misc]
        return found


class ManifestStorage(_KeptUrls, CompressedManifestStaticFilesStorage):
    """Production: whitenoise's hashed, compressed files."""


class PlainStorage(_KeptUrls, StaticFilesStorage):
    """Development and tests: the files under their own names."""
