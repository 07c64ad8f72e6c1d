from django.urls import path

from parta.esia import views

urlpatterns = [
    path("start/", views.start, name="esia_start"),
    path("callback/", views.callback, name="esia_callback"),
    path("link/", views.link, name="esia_link"),
    path("links/", views.links, name="esia_links"),
    path("links/<int:pk>/unlink/", views.unlink, name="esia_unlink"),
    path("requests/", views.queue, name="esia_queue"),
    path("requests/<int:pk>/confirm/", views.confirm, name="esia_confirm"),
    path("requests/<int:pk>/reject/", views.reject, name="esia_reject"),
]
