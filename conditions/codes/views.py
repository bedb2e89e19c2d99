"""The official code pages (index, browsing, one code) and the admin's code suggestions."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from diseasemaps.pagecache import cache_for_readers

from ..models import Code
from . import format as code_format
from . import reads
from .release import GEMS_RELEASE, RELEASES


@require_safe
@cache_for_readers()
def code_index(request):
    context = {"icd10_release": RELEASES[code_format.ICD10CM], "icd9_release": RELEASES[code_format.ICD9CM]}
    return render(request, "conditions/code_index.html", context)


@require_safe
@cache_for_readers("range")
def code_browse(request, system):
    """ICD-10-CM by chapter; ICD-9-CM, which the CMS release gives without chapters, by number."""
    canonical = code_format.system_from_url(system)
    if canonical is None:
        raise Http404("Unknown code system")
    if canonical != system:
        return redirect(reverse("conditions:code-browse", args=[canonical]) + _query_string(request), permanent=True)
    context = {"system": system, "label": code_format.label(system), "release": RELEASES[system]}
    if system == code_format.ICD10CM:
        return render(request, "conditions/code_browse.html", context | {"chapters": reads.chapters()})
    prefix = request.GET.get("range", "").upper()
    if not prefix:
        return render(request, "conditions/code_browse.html", context | {"ranges": reads.icd9_ranges()})
    codes = reads.icd9_range(prefix) if reads.ICD9_RANGE.match(prefix) else []
    if not codes:
        raise Http404("No such range")
    code_range = reads.CodeRange(prefix, len(codes))
    return render(request, "conditions/code_range.html", context | {"range": code_range, "codes": codes})


def _query_string(request):
    return f"?{request.GET.urlencode()}" if request.GET else ""


@require_safe
@cache_for_readers()
def code_detail(request, system, code):
    """An official code: title, place in the hierarchy, notes, crosswalk and the conditions using it."""
    canonical_system = code_format.system_from_url(system)
    if canonical_system is None:
        raise Http404("Unknown code system")
    found = reads.code_for_page(canonical_system, code)
    if found is None or canonical_system != system:
        canonical = code_format.canonical_code(canonical_system, code)
        if canonical and (canonical, canonical_system) != (code, system):
            found = reads.code_for_page(canonical_system, canonical)
            if found is not None:
                return redirect(found, permanent=True)
        return _code_missing(request, canonical_system, canonical or code.strip())
    chain = reads.ancestors(found)
    is_group, is_icd9 = found.kind in (Code.Kind.CHAPTER, Code.Kind.BLOCK), system == code_format.ICD9CM
    crosswalk = [] if is_group else reads.crosswalk(found)
    own_notes, inherited_notes = reads.notes(found, chain)
    context = {
        "code": found,
        "heading": reads.heading(found),
        "label": reads.short_label(found),
        "ancestors": [(a, reads.short_label(a)) for a in chain],
        "icd9_range": reads.CodeRange(found.code[:2], 0) if is_icd9 else None,
        "children": reads.children(found) if not is_icd9 else [],
        "neighbours": reads.icd9_neighbours(found) if is_icd9 else [],
        "icd9_category": found.code.split(".")[0],
        "own_notes": own_notes,
        "inherited_notes": inherited_notes,
        "crosswalk": crosswalk,
        "other_label": code_format.label(code_format.OTHER[system]),
        "is_group": is_group,
        "uses": [] if is_group else reads.uses(found, crosswalk),
        "release": RELEASES[system],
        "gems_release": GEMS_RELEASE,
        "canonical_url": settings.SITE_URL + found.get_absolute_url(),
        "structured_data": _code_structured_data(found),
    }
    return render(request, "conditions/code_detail.html", context)


def _code_missing(request, system, code):
    """A 404 that says what was not found, names the nearest real codes and offers a search."""
    try:
        near = Code.objects.suggestions(system, code_format.normalise(system, code))
    except ValueError:
        near = []
    context = {"system": system, "code": code, "label": code_format.label(system), "near": near}
    return render(request, "conditions/code_missing.html", context, status=404)


def _code_structured_data(code):
    if code.kind in (Code.Kind.CHAPTER, Code.Kind.BLOCK):
        return None
    return {
        "@context": "https://schema.org",
        "@type": "MedicalCode",
        "codeValue": code.code,
        "codingSystem": code.system_label,
        "name": code.title,
        "url": settings.SITE_URL + code.get_absolute_url(),
    }


def code_suggest(request):
    """Official codes whose code starts with, or whose title contains, what the editor typed (JSON).
    ConditionAdmin mounts it at admin:conditions_condition_code_suggest, behind the admin's log-in;
    those who may view or change condition pages may ask."""
    if not (request.user.has_perm("conditions.view_condition") or request.user.has_perm("conditions.change_condition")):
        raise PermissionDenied
    system, query = request.GET.get("system", ""), request.GET.get("q", "").strip()[:60]
    compact = code_format.compact(query)
    if system not in code_format.OFFICIAL or len(compact) < 2:
        return JsonResponse({"results": []})
    prefix = code_format.dotted(system, compact)
    codes = (
        Code.objects.filter(system=system)
        .filter(Q(code__startswith=prefix) | Q(title__icontains=query))
        .order_by("code")
        .values("code", "title", "is_billable")[:20]
    )
    return JsonResponse(
        {"results": [{"code": c["code"], "title": c["title"], "billable": c["is_billable"]} for c in codes]}
    )
