"""Template helpers shared by every page."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from django import forms, template
from django.forms.boundfield import BoundField
from django.middleware.csrf import get_token
from django.template import Context
from django.urls import get_script_prefix
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def widget(field: BoundField) -> SafeString:
    """Render a form field's widget with Bootstrap classes and its accessibility attributes.

    The error and help texts are linked by ``aria-describedby``; an invalid field says so
    with ``aria-invalid``.
    """
    w = field.field.widget
    css = "form-select" if isinstance(w, forms.Select | forms.SelectMultiple) else "form-control"
    if isinstance(w, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple):
        css = "form-check-input"
    attrs: dict[str, str | bool] = {"class": f"{w.attrs.get('class', '')} {css}".strip()}
    described = []
    if field.errors:
        attrs["class"] = f"{attrs['class']} is-invalid"
        attrs["aria-invalid"] = "true"
        described.append(f"{field.auto_id}_errors")
    if field.help_text:
        described.append(f"{field.auto_id}_help")
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=attrs)


# --- the header ---------------------------------------------------------------------------------
# Holes in a kept header: this response's CSRF token and the address the language form returns
# to (NUL cannot occur in either, nor in anything a template writes).
_TOKEN = "\x00parta-csrf-token\x00"  # noqa: S105 (a placeholder, not a secret)
_PATH = "\x00parta-path\x00"
_HEADERS: OrderedDict[tuple[Any, ...], str] = OrderedDict()
_HEADERS_LOCK = threading.Lock()
_HEADERS_SIZE = 2048


def _header_parts(context: Context, user: Any) -> tuple[Any, ...]:
    """Everything ``partials/header.html`` shows, but the token and the address."""
    role = context.get("parta_active_role")
    roles = context.get("parta_roles") or ()
    inbox, messages = context.get("parta_inbox_unread"), context.get("parta_messages_unread")
    return (
        user.pk,
        user.short_name,
        user.is_staff,
        translation.get_language(),
        get_script_prefix(),
        context.get("help_topic", ""),
        (role.key, str(role.label), str(role.context_label)) if role else None,
        tuple((r.key, str(r.label), str(r.context_label)) for r in roles),
        int(inbox.value) if inbox is not None else None,
        int(messages.value) if messages is not None else None,
    )


@register.simple_tag(takes_context=True)
def site_header(context: Context) -> SafeString:
    """``partials/header.html`` (every page's header), rendered once per person, name, role,
    language, page and badge counts and kept in this process; each response gets its own
    CSRF token and address put in. Rendering it cost ≈ 1 ms of every page (fifty tags); a
    kept one costs the key and two replacements."""
    request, user = context.get("request"), context.get("user")
    template = context.template.engine.get_template("partials/header.html")  # type: ignore[union-attr]
    if request is None or user is None or not user.is_authenticated:
        path = request.get_full_path() if request is not None else ""
        with context.push(header_path=path):
            return mark_safe(template.render(context))  # noqa: S308 (our template)
    key = _header_parts(context, user)  # the parts themselves: no two people share a key
    with _HEADERS_LOCK:
        html = _HEADERS.get(key)
        if html is not None:
            _HEADERS.move_to_end(key)
    if html is None:
        with context.push(csrf_token=_TOKEN, header_path=_PATH):
            html = template.render(context)
        with _HEADERS_LOCK:
            _HEADERS[key] = html
            while len(_HEADERS) > _HEADERS_SIZE:
                _HEADERS.popitem(last=False)
    filled = html.replace(_TOKEN, get_token(request)).replace(
        _PATH, escape(request.get_full_path())
    )
    return mark_safe(filled)  # noqa: S308 (our template, the token and an escaped address)
