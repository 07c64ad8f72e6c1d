from django.urls import path

from parta.onboarding import views

urlpatterns = [
    # VER-1: public request and the official email's private link.
    path("request/", views.request_new, name="onboarding_request_new"),
    path("request/sent/", views.request_sent, name="onboarding_request_sent"),
    path("request/<str:token>/", views.request_status, name="onboarding_request_status"),
    path(
        "request/<str:token>/form.pdf",
        views.request_form_download,
        name="onboarding_request_form",
    ),
    # VER-2: the director confirms their authority.
    path("director/<int:position_id>/", views.director_verify, name="onboarding_director_verify"),
    path(
        "director/<int:position_id>/consent/",
        views.director_consent,
        name="onboarding_director_consent",
    ),
    # VER-3: change of director.
    path("director-change/", views.change_start, name="onboarding_change_start"),
    path("director-change/<str:token>/", views.change_public, name="onboarding_change_public"),
    path(
        "<int:organization_id>/director-change/",
        views.change_cabinet,
        name="onboarding_change_cabinet",
    ),
    # The regional operator.
    path("operator/requests/", views.operator_requests, name="onboarding_operator_requests"),
    path(
        "operator/requests/<int:request_id>/",
        views.operator_request,
        name="onboarding_operator_request",
    ),
    path(
        "operator/requests/<int:request_id>/scan/",
        views.operator_request_scan,
        name="onboarding_operator_request_scan",
    ),
    path("operator/directors/", views.operator_directors, name="onboarding_operator_directors"),
    path(
        "operator/directors/<int:submission_id>/",
        views.operator_director,
        name="onboarding_operator_director",
    ),
    path(
        "operator/directors/<int:submission_id>/order/",
        views.operator_director_scan,
        name="onboarding_operator_director_scan",
    ),
    path("operator/changes/", views.operator_changes, name="onboarding_operator_changes"),
    path(
        "operator/changes/<int:change_id>/",
        views.operator_change,
        name="onboarding_operator_change",
    ),
    path(
        "operator/changes/<int:change_id>/order/",
        views.operator_change_scan,
        name="onboarding_operator_change_scan",
    ),
]
