"""Deliveries in the admin, for the regional operator (NTF-3): what failed, and why.

Rows come from the policy (``delivery``: the operator's region). Nothing is edited by hand;
a failed delivery can be sent again (the action), which queues it afresh."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from parta.directory.admin import ScopedAdmin
from parta.notifications.delivery import delivery_retry
from parta.notifications.models import Delivery


@admin.register(Delivery)
class DeliveryAdmin(ScopedAdmin):
    policy_object = "delivery"
    list_display = ("created_at", "person", "channel", "kind", "status", "attempts", "last_error")
    list_filter = ("status", "channel", "kind")
    list_select_related = ("person",)
    search_fields = ("person__last_name", "person__username", "last_error")
    date_hierarchy = "created_at"
    actions = ["send_again"]
    readonly_fields = [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Отправить ещё раз"))
    def send_again(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        editable = self._editable(request).filter(pk__in=queryset.values("pk"))
        count = delivery_retry(editable)
        self.message_user(
            request,
            ngettext(
                "%(n)s доставка поставлена в очередь.",
                "%(n)s доставок поставлено в очередь.",
                count,
            )
            % {"n": count},
            messages.SUCCESS,
        )
