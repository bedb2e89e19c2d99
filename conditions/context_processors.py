from django.core.cache import cache

from .models import SiteText

DISCLAIMER_CACHE_KEY = "sitetext:medical-disclaimer"
DEFAULT_DISCLAIMER = (
    "This information is for educational purposes only and does not constitute professional medical "
    "advice, diagnosis, or treatment. Always seek the advice of your physician or other qualified health "
    "provider with any questions you may have regarding a medical condition."
)


def medical_disclaimer():
    """The editors' disclaimer text; cached, and cleared when an editor saves it (see admin)."""
    text = cache.get(DISCLAIMER_CACHE_KEY)
    if text is None:
        text = (
            SiteText.objects.filter(key=SiteText.Key.MEDICAL_DISCLAIMER).values_list("text", flat=True).first()
            or DEFAULT_DISCLAIMER
        )
        cache.set(DISCLAIMER_CACHE_KEY, text, 3600)
    return text


def site(request):
    return {"medical_disclaimer": medical_disclaimer}
