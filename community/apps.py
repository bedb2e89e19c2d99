from django.apps import AppConfig
from django.db.models.signals import post_save


class CommunityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "community"

    def ready(self):
        from conditions import events, signals

        from . import services
        from .models import Membership, Story, User

        signals.connect_shown_on_pages([Membership, Story])  # members and stories show on condition pages
        post_save.connect(services.on_member_saved, sender=User, dispatch_uid="community-member-saved")
        # Followers are e-mailed when a page's medical content is published after review.
        events.page_published.connect(services.on_page_published, dispatch_uid="community-page-published")
