from django.urls import path

from parta.security import views

urlpatterns = [
    path("", views.settings_page, name="security_settings"),
    path("name/", views.name_page, name="security_name"),
    path("phone/", views.phone_page, name="security_phone"),
    path("phone/confirm/", views.phone_confirm, name="security_phone_confirm"),
    path("phone/remove/", views.phone_remove, name="security_phone_remove"),
    path("sessions/end/", views.sessions_end, name="security_sessions_end"),
    path("two-factor/required/", views.mfa_required, name="security_mfa_required"),
    path("organizations/", views.policies, name="security_policies"),
    path(
        "organizations/<int:organization_id>/",
        views.policy_edit,
        name="security_policy_edit",
    ),
    path(
        "organizations/<int:organization_id>/staff/<int:person_id>/reset-two-factor/",
        views.two_factor_reset,
        name="security_two_factor_reset",
    ),
]
