"""The in-app inbox (mounted at /inbox/), the SMS balance (NTF-2) and push (NTF-3)."""

from django.urls import path

from parta.notifications import views

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read-all/", views.read_all, name="inbox_read_all"),
    path("<int:pk>/", views.open_notification, name="inbox_open"),
    path("<int:pk>/read/", views.read, name="inbox_read"),
    path("settings/", views.notification_settings, name="notification_settings"),
    path("push/subscribe/", views.push_subscribe_view, name="push_subscribe"),
    path("push/unsubscribe/", views.push_unsubscribe_view, name="push_unsubscribe"),
    path("push/<int:pk>/remove/", views.push_subscription_remove, name="push_subscription_remove"),
    path("sms/", views.sms_balance, name="sms_balance"),
    path("sms/top-up/", views.sms_top_up_view, name="sms_top_up"),
    path("sms/payments/<slug:key>/", views.sms_payment_return, name="sms_payment_return"),
    path("sms/yookassa/", views.yookassa_webhook, name="yookassa_webhook"),
]
