"""The admin app, started with Parta's own site (kept apart: this module loads before models)."""

from django.contrib.admin.apps import AdminConfig


class PartaAdminConfig(AdminConfig):
    default_site = "parta.core.admin_site.PartaAdminSite"
