from django.urls import path

from parta.privacy import views

urlpatterns = [
    path("", views.consents, name="privacy_consents"),
    path("consents/give/", views.consent_give_view, name="privacy_consent_give"),
    path("consents/later/", views.consents_later, name="privacy_consents_later"),
    path(
        "consents/<int:consent_id>/withdraw/",
        views.consent_withdraw_view,
        name="privacy_consent_withdraw",
    ),
    path(
        "consents/<slug:purpose>/<str:version>/",
        views.consent_text,
        name="privacy_consent_text",
    ),
    path("views/", views.access_log_mine, name="privacy_access_log"),
    path("views/<int:person_id>/", views.access_log_of, name="privacy_access_log_of"),
]
