"""The journal's shared cast on top of the project's (``cast``): see ``fixtures.py``."""

from __future__ import annotations

import pytest

from parta.journal.tests.fixtures import JournalCast, make_journal


@pytest.fixture
def journal(cast) -> JournalCast:  # type: ignore[no-untyped-def]
    return make_journal(cast)
