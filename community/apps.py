from django.apps import AppConfig


class CommunityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "community"

    def ready(self):
        from conditions import signals

        from .models import Membership, Story

        signals.connect_community([Membership, Story])  # members and stories show on condition pages
