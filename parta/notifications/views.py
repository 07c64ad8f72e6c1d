"""The inbox page (NTF-1, NTF-4): a person's own notifications, newest first.

A message is shown in the reader's language from its stored msgid and parameters. Opening
one marks it read and follows its link (only ever within Parta); one or all can be marked
read without opening. Somebody else's message is a 404, like one that does not exist.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from parta.accounts.api.selectors import children_of
from parta.core import access, webpush
from parta.core.errors import DomainError, form_error
from parta.core.net import client_ip
from parta.core.payments import PaymentError
from parta.notifications import payments as sms_payments
from parta.notifications import preferences, push, selectors, services
from parta.notifications.balance import balance_of, ledger_of
from parta.notifications.models import (
    Channel,
    Notification,
    PushSubscription,
    QuietHours,
    SmsPayment,
    Topic,
)

logger = logging.getLogger("parta.payments")

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


# --- the SMS balance (NTF-2) ----------------------------------------------------------------------
class TopUpForm(forms.Form):
    amount = forms.CharField(
        label=_("Сумма пополнения"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    # The payment's idempotence key: the same form sent twice is the same payment.
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        low, high = sms_payments.top_up_limits()
        self.fields["amount"].help_text = _("От %(low)s до %(high)s %(currency)s.") % {
            "low": number_format(low),
            "high": number_format(high),
            "currency": currency_sign(),
        }

    def clean_amount(self) -> Decimal:
        try:
            return sms_payments.parse_amount(self.cleaned_data["amount"])
        except DomainError as exc:
            raise forms.ValidationError(str(exc.message)) from None


def currency_sign() -> str:
    return {"RUB": "₽", "KZT": "₸"}.get(settings.PARTA_CURRENCY, settings.PARTA_CURRENCY)


def _new_key() -> str:
    return uuid.uuid4().hex


def _balance_page(request: HttpRequest, form: TopUpForm, status: int = 200) -> HttpResponse:
    user = request.user
    balance = balance_of(user)
    price = Decimal(settings.PARTA_SMS_PRICE)
    return render(
        request,
        "notifications/sms_balance.html",
        {
            "balance": balance,
            "price": price,
            "sms_left": int(balance // price) if price > 0 and balance > 0 else 0,
            "currency": currency_sign(),
            "form": form,
            "open_payments": [p for p in sms_payments.payments_of(user) if p.is_open],
            "ledger": ledger_of(user),
        },
        status=status,
    )


def _in_limits(value: int) -> bool:
    low, high = sms_payments.top_up_limits()
    return low <= value <= high


@login_required
@require_GET
def sms_balance(request: HttpRequest) -> HttpResponse:
    """NTF-2: the person's SMS balance, its ledger, top-ups under way and the top-up form."""
    form = TopUpForm(initial={"amount": "300" if _in_limits(300) else "", "key": _new_key()})
    return _balance_page(request, form)


@login_required
@require_POST
def sms_top_up_view(request: HttpRequest) -> HttpResponse:
    """NTF-2: start a top-up and send the person to the provider's page to pay."""
    form = TopUpForm(request.POST)
    if not form.is_valid():
        return _balance_page(request, form, status=400)
    try:
        payment = sms_payments.sms_payment_start(
            person=request.user,
            amount=form.cleaned_data["amount"],
            key=form.cleaned_data["key"],
            return_url=request.build_absolute_uri(
                reverse("sms_payment_return", args=[form.cleaned_data["key"]])
            ),
        )
    except DomainError as exc:
        data = request.POST.copy()
        if exc.code == "key":
            data["key"] = _new_key()  # this form's key belongs to another payment
        form = TopUpForm(data)
        form.is_valid()
        form_error(form, exc)
        return _balance_page(request, form, status=400)
    return _after_payment(request, payment)


def _after_payment(request: HttpRequest, payment: SmsPayment) -> HttpResponse:
    if payment.status == SmsPayment.Status.SUCCEEDED:
        messages.success(
            request,
            _("SMS-баланс пополнен на %(amount)s %(currency)s.")
            % {"amount": number_format(payment.amount, 2), "currency": currency_sign()},
        )
    elif payment.status == SmsPayment.Status.CANCELED:
        messages.error(request, _("Оплата отменена, деньги не списаны. Можно попробовать ещё раз."))
    elif payment.confirmation_url and request.method == "POST":
        return redirect(payment.confirmation_url)  # the provider's payment page
    else:
        messages.info(
            request,
            _(
                "Оплата ещё не завершена. Как только платёжный сервис её подтвердит, баланс "
                "пополнится сам."
            ),
        )
    return redirect("sms_balance")


@login_required
@require_GET
def sms_payment_return(request: HttpRequest, key: str) -> HttpResponse:
    """NTF-2: the person is back from the provider's page (or asks again): how did it go?"""
    payment = get_object_or_404(SmsPayment.objects.visible_to(request.user), idempotence_key=key)
    try:
        payment = sms_payments.sms_payment_refresh(payment)
    except PaymentError as exc:
        logger.warning("payment %s not refreshed: %s %s", payment.pk, exc.code, exc.detail)
        messages.warning(
            request,
            _(
                "Не удалось узнать у платёжного сервиса, прошла ли оплата. Баланс пополнится "
                "сам, как только оплата подтвердится."
            ),
        )
        return redirect("sms_balance")
    return _after_payment(request, payment)


@csrf_exempt
@require_POST
def yookassa_webhook(request: HttpRequest) -> HttpResponse:
    """NTF-2: YooKassa's HTTP notification (``{"type": "notification", "event":
    "payment.succeeded", "object": {"id": …}}``). Taken only from YooKassa's networks
    (``YOOKASSA_WEBHOOK_NETWORKS``), and even then only a hint: the payment is fetched from
    the API before anything is credited. 200 tells YooKassa the notification was handled
    (an unknown payment included: repeating it would not help); 503 asks it to repeat."""
    if not _from_networks(client_ip(request), settings.YOOKASSA_WEBHOOK_NETWORKS):
        raise Http404
    try:
        body = json.loads(request.body)
        payment_id = str(body["object"]["id"])
        event = str(body.get("event", ""))
    except (ValueError, KeyError, TypeError):
        return HttpResponseBadRequest("not a YooKassa notification")
    if not event.startswith("payment.") or not payment_id or len(payment_id) > 80:
        return HttpResponse("ignored")
    try:
        sms_payments.sms_payment_notified(provider="yookassa", payment_id=payment_id)
    except PaymentError as exc:
        logger.warning("YooKassa notification of %s not verified: %s", payment_id, exc.detail)
        return HttpResponse("try again later", status=503)
    return HttpResponse("ok")


def _from_networks(address: str, networks: list[str]) -> bool:
    if not networks:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(net, strict=False) for net in networks)


# --- the notification manager (NTF-1) -------------------------------------------------------------
@dataclass
class _Section:
    """One block of the settings page: about one child, or about the person themselves."""

    child_id: int
    title: str
    # topic, its label, [(channel, its label, field name, on)]
    rows: list[tuple[str, str, list[tuple[str, str, str, bool]]]]


def _channels() -> tuple[str, ...]:
    """The channels the page offers: push only when this server has a VAPID key (NTF-3)."""
    if webpush.available():
        return preferences.CHANNELS
    return tuple(ch for ch in preferences.CHANNELS if ch != Channel.PUSH)


def _sections(user: Any) -> list[_Section]:
    roles = {r.kind for r in access.roles_of(user)}
    channels = _channels()
    stored = preferences.choices_of([user.pk], [t.value for t in Topic])
    labels = dict(Topic.choices)
    result: list[_Section] = []

    def section(child_id: int, title: str, topics: tuple[str, ...]) -> _Section:
        rows = [
            (
                topic,
                str(labels[topic]),
                [
                    (
                        ch,
                        str(Channel(ch).label),
                        f"p-{child_id}-{topic}-{ch}",
                        stored.wants(user.pk, child_id, topic, ch),
                    )
                    for ch in channels
                ],
            )
            for topic in topics
        ]
        return _Section(child_id, title, rows)

    if access.PARENT in roles:
        for child in children_of(user):
            result.append(
                section(
                    child.pk,
                    _("О ребёнке: %(name)s") % {"name": child.short_name},
                    preferences.CHILD_TOPICS,
                )
            )
    own = preferences.STUDENT_TOPICS if access.STUDENT in roles else preferences.OWN_TOPICS
    result.append(section(0, _("Обо мне"), own))
    return result


def _settings_page(
    request: HttpRequest, sections: list[_Section], quiet: QuietHoursForm, status: int = 200
) -> HttpResponse:
    user: Any = request.user
    identity = webpush.vapid()
    browsers = push.subscriptions_of(user) if identity else []
    return render(
        request,
        "notifications/settings.html",
        {
            "sections": sections,
            "channels": [(ch, Channel(ch).label) for ch in _channels()],
            "push_key": identity.public_key if identity else "",
            "push_browsers": browsers,
            # This browser finds itself among them by its endpoint's hash: the page need not
            # carry the endpoints themselves.
            "push_known": " ".join(
                hashlib.sha256(b.endpoint.encode()).hexdigest() for b in browsers
            ),
            "quiet_form": quiet,
            "has_email": bool(user.email),
            "has_phone": bool(user.phone),
            "balance": balance_of(user),
            "currency": currency_sign(),
            "price": Decimal(settings.PARTA_SMS_PRICE),
        },
        status=status,
    )


class QuietHoursForm(forms.Form):
    enabled = forms.BooleanField(
        label=_("Не присылать SMS и push-уведомления в тихие часы"), required=False
    )
    start = forms.TimeField(
        label=_("Тихие часы с"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end = forms.TimeField(
        label=_("до"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )


@login_required
def notification_settings(request: HttpRequest) -> HttpResponse:
    """NTF-1, NTF-3: what comes by email, SMS and push — per child, per topic — the quiet
    hours, and whether this browser receives push notifications."""
    user = request.user
    sections = _sections(user)
    stored_quiet = QuietHours.objects.filter(person_id=user.pk).first()
    if stored_quiet is None:
        start, end = preferences.default_quiet_hours()
        initial = {"enabled": True, "start": start, "end": end}
    else:
        initial = {
            "enabled": stored_quiet.enabled,
            "start": stored_quiet.start,
            "end": stored_quiet.end,
        }
    if request.method != "POST":
        return _settings_page(request, sections, QuietHoursForm(initial=initial))
    quiet = QuietHoursForm(request.POST)
    # What was ticked stays ticked when the form comes back with an error.
    for s in sections:
        s.rows = [
            (topic, label, [(ch, cl, name, name in request.POST) for ch, cl, name, _on in cells])
            for topic, label, cells in s.rows
        ]
    if not quiet.is_valid():
        return _settings_page(request, sections, quiet, status=400)
    choices = {
        (s.child_id, topic, ch): on
        for s in sections
        for topic, _l, cells in s.rows
        for ch, _cl, _n, on in cells
    }
    with transaction.atomic():
        preferences.preferences_save(person=user, choices=choices)
        preferences.quiet_hours_save(
            person=user,
            enabled=quiet.cleaned_data["enabled"],
            start=quiet.cleaned_data["start"],
            end=quiet.cleaned_data["end"],
        )
    messages.success(request, _("Настройки уведомлений сохранены."))
    return redirect("notification_settings")


# --- push notifications in the browser (NTF-3) ----------------------------------------------------
def _json_body(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


@login_required
@require_POST
def push_subscribe_view(request: HttpRequest) -> HttpResponse:
    """NTF-3: this browser's push subscription, as ``PushSubscription.toJSON()`` gives it
    (``{"endpoint", "keys": {"p256dh", "auth"}}``), posted by push.js with the CSRF token.
    201 with its id; 400 with a sentence to show when it cannot be used."""
    if not webpush.available():
        raise Http404
    data = _json_body(request)
    keys = data.get("keys")
    endpoint = data.get("endpoint")
    if (
        not isinstance(endpoint, str)
        or not isinstance(keys, dict)
        or not all(isinstance(keys.get(k), str) for k in ("p256dh", "auth"))
    ):
        return JsonResponse({"error": _("Это не подписка на push-уведомления.")}, status=400)
    try:
        row = push.push_subscribe(
            person=request.user,
            endpoint=endpoint,
            p256dh=keys["p256dh"],
            auth=keys["auth"],
            user_agent=request.headers.get("user-agent", ""),
        )
    except DomainError as exc:
        return JsonResponse({"error": str(exc.message)}, status=400)
    request.session[push.SESSION_KEY] = row.pk
    return JsonResponse({"id": row.pk}, status=201)


@login_required
@require_POST
def push_unsubscribe_view(request: HttpRequest) -> HttpResponse:
    """NTF-3: push.js switches push off in this browser (``{"endpoint"}``): 204; an
    endpoint that is not one of the person's is a 404, like one that does not exist."""
    endpoint = _json_body(request).get("endpoint")
    if not isinstance(endpoint, str) or not push.push_unsubscribe(
        user=request.user, endpoint=endpoint
    ):
        raise Http404
    return HttpResponse(status=204)


@login_required
@require_POST
def push_subscription_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """NTF-3: switch push off in one of the person's browsers from the settings page."""
    browser = get_object_or_404(PushSubscription.objects.visible_to(request.user), pk=pk)
    push.push_subscription_remove(user=request.user, subscription=browser)
    messages.success(
        request,
        _("Push-уведомления в браузере «%(name)s» отключены.")
        % {"name": browser.user_agent or _("без названия")},
    )
    return redirect(reverse("notification_settings") + "#push")
