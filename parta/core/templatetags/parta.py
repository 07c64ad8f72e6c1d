"""Template helpers shared by every page."""

from __future__ import annotations

from django import forms, template
from django.forms.boundfield import BoundField
from django.utils.safestring import SafeString

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
