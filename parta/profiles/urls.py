from django.urls import path

from parta.profiles import views

urlpatterns = [
    path("", views.profile, name="profile"),
    path("documents/<int:document_id>/", views.document_download, name="profile_document_download"),
    path(
        "documents/<int:document_id>/delete/",
        views.document_delete,
        name="profile_document_delete",
    ),
    path("people/<int:person_id>/", views.person_profile, name="profile_person"),
]
