from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpResponse
from django.views.decorators.http import require_POST

from community import ratelimit
from conditions.markdown import MAX_LENGTH, TOO_LONG, render


def _plain(message, status):
    # markdownx shows whatever comes back in the preview pane, so the refusal is plain words.
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


@staff_member_required
@require_POST
def markdown_preview(request):
    """The admin's live preview: markdownx posts `content` here as an editor types."""
    if ratelimit.hit(request, "preview"):
        return _plain(ratelimit.MESSAGE, 429)
    text = request.POST.get("content", "")
    if len(text) > MAX_LENGTH:
        return _plain(TOO_LONG, 413)
    return HttpResponse(render(text))
