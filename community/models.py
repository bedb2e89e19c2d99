from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from markdownx.models import MarkdownxField

from conditions.markdown import render
from conditions.models import fingerprint
from conditions.validators import no_bidi_controls


class MemberManager(UserManager):
    def create_user(self, username=None, email=None, password=None, **extra_fields):
        return super().create_user(username or email, email, password, **extra_fields)

    def create_superuser(self, username=None, email=None, password=None, **extra_fields):
        return super().create_superuser(username or email, email, password, **extra_fields)


class PageUpdates(models.TextChoices):
    DAILY = "daily", "An e-mail when a page I follow is updated after review (at most one a day per page)"
    WEEKLY = "weekly", "One e-mail a week listing the pages I follow that were updated"
    NEVER = "never", "No e-mails about page updates"


class User(AbstractUser):
    """A member signs in with their e-mail address, which is never shown to anyone else."""

    email = models.EmailField("e-mail address", unique=True)
    display_name = models.CharField(
        max_length=60,
        blank=True,
        validators=[no_bidi_controls],
        help_text="Shown only where the member chooses to be named.",
    )
    credentials = models.CharField(
        max_length=200,
        blank=True,
        validators=[no_bidi_controls],
        help_text="For medical reviewers: degrees and specialty, e.g. 'MD, neurologist'.",
    )
    is_awaiting_confirmation = models.BooleanField(
        default=False, help_text="Signed up but has not yet confirmed the e-mail address: cannot log in until then."
    )
    # Joining a condition's community, or following it, says the member or someone close to them
    # has it: health data, kept only with this consent (given at sign-up, withdrawn on /accounts/me/).
    health_data_consent_at = models.DateTimeField(
        null=True, blank=True, help_text="When the member agreed to DiseaseMaps keeping their health-related data."
    )
    age_confirmed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the member confirmed being 16 or older."
    )
    page_updates = models.CharField(
        max_length=10,
        choices=PageUpdates,
        default=PageUpdates.DAILY,
        help_text="E-mails about the condition pages the member follows.",
    )
    story_emails = models.BooleanField(
        default=True, help_text="E-mails about the member's own stories: published, not published, edited."
    )
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["username"]
    objects = MemberManager()

    def __str__(self):
        return self.display_name or self.username

    @property
    def has_health_data_consent(self):
        return self.health_data_consent_at is not None


class Role(models.TextChoices):
    PATIENT = "patient", "Patient"
    CAREGIVER = "caregiver", "Caregiver"
    FAMILY = "family", "Family member"
    CLINICIAN = "clinician", "Clinician"
    SUPPORTER = "supporter", "Supporter"


class MembershipQuerySet(models.QuerySet):
    def role_counts(self):
        """{role: count} in one query."""
        return dict(self.values_list("role").annotate(n=Count("id")).order_by())

    def totals(self):
        """{"members": memberships, "communities": conditions with at least one member}, in one query."""
        return self.aggregate(members=Count("id"), communities=Count("condition", distinct=True))


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="memberships")
    condition = models.ForeignKey("conditions.Condition", models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role)
    is_public = models.BooleanField(
        default=False, help_text="Members are private unless they choose to be listed by display name."
    )
    joined_at = models.DateTimeField(auto_now_add=True)
    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "condition"], name="community_membership_unique"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="community_membership_role_valid"),
        ]
        indexes = [
            # the members listed by display name on a community page
            models.Index(fields=["condition"], condition=Q(is_public=True), name="community_membership_public"),
        ]

    def __str__(self):
        return f"{self.user} in {self.condition} as {self.get_role_display().lower()}"


class StoryStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a moderator"
    APPROVED = "approved", "Published"
    REJECTED = "rejected", "Not published"
    WITHDRAWN = "withdrawn", "Withdrawn"


WITHDRAWN_NOT_APPROVED = "Its author withdrew this story: it cannot be approved unless they send it again."
REJECTION_NEEDS_REASON = "Tell the author why the story was not published."
STORY_CHANGED = (
    "This story changed after you opened it: its author edited or withdrew it. Nothing was saved; "
    "open it again to moderate what is there now."
)


class StoryQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=StoryStatus.APPROVED)

    def pending(self):
        """The moderation queue, oldest first."""
        return self.filter(status=StoryStatus.PENDING).order_by("created_at")

    def with_open_reports(self):
        """Annotates `open_reports`: reports no moderator has resolved yet."""
        return self.annotate(open_reports=Count("reports", filter=Q(reports__resolved_at=None)))

    def reported(self):
        """Stories with at least one unresolved report: they need a moderator's look."""
        return self.filter(reports__resolved_at=None, reports__isnull=False).distinct()


class Story(models.Model):
    Status = StoryStatus

    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="stories")
    condition = models.ForeignKey("conditions.Condition", models.CASCADE, related_name="stories")
    title = models.CharField(max_length=120, validators=[no_bidi_controls])
    body = MarkdownxField()
    body_html = models.TextField(blank=True, editable=False)
    role = models.CharField(max_length=20, choices=Role)
    show_name = models.BooleanField(default=False, help_text="Anonymous unless the author chooses their display name.")
    consent = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    rejection_reason = models.TextField(blank=True, help_text="The author sees this.")
    moderator_edited = models.BooleanField(default=False, help_text="A moderator removed identifying details.")
    moderator_note = models.TextField(
        blank=True, help_text="The author sees this: what you changed, e.g. 'Removed the hospital's name.'"
    )
    moderated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    moderated_at = models.DateTimeField(null=True, blank=True)
    # The one-time token of the form that sent the story: a repeated or concurrent POST of the same
    # form (a double click) finds the first story instead of storing a second one.
    submission_token = models.UUIDField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    objects = StoryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "stories"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=StoryStatus.values), name="community_story_status_valid"),
            models.UniqueConstraint(fields=["submission_token"], name="community_story_submitted_once"),
        ]
        indexes = [
            # moderation queue, oldest first
            models.Index(fields=["created_at"], condition=Q(status="pending"), name="community_story_pending"),
            # approved stories of a condition, newest first (condition and community pages)
            models.Index(fields=["condition", "status", "-created_at"], name="community_story_by_condition"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("community:detail", args=[self.condition.slug]) + f"#story-{self.pk}"

    def save(self, *args, **kwargs):
        self.body_html = render(self.body)
        super().save(*args, **kwargs)

    def clean(self):
        if self.status == StoryStatus.REJECTED and not self.rejection_reason.strip():
            raise ValidationError({"rejection_reason": REJECTION_NEEDS_REASON})
        # The author was told nobody else sees a withdrawn story: only they can send it again.
        if self.pk and self.status == StoryStatus.APPROVED:
            stored = Story.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == StoryStatus.WITHDRAWN:
                raise ValidationError({"status": WITHDRAWN_NOT_APPROVED})

    def version_token(self):
        """A fingerprint of what a moderator is shown: the words, the author's choices and the
        status. Moderation forms carry it and are refused once it no longer matches."""
        return fingerprint(self.title, self.body, self.role, self.show_name, self.consent, self.status, self.author_id)

    @property
    def byline(self):
        if self.show_name and self.author and self.author.display_name:
            return self.author.display_name
        return f"Anonymous {self.get_role_display().lower()}"


class StoryReportQuerySet(models.QuerySet):
    def open(self):
        return self.filter(resolved_at=None)


class StoryReport(models.Model):
    story = models.ForeignKey(Story, models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    reason = models.CharField(max_length=500, validators=[no_bidi_controls])
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    objects = StoryReportQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["story", "reporter"], name="community_storyreport_once_per_reader"),
        ]

    def __str__(self):
        return f"Report on {self.story}"


class Follow(models.Model):
    """A member follows a condition's page: joining its community follows it, and a member can
    follow a page without joining. Like a membership it is private: nobody else ever sees it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="follows")
    condition = models.ForeignKey("conditions.Condition", models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "condition"], name="community_follow_unique")]

    def __str__(self):
        return f"{self.user} follows {self.condition}"


class PageUpdate(models.Model):
    """A condition page's medical content was published after a medical review: what followers
    are told about (community.notifications)."""

    condition = models.ForeignKey("conditions.Condition", models.CASCADE, related_name="page_updates")
    content_version = models.PositiveIntegerField()
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            # a weekly digest: the updates of the pages a member follows since a date
            models.Index(fields=["condition", "published_at"], name="community_pageupdate_recent"),
        ]

    def __str__(self):
        return f"{self.condition} version {self.content_version}"


class Notification(models.Model):
    """One e-mail about followed pages, by its key: the unique key is what keeps a member to one
    e-mail per page per day ("page:<condition>:<user>:<date>") or one digest per week
    ("digest:<user>:<week>"), however many workers and sign-offs there are."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    key = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.key
