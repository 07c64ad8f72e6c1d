from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from parta.accounts import language as accounts_language
from parta.accounts import views as accounts_views
from parta.accounts import views_issuing
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
    # Issued accounts (ACC-2): class rosters, slips, password resets.
    path("classes/<int:class_id>/roster/", views_issuing.roster, name="issuing_roster"),
    path(
        "classes/<int:class_id>/roster/add/",
        views_issuing.student_add,
        name="issuing_student_add",
    ),
    path(
        "classes/<int:class_id>/roster/upload/",
        views_issuing.roster_upload,
        name="issuing_roster_upload",
    ),
    path(
        "classes/<int:class_id>/roster/template.xlsx",
        views_issuing.roster_template,
        name="issuing_roster_template",
    ),
    path(
        "classes/<int:class_id>/roster/slips/",
        views_issuing.slips_print,
        name="issuing_slips_print",
    ),
    path(
        "classes/<int:class_id>/roster/people/<int:person_id>/reset/",
        views_issuing.password_reset,
        name="issuing_password_reset",
    ),
    path("organizations/", include("parta.onboarding.urls")),
    path("confirmation/", include("parta.confirmation.urls")),
    path("join/", include("parta.registration.urls")),
    path("esia/", include("parta.esia.urls")),
    path("settings/", include("parta.security.urls")),
    path("complaints/", include("parta.complaints.urls")),
    path("family/", include("parta.family.urls")),
    path("profile/", include("parta.profiles.urls")),
    path("privacy/", include("parta.privacy.urls")),
    path("inbox/", include("parta.notifications.urls")),
    path("messages/", include("parta.messaging.urls")),
    path("", include("parta.journal.urls")),
    path("help/", core_views.help_page, name="help"),
    path("healthz", core_views.healthz, name="healthz"),
    # The installable web app (NTF-3): the manifest, and the service worker at the root so
    # that its scope is the whole site.
    path("manifest.webmanifest", core_views.web_manifest, name="web_manifest"),
    path("sw.js", core_views.service_worker, name="service_worker"),
    path("offline/", core_views.offline, name="offline"),
    path("i18n/setlang/", accounts_language.set_language, name="set_language"),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
