"""Messages (MSG-1) and announcements (MSG-2) under /messages/.

Every page fetches through the access engine: a conversation somebody does not take part in,
a file of it, an announcement outside their groups are 404, exactly like ones that do not
exist. The recipient search offers only people the sender may write to; the page works
without JavaScript (the search is a button that shows the matches as checkboxes) and the
script turns it into a combobox that suggests as one types.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from parta.core.errors import DomainError, form_error
from parta.core.uploads import private_file_response
from parta.messaging import selectors, services
from parta.messaging.forms import AnnouncementForm, NewMessageForm, ReplyForm
from parta.messaging.models import Conversation

PAGE_SIZE = 30


def _ids(values: list[str]) -> list[int]:
    return list(dict.fromkeys(int(v) for v in values if v.isdigit()))[: services.MAX_RECIPIENTS + 1]


@login_required
@require_GET
def conversations(request: HttpRequest) -> HttpResponse:
    """MSG-1: the person's conversations, the newest first; unread ones marked."""
    unread_only = request.GET.get("show") == "unread"
    page = Paginator(
        selectors.places_of(request.user, unread_only=unread_only), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "messaging/conversations.html",
        {
            "page": page,
            "rows": selectors.rows_of(request.user, list(page)),
            "unread_only": unread_only,
            "may_write": selectors.may_write(request.user),
            "may_announce": selectors.may_announce(request.user),
        },
    )


@login_required
@require_GET
def recipients(request: HttpRequest) -> JsonResponse:
    """MSG-1: the people the sender may write to whose name starts like the words typed."""
    found = selectors.search_correspondents(request.user, request.GET.get("q", "")[:100])
    return JsonResponse({"results": [c.as_json() for c in found]})


@login_required
@require_http_methods(["GET", "POST"])
def new_message(request: HttpRequest) -> HttpResponse:
    """MSG-1: a new conversation. ``?to=<id>`` (repeatable) starts with people chosen,
    ``?subject=`` and ``?body=`` with a text to edit (the journal's "need attention" list
    opens a conversation with a student's parents this way)."""
    if not selectors.may_write(request.user):
        raise Http404
    user = request.user
    source = request.POST if request.method == "POST" else request.GET
    chosen_ids = _ids(source.getlist("to"))
    removed = request.POST.get("remove", "")
    if removed.isdigit():
        chosen_ids = [pk for pk in chosen_ids if pk != int(removed)]
    query = source.get("q", "").strip()[:100]
    matches: list[selectors.Correspondent] = []
    form = NewMessageForm(
        request.POST or None,
        request.FILES or None,
        initial={
            "subject": request.GET.get("subject", "")[:200],
            "body": request.GET.get("body", "")[: services.MAX_BODY],
        },
    )
    sending = request.method == "POST" and not ({"find", "remove"} & set(request.POST))
    if sending:
        if form.is_valid():
            try:
                conversation = services.conversation_start(
                    sender=user,
                    recipient_ids=chosen_ids,
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    files=form.cleaned_data["attachments"],
                )
            except DomainError as exc:
                form_error(form, exc)  # "to" is not a form field: shown above the form
            else:
                flash.success(request, _("Сообщение отправлено."))
                return redirect("conversation", conversation.pk)
    elif query:
        matches = selectors.search_correspondents(user, query)
    chosen = selectors.describe(
        user, list(selectors.correspondents(user).filter(pk__in=chosen_ids).order_by("last_name"))
    )
    chosen_pks = {c.pk for c in chosen}
    return render(
        request,
        "messaging/new.html",
        {
            "form": form,
            "chosen": chosen,
            "query": query,
            "matches": [m for m in matches if m.pk not in chosen_pks],
            "searched": bool(query) and not sending,
            "files_lost": request.method == "POST" and bool(request.FILES),
        },
    )


def _conversation(request: HttpRequest, pk: int) -> Conversation:
    conversation = selectors.conversation_for(request.user, pk)
    if conversation is None:
        raise Http404
    return conversation


@login_required
@require_http_methods(["GET", "POST"])
def conversation(request: HttpRequest, pk: int) -> HttpResponse:
    """MSG-1: the messages of a conversation; opening it marks it read; an answer."""
    item = _conversation(request, pk)
    form = ReplyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.message_send(
                sender=request.user,
                conversation=item,
                body=form.cleaned_data["body"],
                files=form.cleaned_data["attachments"],
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            return redirect(reverse("conversation", args=[item.pk]) + "#last")
    thread = selectors.thread(request.user, item, show_all=request.GET.get("all") == "1")
    if request.method == "GET":
        services.conversation_read(user=request.user, conversation=item)
    return render(
        request,
        "messaging/conversation.html",
        {
            "conversation": item,
            "thread": thread,
            "rows": [
                (m, thread.read_by(m) if m.sender_id == request.user.pk else [])
                for m in thread.messages
            ],
            "form": form,
            "files_lost": request.method == "POST" and bool(request.FILES),
        },
    )


@login_required
@require_GET
def attachment(request: HttpRequest, pk: int, file_id: int) -> FileResponse:
    """MSG-1: a file of a conversation, for its participants only."""
    item = _conversation(request, pk)
    found = selectors.attachment_for(request.user, item, file_id)
    if found is None:
        raise Http404
    try:
        stream = found.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return private_file_response(stream, found.name, found.content_type)


# --- announcements ---------------------------------------------------------------------------------
@login_required
@require_GET
def announcements(request: HttpRequest) -> HttpResponse:
    """MSG-2: the announcements of the person's school and classes, the newest first."""
    page = Paginator(selectors.announcements_for(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "messaging/announcements.html",
        {"page": page, "may_announce": selectors.may_announce(request.user)},
    )


@login_required
@require_GET
def announcement(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.announcements_for(request.user).filter(pk=pk).first()
    if item is None:
        raise Http404
    return render(request, "messaging/announcement.html", {"item": item})


@login_required
@require_http_methods(["GET", "POST"])
def announcement_new(request: HttpRequest) -> HttpResponse:
    """MSG-2: the administration or a class teacher writes to a group."""
    classes = list(selectors.publishable_classes(request.user))
    schools = list(selectors.publishable_schools(request.user))
    if not classes and not schools:
        raise Http404
    form = AnnouncementForm(request.POST or None, classes=classes, schools=schools)
    if request.method == "POST" and form.is_valid():
        data: dict[str, Any] = form.cleaned_data
        try:
            item = services.announcement_publish(
                author=request.user,
                audience=data["audience"],
                title=data["title"],
                body=data["body"],
                school_class=data["school_class_obj"],
                organization=data["organization_obj"],
            )
        except DomainError as exc:
            form_error(form, exc)
        else:
            flash.success(
                request,
                ngettext(
                    "Объявление отправлено: %(n)s получатель.",
                    "Объявление отправлено: %(n)s получателей.",
                    item.recipients,
                )
                % {"n": item.recipients},
            )
            return redirect("announcement", item.pk)
    return render(request, "messaging/announcement_new.html", {"form": form})
