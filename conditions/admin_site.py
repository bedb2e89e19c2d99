"""The admin site editors, reviewers and moderators work in: its index is their dashboard."""

from django.contrib import admin


class EditorialAdminSite(admin.AdminSite):
    site_header = "DiseaseMaps editorial"
    site_title = "DiseaseMaps admin"
    index_title = "Editorial dashboard"
