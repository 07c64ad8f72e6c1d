from django.urls import path

from parta.complaints import views

urlpatterns = [
    path("new/", views.complaint_new, name="complaint_new"),
    path("new/schools/", views.complaint_schools, name="complaint_schools"),
    path("status/<str:key>/", views.complaint_status, name="complaint_status"),
    path("", views.complaints_queue, name="complaints_queue"),
    path("<int:pk>/", views.complaint_detail, name="complaint_detail"),
    path("<int:pk>/take/", views.complaint_take, name="complaint_take"),
]
