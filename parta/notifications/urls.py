"""The in-app inbox (mounted at /inbox/)."""

from django.urls import path

from parta.notifications import views

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read-all/", views.read_all, name="inbox_read_all"),
    path("<int:pk>/", views.open_notification, name="inbox_open"),
    path("<int:pk>/read/", views.read, name="inbox_read"),
]
