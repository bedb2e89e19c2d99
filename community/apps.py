from django.apps import AppConfig


class CommunityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "community"

    def ready(self):
        from conditions import events, signals

        from . import services
        from .models import Membership, Story

        signals.connect_shown_on_pages([Membership, Story])  # members and stories show on condition pages
        # Followers are e-mailed when a page's medical content is published after review.
        events.page_published.connect(services.on_page_published, dispatch_uid="community-page-published")
