from django.urls import path

from parta.registration import views

urlpatterns = [
    path("resend/", views.resend_confirmation, name="registration_resend_confirmation"),
    path("invitations/", views.invitations, name="registration_invitations"),
    path("invitations/new/student/", views.invite_student, name="registration_invite_student"),
    path("invitations/new/parent/", views.invite_parent, name="registration_invite_parent"),
    path("invitations/new/staff/", views.invite_staff, name="registration_invite_staff"),
    path(
        "invitations/<int:invitation_id>/resend/",
        views.invitation_resend,
        name="registration_invitation_resend",
    ),
    path(
        "invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="registration_invitation_revoke",
    ),
    path("invitation/<str:token>/", views.accept, name="registration_accept"),
]
