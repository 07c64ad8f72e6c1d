from django.urls import path

from parta.confirmation import views

urlpatterns = [
    path("places/", views.my_places, name="confirmation_my_places"),
    path("places/claim/", views.claim_start, name="confirmation_claim_start"),
    path(
        "places/claim/<int:organization_id>/work/",
        views.claim_work,
        name="confirmation_claim_work",
    ),
    path(
        "places/claim/<int:organization_id>/study/",
        views.claim_study,
        name="confirmation_claim_study",
    ),
    path(
        "places/<str:kind>/<int:claim_id>/withdraw/",
        views.claim_withdraw,
        name="confirmation_claim_withdraw",
    ),
    path("staff/", views.staff, name="confirmation_staff"),
    path("students/", views.students, name="confirmation_students"),
    path("reports/", views.reports, name="confirmation_reports"),
    path("reports/send/", views.report_send, name="confirmation_report_send"),
    path("reports/<int:report_id>/", views.report, name="confirmation_report"),
    path("reports/<int:report_id>/pdf/", views.report_download, name="confirmation_report_pdf"),
]
