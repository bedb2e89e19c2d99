from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm

from conditions.validators import no_bidi_controls

from . import ratelimit
from .models import PageUpdates, Role, Story, StoryReport, User

STORY_BODY_MAX = 10_000
STORY_TOO_LONG = (
    "Your story is {length:,} characters; the limit is {limit:,}. Nothing was lost: shorten it and send it again."
)
HEALTH_DATA_CONSENT_LABEL = (
    "I agree that DiseaseMaps keeps the health-related information I give it: the communities I join, "
    "the pages I follow and the stories I write"
)
HEALTH_DATA_CONSENT_HELP = (
    "Joining a condition's community says that you, or someone close to you, has it. "
    "You can withdraw this consent on your account page at any time; you then leave your communities."
)
CONSENT_REQUIRED = "Tick this box to agree, or we cannot keep your communities and stories."
ROLE_ERROR = "Choose the role that describes you."


class PlainLabels:
    """Labels without Django's trailing colon, like the rest of the site."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class HoneypotMixin(PlainLabels, forms.Form):
    """A field people never see (hidden by CSS, skipped by keyboard and screen readers); bots that
    fill every field give themselves away."""

    website = forms.CharField(required=False, label="Leave this field empty")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("website"):  # shown above the form: the field itself is invisible
            raise forms.ValidationError("This form could not be sent. Please try again.")
        return cleaned


class SignupForm(HoneypotMixin, forms.Form):
    email = forms.EmailField(
        label="E-mail address",
        max_length=User._meta.get_field("email").max_length,
        help_text="To log in and to reset your password. Nobody else ever sees it.",
        error_messages={
            "required": "Enter your e-mail address.",
            "invalid": "Enter an e-mail address like name@example.org.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    display_name = forms.CharField(
        label="Display name",
        max_length=User._meta.get_field("display_name").max_length,
        validators=[no_bidi_controls],
        help_text="Shown only where you choose to be named, e.g. on a story. Not your full name if you'd rather not.",
        error_messages={"required": "Enter a display name."},
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        help_text="At least 8 characters; not a common password and not only numbers.",
        error_messages={"required": "Choose a password."},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}, render_value=True),
    )
    health_data_consent = forms.BooleanField(
        label=HEALTH_DATA_CONSENT_LABEL,
        help_text=HEALTH_DATA_CONSENT_HELP,
        error_messages={"required": CONSENT_REQUIRED},
    )
    age_confirmed = forms.BooleanField(
        label="I am 16 or older",
        error_messages={"required": "DiseaseMaps accounts are for people aged 16 or older."},
    )
    field_order = ["email", "display_name", "password", "health_data_consent", "age_confirmed", "website"]

    def clean_email(self):
        # Whether the address has an account is never said here: see services.member_signup.
        return User.objects.normalize_email(self.cleaned_data["email"]).lower()

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password:
            candidate = User(email=cleaned.get("email", ""), display_name=cleaned.get("display_name", ""))
            try:
                password_validation.validate_password(password, candidate)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class PasswordCheckMixin:
    """A form that asks the account's owner (`user`) for their password: wrong answers count
    towards the log-in lock, and a locked address is refused before any check."""

    LOCKED = ratelimit.LOGIN_MESSAGE
    WRONG = ""

    def __init__(self, *args, user, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.request = user, request

    def password_matches(self, password):
        raise NotImplementedError

    def clean_password(self):
        password = self.cleaned_data["password"]
        if ratelimit.login_blocked(self.request):
            raise forms.ValidationError(self.LOCKED, code="throttled")
        if not self.password_matches(password):
            ratelimit.login_failed(self.request)
            if getattr(self.request, "axes_locked_out", False):
                raise forms.ValidationError(self.LOCKED, code="throttled")
            raise forms.ValidationError(self.WRONG)
        return password


class SignupConfirmForm(PasswordCheckMixin, PlainLabels, forms.Form):
    """The last step of a sign-up: the link proves the inbox, the password proves that whoever
    follows it also chose the password, so nobody can activate an account whose password a
    stranger set by signing up with their address."""

    WRONG = (
        "That is not the password chosen when this address was signed up. "
        "If you did not sign up, you need do nothing: no account is created."
    )
    LOCKED = "Too many wrong passwords. For your security, please wait a while and try again."

    password = forms.CharField(
        label="Your password",
        strip=False,
        help_text="Forgotten it? Sign up again with the same address to choose a new one.",
        error_messages={"required": "Enter the password you chose when you signed up."},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def password_matches(self, password):
        return ratelimit.password_check(self.request, self.user, password)


class ThrottledLoginMixin:
    """Refuses log-ins from an address over the spraying ceiling (ratelimit) and for a locked
    (account, address) pair (django-axes, whose backend refuses before checking the password)."""

    def clean(self):
        if ratelimit.login_blocked(self.request):
            raise forms.ValidationError(ratelimit.LOGIN_MESSAGE, code="throttled")
        try:
            return super().clean()
        except forms.ValidationError:
            ratelimit.login_failed(self.request)
            if getattr(self.request, "axes_locked_out", False):
                raise forms.ValidationError(ratelimit.LOGIN_MESSAGE, code="throttled") from None
            raise


class LoginForm(ThrottledLoginMixin, PlainLabels, AuthenticationForm):
    """E-mail addresses are stored in lower case; accept them typed in any case."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Please enter a correct e-mail address and password. If you have just signed up, "
        "follow the link in the e-mail we sent you first.",
    }

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass


class HoneypotPasswordResetForm(HoneypotMixin, PasswordResetForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "E-mail address"


class NewPasswordForm(PlainLabels, SetPasswordForm):
    pass


class JoinForm(PlainLabels, forms.Form):
    """With `needs_consent` (a member who has not agreed, or withdrew their consent), joining
    asks for the consent to keeping health-related data first."""

    role = forms.ChoiceField(
        label="I am a",
        choices=Role.choices,
        widget=forms.RadioSelect,
        error_messages={"required": ROLE_ERROR, "invalid_choice": ROLE_ERROR},
    )
    is_public = forms.BooleanField(
        label="List me by my display name on this community's page",
        required=False,
        help_text="Unticked, nobody can see that you are a member: the public sees only the count.",
    )

    def __init__(self, *args, needs_consent=False, **kwargs):
        super().__init__(*args, **kwargs)
        if needs_consent:
            self.fields["health_data_consent"] = forms.BooleanField(
                label=HEALTH_DATA_CONSENT_LABEL,
                help_text=HEALTH_DATA_CONSENT_HELP,
                error_messages={"required": CONSENT_REQUIRED},
            )


class NotificationsForm(PlainLabels, forms.ModelForm):
    class Meta:
        model = User
        fields = ["page_updates", "story_emails"]
        labels = {
            "page_updates": "When a page I follow is updated after a medical review",
            "story_emails": "E-mail me when a moderator publishes, does not publish or edits one of my stories",
        }
        help_texts = {"page_updates": "", "story_emails": ""}
        widgets = {"page_updates": forms.RadioSelect(choices=PageUpdates.choices)}


class StoryForm(HoneypotMixin, forms.ModelForm):
    # No max_length: the browser would cut a longer paste without a word (maxlength). The length is
    # checked in clean_body, which says how long the story is; static/js/story-counter.js counts as one types.
    body = forms.CharField(
        label="Your story",
        widget=forms.Textarea(attrs={"rows": 14, "data-limit": STORY_BODY_MAX}),
        help_text="Some questions that may help: How did it start? What helped? What do you wish you had "
        "known sooner? What would you tell someone who has just been diagnosed, or who cares for someone who has? "
        f"Up to {STORY_BODY_MAX:,} characters. Leave out names, dates and places that could identify someone.",
    )
    consent = forms.BooleanField(
        required=True,
        error_messages={"required": "Tick the box to agree, or your story cannot be shown."},
    )
    # One-time token of this form: sending it twice (a double click) stores one story.
    token = forms.UUIDField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Story
        fields = ["title", "body", "role", "show_name"]
        labels = {"title": "Title", "role": "I am writing as a", "show_name": "Show my display name with the story"}
        help_texts = {"show_name": "Unticked, the story is shown as by an anonymous member in the role you chose."}
        error_messages = {"role": {"invalid_choice": ROLE_ERROR, "required": ROLE_ERROR}}

    field_order = ["title", "body", "role", "show_name", "consent", "website", "token"]

    def __init__(self, *args, condition, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = Role.choices  # no empty "-------" choice
        self.fields["role"].widget = forms.RadioSelect(choices=Role.choices)
        self.fields["consent"].label = (
            f"I agree that, once a moderator approves it, this story may be shown to anyone on the "
            f"{condition.name} community page and condition page of DiseaseMaps."
        )
        self.fields["title"].error_messages["required"] = "Give your story a title."
        self.fields["body"].error_messages["required"] = "Write your story before sending it."

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError("Give your story a title.")
        return title

    def clean_body(self):
        # Browsers send new lines as CRLF; counted as one character, as the page's counter does.
        body = normalise_newlines(self.cleaned_data["body"])
        if len(body) > STORY_BODY_MAX:
            raise forms.ValidationError(STORY_TOO_LONG.format(length=len(body), limit=STORY_BODY_MAX), code="too_long")
        return body


def normalise_newlines(text):
    return text.replace("\r\n", "\n").replace("\r", "\n")


class StoryReportForm(HoneypotMixin, forms.ModelForm):
    class Meta:
        model = StoryReport
        fields = ["reason"]
        labels = {"reason": "What is wrong with this story?"}
        help_texts = {"reason": "For example: it names a person, it gives medical advice, it is spam."}
        widgets = {"reason": forms.Textarea(attrs={"rows": 4})}
        error_messages = {"reason": {"required": "Tell the moderators what is wrong."}}

    field_order = ["reason", "website"]


class DeleteAccountForm(PasswordCheckMixin, PlainLabels, forms.Form):
    stories = forms.ChoiceField(
        label="My stories",
        choices=[
            ("delete", "Delete my stories"),
            ("keep", "Keep my stories on the site, anonymised (no name, no link to me)"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what happens to your stories."},
    )
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="To make sure it is you.",
        error_messages={"required": "Enter your password."},
    )

    WRONG = "That is not your password."

    def password_matches(self, password):
        """Checked like a log-in (authenticate)."""
        return authenticate(self.request, username=self.user.email, password=password) == self.user
