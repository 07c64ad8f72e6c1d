from django.urls import path

from parta.family import views

urlpatterns = [
    path("", views.family_index, name="family_index"),
    path("child/", views.family_request_child, name="family_request_child"),
    path("child/schools/", views.family_school_options, name="family_school_options"),
    path("parent/", views.family_request_parent, name="family_request_parent"),
    path("<int:pk>/withdraw/", views.family_request_withdraw, name="family_request_withdraw"),
    path("school/", views.family_school_requests, name="family_school_requests"),
    path("school/<int:pk>/", views.family_decide, name="family_decide"),
]
