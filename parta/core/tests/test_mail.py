"""Parta's own letters (parta.core.mail): the reader's language, sent after the commit, and a
mail server that is down never undoes what was saved."""

from __future__ import annotations

import logging
import socket

import pytest
from django.core import mail

from parta.core.mail import render_letter, send_letter, send_letters

CONTEXT = {"first_name": "Ирина", "place": "учитель", "organization": "Школа № 1"}


@pytest.mark.parametrize(("language", "prefix"), [("ru", "Парта: "), ("en", "Parta: ")])
def test_subject_starts_with_parta_in_the_readers_language(language, prefix):
    letter = render_letter("confirmation/letters/decided", {**CONTEXT, "confirmed": True}, language)
    assert letter.subject.startswith(prefix)
    assert "  " not in letter.subject and "\n" not in letter.subject


@pytest.mark.django_db
def test_letters_wait_for_the_commit_and_go_in_one_batch(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        send_letter("confirmation/letters/decided", ["a@example.ru"], CONTEXT)
        send_letter("confirmation/letters/decided", [""], CONTEXT)  # no address: no letter
        assert not mail.outbox
    assert len(callbacks) == 1
    assert [m.to for m in mail.outbox] == [["a@example.ru"]]


@pytest.mark.django_db
def test_a_mail_server_that_is_down_is_logged_not_raised(
    settings, caplog, django_capture_on_commit_callbacks
):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    letter = render_letter("confirmation/letters/decided", CONTEXT)
    letter.to = ["a@example.ru"]
    with (
        caplog.at_level(logging.ERROR, logger="parta.core.mail"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        send_letters([letter])
    assert "1 letter(s) could not be sent" in caplog.text
