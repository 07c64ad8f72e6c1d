"""Letters Parta sends by itself (not allauth's): rendered in the recipient's language.

A letter is two templates, ``<name>_subject.txt`` and ``<name>_message.txt``; it is sent after
the current transaction commits, so a rolled-back decision never announces itself. A mail
server that is down must not turn a saved decision into an error page: the sending runs
``robust`` (its failure is logged, the decision stands). Why the letters do not go through the
task queue yet: docs/architecture.md, "Where logic lives".
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext

logger = logging.getLogger(__name__)


def render_letter(name: str, context: dict[str, Any], language: str | None = None) -> EmailMessage:
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"{name}_subject.txt", context).strip()
        body = render_to_string(f"{name}_message.txt", context)
        # "Парта: …" in the reader's language, as allauth's letters (AccountAdapter).
        subject = gettext("Парта: %(subject)s") % {"subject": " ".join(subject.split())}
    return EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
    )


def send_letter(
    name: str,
    to: Sequence[str],
    context: dict[str, Any],
    *,
    language: str | None = None,
    attachments: Sequence[tuple[str, bytes, str]] = (),
) -> None:
    """Send the letter ``name`` to ``to`` once the surrounding transaction commits."""
    recipients = [address for address in to if address]
    if not recipients:
        return
    message = render_letter(name, context, language)
    message.to = list(recipients)
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    send_letters([message])


def send_letters(messages: Sequence[EmailMessage]) -> None:
    """Send rendered letters through one SMTP connection once the transaction commits."""
    if not messages:
        return
    letters = list(messages)

    def deliver() -> None:
        try:
            get_connection().send_messages(letters)
        except Exception:
            logger.exception("%s letter(s) could not be sent", len(letters))

    transaction.on_commit(deliver)
