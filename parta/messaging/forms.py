"""Forms of messaging. Files are checked by content (PDF, pictures, office documents, as for
lesson files), each up to the size limit; what was typed stays when the form is refused."""

from __future__ import annotations

from typing import Any

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from parta.journal.forms import LessonFileField
from parta.journal.services.homework import LESSON_FILE_KINDS
from parta.messaging import services
from parta.messaging.models import CLASS_AUDIENCES, Audience


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class FilesField(LessonFileField):
    """Up to ``services.MAX_FILES`` files, each checked as a lesson file is (kind by content)
    within the message file limit."""

    widget = MultipleFileInput

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            _("До %(n)s файлов: %(kinds)s, каждый не больше %(size)s.")
            % {
                "n": services.MAX_FILES,
                "kinds": ", ".join(k.label for k in LESSON_FILE_KINDS),
                "size": filesizeformat(services.message_file_limit()),
            },
        )
        super().__init__(*args, limit=services.message_file_limit, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        uploads = [d for d in (data if isinstance(data, list | tuple) else [data]) if d]
        if len(uploads) > services.MAX_FILES:
            raise forms.ValidationError(
                _("К одному сообщению можно приложить не больше %(n)s файлов."),
                params={"n": services.MAX_FILES},
                code="too_many",
            )
        return [super(FilesField, self).clean(upload, initial) for upload in uploads]


def _body_field(label: Any, *, required: bool) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=services.MAX_BODY,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class NewMessageForm(forms.Form):
    """MSG-1: recipients are person ids offered by the search (``to``, repeated)."""

    subject = forms.CharField(label=_("Тема"), max_length=200, required=False)
    body = _body_field(_("Сообщение"), required=False)
    attachments = FilesField(label=_("Файлы"))


class ReplyForm(forms.Form):
    body = _body_field(_("Ответ"), required=False)
    attachments = FilesField(label=_("Файлы"))


class AnnouncementForm(forms.Form):
    """MSG-2: the group is limited to what the author may announce to."""

    audience = forms.ChoiceField(label=_("Кому"), widget=forms.RadioSelect)
    school_class = forms.TypedChoiceField(
        label=_("Класс"), coerce=int, required=False, empty_value=None
    )
    organization = forms.TypedChoiceField(
        label=_("Школа"), coerce=int, required=False, empty_value=None
    )
    title = forms.CharField(label=_("Заголовок"), max_length=200)
    body = _body_field(_("Текст объявления"), required=True)

    def __init__(self, *args: Any, classes: Any, schools: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.classes = {c.pk: c for c in classes}
        self.schools = {s.pk: s for s in schools}
        audiences = [
            (value, label)
            for value, label in Audience.choices
            if value in CLASS_AUDIENCES or self.schools
        ]
        audience = self.fields["audience"]
        assert isinstance(audience, forms.ChoiceField)
        audience.choices = audiences
        if len(audiences) == len(CLASS_AUDIENCES):
            audience.initial = Audience.CLASS
        many_schools = len(self.schools) > 1
        school_class = self.fields["school_class"]
        assert isinstance(school_class, forms.ChoiceField)
        school_class.choices = [("", _("— выберите класс —"))] + [
            (c.pk, f"{c.name} · {c.organization.short_name}" if many_schools else c.name)
            for c in self.classes.values()
        ]
        if len(self.classes) == 1:
            school_class.initial = next(iter(self.classes))
        school_class.help_text = _("Для объявления классу или родителям класса.")
        organization = self.fields["organization"]
        assert isinstance(organization, forms.ChoiceField)
        organization.choices = [(s.pk, s.short_name) for s in self.schools.values()]
        if not many_schools:
            organization.widget = forms.HiddenInput()
            organization.initial = next(iter(self.schools), None)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("audience") in CLASS_AUDIENCES:
            klass = self.classes.get(data.get("school_class") or 0)
            if klass is None:
                self.add_error("school_class", _("Выберите класс из списка."))
            data["school_class_obj"] = klass
        else:
            data["school_class_obj"] = None
        data["organization_obj"] = self.schools.get(data.get("organization") or 0)
        return data
