import re

from django.core.exceptions import ValidationError

# Unicode's Bidi_Control characters: ALM, LRM, RLM, the embeddings and overrides (LRE … RLO) and
# the isolates (LRI … PDI). https://www.unicode.org/reports/tr9/#Directional_Formatting_Characters
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def no_bidi_controls(value):
    """For single-line text (names, titles): a right-to-left override can make "Dr Smith" or a
    title display as something other than what was typed (display spoofing)."""
    if BIDI_CONTROLS.search(value or ""):
        raise ValidationError(
            "Remove the invisible text-direction characters (such as a right-to-left override): "
            "they make text display differently from what it says.",
            code="bidi_control",
        )
