"""Demo complaints (ACC-6) in the demo municipality: one new, one in work, one answered.

``demo-municipal`` sees them in the queue; the status page of each opens by its private link
(the demo prints none: the links are in the letters, which go nowhere in demo mode).
Idempotent: runs on every ``manage.py demo``.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from parta.accounts.tokens import hash_token
from parta.complaints.models import Complaint
from parta.directory.demo import EMAIL_DOMAIN, DemoLogin, demo_school

COMPLAINTS = (
    (
        "Школа № 1",
        "Классный руководитель 3А две недели не выдаёт логин и пароль от дневника, говорит, "
        "что листки ещё не напечатаны. Ребёнок не видит домашние задания.",
        "классный руководитель 3А",
        "Гаврилова Светлана Андреевна",
        Complaint.Status.NEW,
        timedelta(hours=3),
        "",
    ),
    (
        "Лицей № 2",
        "Секретарь отказывается вносить второго родителя (отца) в Парту, хотя у нас "
        "совместная опека. Просим разобраться.",
        "",
        "Тихонов Роман Сергеевич",
        Complaint.Status.IN_PROGRESS,
        timedelta(days=2),
        "",
    ),
    (
        "Гимназия № 5",
        "После перевода из другой школы ребёнку не выдали учётную запись, прошёл месяц.",
        "заместитель директора по УВР",
        "Белова Ольга Николаевна",
        Complaint.Status.ANSWERED,
        timedelta(days=9),
        "Здравствуйте, Ольга Николаевна! Гимназия № 5 внесла ребёнка в класс 7А 3 декабря, "
        "данные для входа выдаст классный руководитель. Сроки выдачи взяты на контроль.",
    ),
)


def populate() -> list[DemoLogin]:
    municipal = get_user_model().objects.filter(username="demo-municipal").first()
    if municipal is None or Complaint.objects.filter(email__endswith=EMAIL_DOMAIN).exists():
        return []
    now = timezone.now()
    for n, (school, text, employee, name, status, age, answer) in enumerate(COMPLAINTS):
        complaint = Complaint.objects.create(
            organization=demo_school(school),
            text=text,
            employee=employee,
            complainant_name=name,
            email=f"complainant{n + 1}@{EMAIL_DOMAIN}",
            phone=f"+790000000{n + 1:02d}" if n != 1 else "",
            language="ru",
            access_key_hash=hash_token(secrets.token_urlsafe(32)),
            status=status,
        )
        fields: dict[str, Any] = {"created_at": now - age}
        if status != Complaint.Status.NEW:
            fields |= {"taken_by": municipal, "taken_at": now - age + timedelta(hours=20)}
        if status == Complaint.Status.ANSWERED:
            fields |= {
                "answer": answer,
                "answered_by": municipal,
                "answered_at": now - age + timedelta(days=3),
            }
        Complaint.objects.filter(pk=complaint.pk).update(**fields)
    return []
