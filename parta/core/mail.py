"""Letters Parta sends by itself (not allauth's): rendered in the recipient's language.

A letter is two templates, ``<name>_subject.txt`` and ``<name>_message.txt``; it is sent after
the current transaction commits, so a rolled-back decision never announces itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation


def render_letter(name: str, context: dict[str, Any], language: str | None = None) -> EmailMessage:
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"{name}_subject.txt", context).strip()
        body = render_to_string(f"{name}_message.txt", context)
    return EmailMessage(
        subject=" ".join(f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}".split()),
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
    transaction.on_commit(lambda: message.send(fail_silently=False))
