"""Forms of self-registration (ACC-1) and invitations (ACC-3)."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import get_adapter
from allauth.account.forms import SignupForm
from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from parta.accounts.models import User
from parta.accounts.robot import RobotCheckForm
from parta.directory.models import Enrollment, Guardianship
from parta.privacy.consents import give_consent
from parta.registration.consent import LEARNER_ACCOUNT
from parta.registration.models import Invitation

_NAME_ERRORS = {"max_length": _("Не больше 150 символов.")}


def _name_fields() -> dict[str, forms.CharField]:
    return {
        "last_name": forms.CharField(
            label=_("Фамилия"),
            max_length=150,
            error_messages={"required": _("Укажите фамилию."), **_NAME_ERRORS},
            widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
        ),
        "first_name": forms.CharField(
            label=_("Имя"),
            max_length=150,
            error_messages={"required": _("Укажите имя."), **_NAME_ERRORS},
            widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
        ),
        "middle_name": forms.CharField(
            label=_("Отчество (если есть)"),
            max_length=150,
            required=False,
            error_messages=_NAME_ERRORS,
            widget=forms.TextInput(attrs={"autocomplete": "additional-name"}),
        ),
    }


def _password_fields() -> dict[str, forms.CharField]:
    return {
        "password1": forms.CharField(
            label=_("Пароль"),
            strip=False,
            widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
            help_text=password_validation.password_validators_help_text_html(),
            error_messages={"required": _("Придумайте пароль.")},
        ),
        "password2": forms.CharField(
            label=_("Пароль ещё раз"),
            strip=False,
            widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
            error_messages={"required": _("Повторите пароль.")},
        ),
    }


def login_clean(value: str) -> str:
    """A login that cannot be mistaken for an email, a phone or a SNILS at sign-in (ACC-4):
    Parta reads an identifier with ``@`` as an email and a run of digits as a phone."""
    value = (value or "").strip()
    if "@" in value or (value.isdigit() and len(value) >= 10):
        raise forms.ValidationError(
            _(
                "Логин не может содержать «@» или состоять из одних цифр: при входе его спутают "
                "с почтой или телефоном."
            ),
            code="login_like_identifier",
        )
    return str(get_adapter().clean_username(value))


_LOGIN_HELP = _("Буквы, цифры и знаки . _ - без пробелов. Войти в Парту можно и по адресу почты.")


class LearnerSignupForm(RobotCheckForm, SignupForm):
    """Allauth's sign-up form for adult learners (ACC-1): full name, email, login, password,
    consent to personal-data processing and the self-hosted robot check.

    An address that already has an account is not revealed: allauth shows the same "check
    your mail" page and sends that address an "you already have an account" letter.
    """

    field_order = [
        "last_name",
        "first_name",
        "middle_name",
        "email",
        "username",
        "password1",
        "password2",
        "consent",
        "robot_answer",
        "homepage",
        "robot_challenge",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(_name_fields())
        self.fields.update(_password_fields())
        self.fields["consent"] = forms.BooleanField(
            label=_("Я даю согласие на обработку моих персональных данных"),
            error_messages={"required": _("Без согласия Парта не может создать учётную запись.")},
        )
        email = self.fields["email"]
        email.label = _("Электронная почта")
        email.help_text = _("На неё придёт ссылка для подтверждения.")
        email.widget.attrs.pop("placeholder", None)
        email.error_messages.update(
            {
                "required": _("Укажите адрес электронной почты."),
                "invalid": _("Адрес почты набран с ошибкой. Пример: ivanova@mail.ru."),
            }
        )
        username = self.fields["username"]
        username.label = _("Логин")
        username.help_text = _LOGIN_HELP
        username.widget.attrs.pop("placeholder", None)
        username.widget.attrs.update({"autocapitalize": "none", "spellcheck": "false"})
        username.error_messages.update({"required": _("Придумайте логин.")})
        self.order_fields(self.field_order)

    def clean_username(self) -> str:
        return login_clean(self.cleaned_data["username"])

    def clean(self) -> dict[str, Any]:
        first, second = self.cleaned_data.get("password1"), self.cleaned_data.get("password2")
        if first and second and first != second:
            # Our words; allauth then skips its own English check of the pair.
            self.add_error(
                "password2",
                forms.ValidationError(_("Пароли не совпадают."), code="password_mismatch"),
            )
        return super().clean()

    def signup(self, request: HttpRequest, user: User) -> None:
        """ACC-1: finish the new account — middle name, language, the consent given."""
        user.middle_name = self.cleaned_data.get("middle_name", "")
        user.language = translation.get_language() or settings.LANGUAGE_CODE
        user.save(update_fields=["middle_name", "language"])
        give_consent(user, LEARNER_ACCOUNT.key, given_by=user)


# --- Invitations -----------------------------------------------------------------------------
class InvitationForm(forms.Form):
    """What the inviter types (ACC-3): the address, the names, the letter's language."""

    email = forms.EmailField(
        label=_("Электронная почта"),
        error_messages={
            "required": _("Укажите адрес электронной почты."),
            "invalid": _("Адрес почты набран с ошибкой. Пример: ivanova@mail.ru."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in _name_fields().items():
            field.widget.attrs["autocomplete"] = "off"
            self.fields[name] = field
        self.fields["middle_name"].label = _("Отчество")
        self.fields["language"] = forms.ChoiceField(
            label=_("Язык письма"),
            choices=settings.LANGUAGES,
            initial=translation.get_language() or settings.LANGUAGE_CODE,
        )
        self.order_fields(["last_name", "first_name", "middle_name", "email", "language"])


class StudentInvitationForm(InvitationForm):
    def __init__(self, *args: Any, classes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school_class"] = forms.ModelChoiceField(
            label=_("Класс"),
            queryset=classes.select_related("organization"),
            empty_label=None,
            error_messages={"invalid_choice": _("Выберите класс из списка.")},
        )
        self.order_fields(["school_class", "last_name", "first_name", "middle_name", "email"])


class _ChildChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Enrollment) -> str:
        return f"{obj.student.full_name} — {obj.school_class}"


class ParentInvitationForm(InvitationForm):
    def __init__(self, *args: Any, enrollments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["child"] = _ChildChoice(
            label=_("Ученик"),
            queryset=enrollments.select_related("student", "school_class").order_by(
                "school_class__grade",
                "school_class__letter",
                "student__last_name",
                "student__first_name",
            ),
            empty_label=_("— выберите ученика —"),
            error_messages={
                "required": _("Выберите ученика."),
                "invalid_choice": _("Выберите ученика из списка."),
            },
        )
        self.fields["guardian_kind"] = forms.ChoiceField(
            label=_("Кем приходится ученику"),
            choices=Guardianship.Kind.choices,
            initial=Guardianship.Kind.MOTHER,
        )
        self.order_fields(
            ["child", "guardian_kind", "last_name", "first_name", "middle_name", "email"]
        )


class StaffInvitationForm(InvitationForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["position"] = forms.ChoiceField(
            label=_("Должность"),
            choices=[(p.value, p.label) for p in Invitation.STAFF_POSITIONS],
            initial=Invitation.STAFF_POSITIONS[0].value,
        )
        self.order_fields(["position", "last_name", "first_name", "middle_name", "email"])


# --- Accepting an invitation -----------------------------------------------------------------
class InvitationAccountForm(forms.Form):
    """The invitee's new account (ACC-3): names (prefilled, editable), login, password."""

    def __init__(self, *args: Any, invitation: Invitation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invitation = invitation
        self.fields.update(_name_fields())
        self.fields["username"] = forms.CharField(
            label=_("Логин"),
            max_length=150,
            help_text=_LOGIN_HELP,
            error_messages={"required": _("Придумайте логин.")},
            widget=forms.TextInput(
                attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
            ),
        )
        self.fields.update(_password_fields())

    def clean_username(self) -> str:
        return login_clean(self.cleaned_data["username"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error(
                "password2",
                forms.ValidationError(_("Пароли не совпадают."), code="password_mismatch"),
            )
        elif first:
            candidate = User(
                username=cleaned.get("username", ""),
                last_name=cleaned.get("last_name", ""),
                first_name=cleaned.get("first_name", ""),
                email=self.invitation.email,
            )
            try:
                password_validation.validate_password(first, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned
