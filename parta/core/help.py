"""Help topics for the "?" on every page (HELP-1): what the page is for, how to use it."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Topic:
    slug: str
    title: str | Promise
    paragraphs: tuple[str | Promise, ...]


HELP_TOPICS: tuple[Topic, ...] = (
    Topic(
        "sign-in",
        _("Вход в Парту"),
        (
            _(
                "Войти можно по логину, электронной почте, номеру телефона или СНИЛС — "
                "с одним и тем же паролем."
            ),
            _(
                "Логин и первый пароль выдаёт классный руководитель на листке с данными для "
                "входа. При первом входе Парта попросит придумать свой пароль; выданный "
                "пароль после этого перестаёт работать."
            ),
            _(
                "Забыли пароль? Нажмите «Забыли пароль?» на странице входа: ссылка для "
                "восстановления придёт на вашу почту и действует один раз. Если почты в "
                "Парте нет, обратитесь к классному руководителю — он выдаст новый листок."
            ),
        ),
    ),
    Topic(
        "roles",
        _("Роли и переключение"),
        (
            _(
                "У одного человека может быть несколько ролей: учитель может быть и "
                "родителем. Роль выбирается в шапке страницы, выходить из Парты не нужно."
            ),
            _("У каждой роли своя главная страница."),
        ),
    ),
    Topic(
        "parent",
        _("Кабинет родителя"),
        (
            _(
                "На главной странице — все ваши дети: школа, класс, классный руководитель. "
                "Если ребёнка нет в списке, обратитесь в его школу: связь родителя и "
                "ребёнка подтверждает школа."
            ),
        ),
    ),
    Topic(
        "class-teacher",
        _("Кабинет классного руководителя"),
        (
            _(
                "Здесь — ученики вашего класса и их родители. Учеников и родителей можно "
                "внести по одному или загрузить таблицей; для каждого Парта создаёт "
                "учётную запись."
            ),
            _(
                "Листки с данными для входа печатаются одним PDF-файлом, по листку на "
                "человека. Каждая печать выдаёт новый пароль — старые листки перестают "
                "действовать."
            ),
        ),
    ),
    Topic(
        "school",
        _("Кабинет администрации школы"),
        (_("Здесь — классы, сотрудники и ученики вашей организации."),),
    ),
    Topic(
        "authority",
        _("Кабинет органа управления образованием"),
        (
            _(
                "Муниципальный орган видит организации своего муниципалитета, региональный "
                "оператор — весь регион и ведёт его структуру в панели управления."
            ),
        ),
    ),
)

# Which topic a page's "?" opens: URL name -> topic slug.
PAGE_TOPICS: dict[str, str] = {
    "account_login": "sign-in",
    "account_reset_password": "sign-in",
    "set_initial_password": "sign-in",
    "parent_home": "parent",
    "student_home": "roles",
    "teacher_home": "roles",
    "class_teacher_home": "class-teacher",
    "issuing_roster": "class-teacher",
    "issuing_student_add": "class-teacher",
    "issuing_roster_upload": "class-teacher",
    "issuing_password_reset": "class-teacher",
    "school_home": "school",
    "municipal_home": "authority",
    "operator_home": "authority",
}


def topic_for(page_or_slug: str) -> Topic | None:
    slug = PAGE_TOPICS.get(page_or_slug, page_or_slug)
    return next((t for t in HELP_TOPICS if t.slug == slug), None)
