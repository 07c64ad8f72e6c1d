"""The inbox page (NTF-1, NTF-4): a person's own notifications, newest first.

A message is shown in the reader's language from its stored msgid and parameters. Opening
one marks it read and follows its link (only ever within Parta); one or all can be marked
read without opening. Somebody else's message is a 404, like one that does not exist.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from parta.notifications import selectors, services
from parta.notifications.models import Notification

PAGE_SIZE = 30


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("show") == "unread"
    paginator = Paginator(selectors.inbox(request.user, unread_only=unread_only), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    items = [(n, selectors.title_of(n), selectors.body_of(n)) for n in page]
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "items": items, "unread_only": unread_only},
    )


def _own(request: HttpRequest, pk: int) -> Notification:
    return get_object_or_404(Notification.objects.visible_to(request.user), pk=pk)


@login_required
@require_GET
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the message read and go where it points (a page of Parta), else the inbox."""
    notification = _own(request, pk)
    services.notification_read(user=request.user, notification=notification)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("inbox")


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target.startswith("/inbox/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return redirect(target)
    return redirect("inbox")


@login_required
@require_POST
def read(request: HttpRequest, pk: int) -> HttpResponse:
    services.notification_read(user=request.user, notification=_own(request, pk))
    return _back(request)


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    count = services.notifications_read_all(user=request.user)
    if count:
        messages.success(
            request,
            ngettext(
                "%(n)s уведомление отмечено прочитанным.",
                "%(n)s уведомлений отмечено прочитанными.",
                count,
            )
            % {"n": count},
        )
    else:
        messages.info(request, _("Непрочитанных уведомлений нет."))
    return _back(request)
