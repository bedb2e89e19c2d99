"""The admin site editors, reviewers and moderators work in. Its index is their dashboard: each
app builds its own lists (conditions/dashboard.py, community/dashboard.py) and this site puts them
together; its log-in is throttled like the site's."""

from django.contrib import admin

from community import dashboard as community_dashboard
from community.forms import AdminLoginForm
from conditions import dashboard as conditions_dashboard

from . import roles

ROLE_SUMMARIES = {
    roles.EDITOR: "You write and edit condition pages, their codes and sources, and submit them for medical review.",
    roles.REVIEWER: "You read pages submitted for review and sign them off; a sign-off publishes a page in review.",
    roles.MODERATOR: "You approve or reject members' stories and handle readers' reports.",
}


def dashboard(user):
    """The dashboard's lists for this user, each only when their permissions let them act on it."""
    members = community_dashboard.members_per_condition()
    return [*conditions_dashboard.sections(user, members=members), *community_dashboard.sections(user)]


class EditorialAdminSite(admin.AdminSite):
    site_header = "DiseaseMaps editorial"
    site_title = "DiseaseMaps admin"
    index_title = "Editorial dashboard"
    index_template = "admin/editorial_index.html"
    login_form = AdminLoginForm  # counts failed log-ins like the site's (django-axes)

    def index(self, request, extra_context=None):
        user = request.user
        roles = sorted(user.groups.values_list("name", flat=True))
        context = {
            "dashboard": dashboard(user),
            "roles": [(name, ROLE_SUMMARIES.get(name, "")) for name in roles],
            "is_superuser": user.is_superuser,
        }
        return super().index(request, {**context, **(extra_context or {})})
