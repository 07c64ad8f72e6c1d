"""Messages and announcements (mounted at /messages/)."""

from django.urls import path

from parta.messaging import views

urlpatterns = [
    path("", views.conversations, name="conversations"),
    path("new/", views.new_message, name="message_new"),
    path("recipients/", views.recipients, name="message_recipients"),
    path("<int:pk>/", views.conversation, name="conversation"),
    path("<int:pk>/files/<int:file_id>/", views.attachment, name="message_attachment"),
    path("announcements/", views.announcements, name="announcements"),
    path("announcements/new/", views.announcement_new, name="announcement_new"),
    path("announcements/<int:pk>/", views.announcement, name="announcement"),
]
