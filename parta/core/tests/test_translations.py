"""Everything a person reads exists in Russian, Kazakh and English."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

LOCALE = Path(settings.LOCALE_PATHS[0])
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\{ ?\w+ ?\}\}|\{\w+\}")


def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("language", ["kk", "en"])
def test_every_string_is_translated(language):
    po = catalogue(language)
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, (
        f"{language}: {len(untranslated)} untranslated, e.g. {untranslated[:5]}"
    )
    assert not fuzzy, f"{language}: {len(fuzzy)} fuzzy, e.g. {fuzzy[:5]}"


def test_russian_counted_messages_have_all_plural_forms():
    for entry in catalogue("ru"):
        if entry.msgid_plural:
            assert all(entry.msgstr_plural.get(i) for i in range(4)), entry.msgid


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_translations_keep_every_placeholder(language):
    for entry in catalogue(language):
        source = sorted(PLACEHOLDER.findall(entry.msgid))
        targets = [entry.msgstr] if not entry.msgid_plural else entry.msgstr_plural.values()
        for target in targets:
            if target:
                assert sorted(set(PLACEHOLDER.findall(target))) == sorted(set(source)), (
                    f"{language}: {entry.msgid!r} -> {target!r}"
                )


def test_committed_catalogues_are_compiled():
    from django.core.management import call_command

    call_command("compile_translations", "--check")


@pytest.mark.parametrize(
    ("language", "text"),
    [("ru", "Вход в Парту"), ("kk", "Партаға кіру"), ("en", "Sign in to Parta")],
)
def test_sign_in_page_speaks_the_chosen_language(client, language, text):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("account_login"))
    assert f'<html lang="{language}"' in response.content.decode()
    assert text in response.content.decode()


@pytest.mark.django_db
def test_not_found_page_speaks_the_chosen_language(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_catalogues_hold_every_string_of_the_code(tmp_path, settings):
    """A string wrapped in gettext but missing from the catalogues would show in Russian to
    a Kazakh or English reader: extract the code's strings afresh and compare.

    Needs GNU gettext (xgettext), as ``make translations`` does; ``make test`` installs it
    (bin/test-deps). Without it the test fails: nothing else would check the catalogues.
    """
    import os
    import shutil

    from django.core.management import call_command

    assert shutil.which("xgettext"), "GNU gettext (xgettext) is needed: install 'gettext'"
    settings.LOCALE_PATHS = [str(tmp_path)]
    cwd = os.getcwd()
    os.chdir(settings.BASE_DIR)
    try:
        call_command(
            "makemessages",
            locale=["kk"],
            no_location=True,
            # "locale" too: makemessages would otherwise write into the catalogues it finds.
            ignore_patterns=[
                *(".venv", "node_modules", "bench", "var", "build", "*.egg-info", "locale"),
            ],
            verbosity=0,
        )
    finally:
        os.chdir(cwd)
    fresh = polib.pofile(str(tmp_path / "kk" / "LC_MESSAGES" / "django.po"))
    for language in ("ru", "kk", "en"):
        known = {(e.msgctxt, e.msgid) for e in catalogue(language) if not e.obsolete}
        missing = [e.msgid for e in fresh if (e.msgctxt, e.msgid) not in known]
        assert not missing, (
            f"{language}: {len(missing)} strings of the code are not in the catalogue "
            f"(run `make translations` and translate them), e.g. {missing[:5]}"
        )


@pytest.mark.parametrize(
    ("language", "short", "long"),
    [
        ("ru", "29.11.2026", "29 ноября 2026 г."),
        ("kk", "29.11.2026", "29.11.2026"),
        ("en", "29.11.2026", "29 November 2026"),
    ],
)
def test_dates_read_as_the_language_writes_them(language, short, long):
    """Django has no Kazakh formats and American English ones: a Kazakh page said 11/29/2026."""
    import datetime

    from django.utils import formats, translation

    day = datetime.date(2026, 11, 29)
    with translation.override(language):
        assert formats.date_format(day, "SHORT_DATE_FORMAT") == short
        assert formats.date_format(day, "DATE_FORMAT") == long
        assert formats.get_format("FIRST_DAY_OF_WEEK") == 1
