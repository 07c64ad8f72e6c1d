"""The access log (152-FZ): every time staff open a person's personal data, a row per person.

Views call ``parta.core.audit.record_view``; this receiver writes the rows in one INSERT,
whatever the number of people on the page. Not logged: a person looking at their own data,
and a parent looking at their own child's (the log is what others saw).

A row keeps a code of what was opened and its specifics (``params``); ``describe`` turns them
into a sentence in the language of whoever reads the log. The codes are listed in ``WHAT``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.dispatch import receiver
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from parta.accounts.roles import ROLE_LABELS, SESSION_KEY
from parta.core import access
from parta.core.audit import personal_data_viewed
from parta.directory.models import Guardianship
from parta.privacy.models import AccessRecord

# Codes of pages that show people's personal data -> what the parent reads in the log.
WHAT: dict[str, Promise] = {
    "class_roster": _("список класса %(class)s: ФИО, логины, вход в Парту"),
    "credential_slips": _("листок с логином и паролем (класс %(class)s)"),
    "password_reset": _("страница сброса пароля (класс %(class)s)"),
    "api_class_students": _("список учеников класса %(class)s через API"),
    "person_admin": _("карточка человека в панели управления: ФИО, СНИЛС, телефон, почта"),
    "profile": _("анкета: дата рождения, СНИЛС, гражданство, адрес для документов"),
    "name_change_document": _("документ о смене фамилии «%(name)s»"),
    "confirmation_staff": _("заявки сотрудников на подтверждение: ФИО, дата рождения, почта"),
    "confirmation_students": _("заявки учеников на подтверждение: ФИО, дата рождения"),
    "confirmation_decisions": _("решения о подтверждении, ещё не вошедшие в отчёт"),
    "confirmation_report": _("отчёт о подтверждении сотрудников и учеников"),
}

# Who acts for the school when several roles apply: the work roles first.
_FAMILY_ROLES = (access.PARENT, access.STUDENT)


def describe(what: str, params: Mapping[str, str] | None) -> str:
    """The sentence for a log row in the current language (old free-text rows as stored)."""
    text = WHAT.get(what)
    if text is None:
        return what
    try:
        return str(text) % dict(params or {})
    except (KeyError, TypeError, ValueError):  # a row written before a parameter was added
        return str(text)


def capacity(viewer: Any, request: Any = None) -> tuple[str, str]:
    """(role kind, organization or class) in which ``viewer`` acted: the role chosen in the
    switcher when it is a work role, else their first work role (the roles are ordered from
    the most specific)."""
    roles = access.roles_of(viewer)
    work = [r for r in roles if r.kind not in _FAMILY_ROLES]
    session = getattr(request, "session", None)
    chosen = session.get(SESSION_KEY) if session is not None else None
    for role in work:
        if role.key == chosen:
            return role.kind, role.context_label
    if work:
        return work[0].kind, work[0].context_label
    return "", ""


def role_label(kind: str) -> str:
    return str(ROLE_LABELS[kind]) if kind in ROLE_LABELS else ""


@receiver(personal_data_viewed, dispatch_uid="parta.privacy.access_log")
def _record(
    sender: Any,
    *,
    viewer: Any,
    subject_ids: list[int],
    what: str,
    path: str,
    params: Mapping[str, str] | None = None,
    request: Any = None,
    **kwargs: Any,
) -> None:
    subjects = [pk for pk in subject_ids if pk != viewer.pk]
    if not subjects:
        return
    own_children = set(
        Guardianship.objects.filter(guardian_id=viewer.pk, child_id__in=subjects).values_list(
            "child_id", flat=True
        )
    )
    subjects = [pk for pk in subjects if pk not in own_children]
    if not subjects:
        return
    role, place = capacity(viewer, request)
    AccessRecord.objects.bulk_create(
        [
            AccessRecord(
                viewer_id=viewer.pk,
                subject_id=pk,
                what=what[:200],
                params=dict(params or {}),
                viewer_role=role,
                viewer_place=place[:200],
                path=path,
            )
            for pk in subjects
        ]
    )
