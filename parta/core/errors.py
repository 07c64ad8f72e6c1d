"""The error services raise when a rule says no; its message is for the person."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise


class DomainError(Exception):
    """A business rule refused the action. ``message`` is translated text a person can act on.

    ``field`` names the form field the error belongs to, when there is one. Views and API
    endpoints turn it into a form error or a 4xx JSON body — never a 500.
    """

    def __init__(self, message: str | Promise, *, field: str | None = None, code: str = "") -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.code = code


def form_error(form: Any, error: DomainError) -> None:
    """Show a refused action on its form: on the field the rule names, if the form has it,
    otherwise above the form; what the person typed stays in the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


class ProviderError(Exception):
    """An outside service (an SMS gateway, a payment provider) could not be asked or refused.

    ``message`` is for the person; ``detail`` for the log (never a key or a password);
    ``code`` the kind of failure, for the caller to decide whether to try again.
    """

    def __init__(self, message: Any, *, detail: str = "", code: str = "") -> None:
        super().__init__(str(message))
        self.message = message
        self.detail = detail
        self.code = code
