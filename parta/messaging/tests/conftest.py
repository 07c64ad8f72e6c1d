"""Messaging is tested over the journal's cast: who teaches whom decides who may write."""

from __future__ import annotations

import pytest

from parta.journal.tests.fixtures import JournalCast, make_journal


@pytest.fixture
def journal(cast) -> JournalCast:  # type: ignore[no-untyped-def]
    return make_journal(cast)
