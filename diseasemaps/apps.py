from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "diseasemaps"
    verbose_name = "DiseaseMaps site"

    def ready(self):
        from . import checks  # noqa: F401 (registers the site's system checks)
