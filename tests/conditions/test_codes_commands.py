"""load_codesets and audit_codes, the commands that keep the site's codes true to the official releases."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count

from conditions.codes import format as code_format
from conditions.models import Code, CodeMapping, ConditionCode

I10, I9 = code_format.ICD10CM, code_format.ICD9CM


def audit():
    """(passed, printed) for one audit_codes run."""
    out = StringIO()
    try:
        call_command("audit_codes", stdout=out)
    except CommandError as error:
        return False, out.getvalue() + str(error)
    return True, out.getvalue()


def test_the_demo_content_passes_the_audit(db, settings):
    settings.DEBUG = True
    call_command("load_demo", verbosity=0)
    passed, printed = audit()
    assert passed, printed
    assert "No problems in 3" in printed  # "… in 3x condition codes of 8 conditions"


def test_audit_lists_a_code_planted_past_validation_with_its_condition(make_condition, add_code):
    condition = make_condition(name="Lambert-Eaton myasthenic syndrome")
    planted = add_code(condition, I10, "G70.80")
    add_code(condition, I9, "358.30")
    ConditionCode.objects.filter(pk=planted.pk).update(value="G70.82", code=None)  # bypasses clean()
    passed, printed = audit()
    assert not passed
    assert "Lambert-Eaton myasthenic syndrome (published): ICD-10-CM G70.82: G70.82 is not an ICD-10-CM code" in printed
    assert "Did you mean: G70.80" in printed
    assert "358.30" not in printed
    assert "1 problem in 2 condition codes of 1 condition against" in printed


def test_audit_finds_a_non_billable_primary_an_unlinked_code_and_malformed_other_codes(make_condition, add_code):
    condition = make_condition(name="Marfan syndrome")
    primary = add_code(condition, I10, "Q87.40")
    legacy = add_code(condition, I9, "759.82")
    orpha = add_code(condition, code_format.ORPHA, "558")
    ConditionCode.objects.filter(pk=primary.pk).update(value="Q87.4", code=Code.objects.get(system=I10, code="Q87.4"))
    ConditionCode.objects.filter(pk=legacy.pk).update(code=None)
    ConditionCode.objects.filter(pk=orpha.pk).update(value="ORPHA558")
    passed, printed = audit()
    assert not passed
    assert "ICD-10-CM Q87.4 is a primary code but not billable" in printed
    assert "ICD-9-CM 759.82 is not linked to the official code set" in printed
    assert "ORPHA ORPHA558 is not written in its canonical form, 558." in printed


def test_rerunning_the_loader_keeps_every_code_and_id_and_drops_only_what_the_release_lacks(make_condition, add_code):
    condition = make_condition(name="Lambert-Eaton myasthenic syndrome")
    kept = add_code(condition, I10, "G70.80")
    # A code the release does not have, as an older release might have left behind
    retired = Code.objects.create(
        system=I10, code="G70.88", title="Planted for this test", kind="code", is_billable=True,
        parent=Code.objects.get(system=I10, code="G70.8"),
    )  # fmt: skip
    CodeMapping.objects.create(source=retired, target=Code.objects.get(system=I9, code="358.8"))
    planted = ConditionCode.objects.create(condition=condition, system=I10, value="G70.88", code=retired)
    codes_before = dict(Code.objects.exclude(pk=retired.pk).values_list("pk", "title"))
    mappings_before = CodeMapping.objects.count() - 1
    out = StringIO()

    call_command("load_codesets", stdout=out)

    assert dict(Code.objects.values_list("pk", "title")) == codes_before
    assert CodeMapping.objects.count() == mappings_before
    assert not Code.objects.values("system", "code").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert "ICD-10-CM: 98466 entries (22 chapters, 258 blocks, 1918 categories" in out.getvalue()
    assert "0 new, 1 removed as no longer in it" in out.getvalue()
    assert "Condition codes naming an ICD-10-CM code this release no longer has: 1." in out.getvalue()
    kept.refresh_from_db()
    planted.refresh_from_db()
    assert kept.code.code == "G70.80"
    assert planted.code is None  # kept, unlinked, for audit_codes to report
    assert "G70.88 is not an ICD-10-CM code" in audit()[1]


@pytest.mark.django_db
def test_loader_dry_run_counts_and_changes_nothing():
    before = Code.objects.count()
    out = StringIO()
    call_command("load_codesets", "--dry-run", stdout=out)
    assert "Would load ICD-9-CM: 14567 entries (14567 codes; 14567 billable)" in out.getvalue()
    assert Code.objects.count() == before
