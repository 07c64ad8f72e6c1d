"""Static addresses are worked out once per process and file (``core.staticfiles``)."""

from __future__ import annotations

from django.contrib.staticfiles.storage import StaticFilesStorage

from parta.core.staticfiles import PlainStorage


def test_an_address_is_the_storages_own_and_worked_out_once(settings):
    settings.STATIC_URL = "/static/"
    asked: list[str] = []

    class Counting(StaticFilesStorage):
        def url(self, name, *args, **kwargs):
            asked.append(name)
            return super().url(name, *args, **kwargs)

    class Kept(PlainStorage, Counting):
        pass

    storage = Kept()
    for _ in range(3):
        assert storage.url("parta/a b.css") == StaticFilesStorage().url("parta/a b.css")
    assert storage.url("parta/other.js") == "/static/parta/other.js"
    assert asked == ["parta/a b.css", "parta/other.js"]
