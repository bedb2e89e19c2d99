from django.contrib.admin.apps import AdminConfig


class EditorialAdminConfig(AdminConfig):
    """django.contrib.admin whose default site is the editorial one, with its dashboard on the index.
    Kept out of conditions/apps.py, where a second AppConfig would change which config Django picks."""

    default_site = "conditions.admin_site.EditorialAdminSite"
