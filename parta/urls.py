from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from parta.accounts import views as accounts_views
from parta.api import api
from parta.core import views as core_views

admin.site.site_header = _("Парта — панель управления")
admin.site.site_title = _("Парта")
admin.site.index_title = _("Структура региона и учётные записи")

urlpatterns = [
    path("", accounts_views.home, name="home"),
    path("role/", accounts_views.role_switch, name="role_switch"),
    path("password/first/", accounts_views.set_initial_password, name="set_initial_password"),
    path("welcome/", accounts_views.no_role_home, name="no_role_home"),
    path("student/", accounts_views.student_home, name="student_home"),
    path("parent/", accounts_views.parent_home, name="parent_home"),
    path("teacher/", accounts_views.teacher_home, name="teacher_home"),
    path("class/", accounts_views.class_teacher_home, name="class_teacher_home"),
    path("school/", accounts_views.school_home, name="school_home"),
    path("municipality/", accounts_views.municipal_home, name="municipal_home"),
    path("operator/", accounts_views.operator_home, name="operator_home"),
    path("help/", core_views.help_page, name="help"),
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
