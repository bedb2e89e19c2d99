from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class SiteConfig(AppConfig):
    name = "diseasemaps"
    verbose_name = "DiseaseMaps site"

    def ready(self):
        from . import checks  # noqa: F401 (registers the site's system checks)


class EditorialAdminConfig(AdminConfig):
    """django.contrib.admin whose default site is the editorial one, with its dashboard on the index."""

    default_site = "diseasemaps.admin_site.EditorialAdminSite"
