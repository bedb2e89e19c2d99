from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class SiteConfig(AppConfig):
    name = "diseasemaps"
    verbose_name = "DiseaseMaps site"

    def ready(self):
        from conditions import events

        from . import (
            checks,  # noqa: F401 (registers the site's system checks)
            pagecache,
        )

        # Every change to what readers see retires the cached pages that show it.
        events.pages_changed.connect(pagecache.retire, dispatch_uid="pagecache-retire")


class EditorialAdminConfig(AdminConfig):
    """django.contrib.admin whose default site is the editorial one, with its dashboard on the index."""

    default_site = "diseasemaps.admin_site.EditorialAdminSite"
