"""The demo site is loaded once for this module (tests/conftest.py's `demo`); each test's changes
are rolled back."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from community.models import Membership, User
from conditions.models import Code, Condition, ConditionCode


def test_demo_lems_page_has_verified_codes(demo):
    lems = Condition.objects.get(slug="lambert-eaton-myasthenic-syndrome")
    codes = {(c.system, c.value): c for c in lems.codes.all()}
    assert codes[("icd-10-cm", "G70.80")].role == ConditionCode.Role.PRIMARY
    assert codes[("icd-9-cm", "358.30")].role == ConditionCode.Role.PRIMARY
    # the seed's ICD-9-CM 358.41 does not exist, so it must not be copied
    assert ("icd-9-cm", "358.41") not in codes
    assert not Code.objects.filter(system="icd-9-cm", code="358.41").exists()
    for code in lems.codes.filter(system__in=["icd-10-cm", "icd-9-cm"]).exclude(value="C00-D49"):
        assert code.code is not None and code.code.code == code.value
    # G73.1's official note: "Code first underlying neoplasm (C00-D49)", a range (chapter 2), not C34.90
    neoplasm = codes[("icd-10-cm", "C00-D49")]
    assert neoplasm.role == ConditionCode.Role.CODE_FIRST
    assert neoplasm.fit == ""
    assert neoplasm.code.title == "Neoplasms (C00-D49)"
    assert ("icd-10-cm", "C34.90") not in codes


def test_demo_lems_community_has_the_seeds_23_members(demo):
    assert Membership.objects.filter(condition__slug="lambert-eaton-myasthenic-syndrome").count() == 23


def test_demo_has_at_least_six_published_conditions_all_with_codes(demo):
    published = Condition.objects.published()
    assert published.count() >= 6
    for condition in published:
        assert condition.codes.filter(system="icd-10-cm", role="primary").exists(), condition


def test_demo_content_is_marked_unreviewed(demo, client):
    response = client.get("/conditions/lambert-eaton-myasthenic-syndrome/")
    assert "Demo content, not yet reviewed" in response.content.decode()
    assert not Condition.objects.filter(reviews__isnull=False).exists()


def test_demo_accounts_can_log_in(demo, client):
    response = client.post(
        reverse("community:login"), {"username": "editor@diseasemaps.example", "password": "editor-demo-2026"}
    )
    assert response.status_code == 302
    assert client.get(reverse("community:me")).context["user"].email == "editor@diseasemaps.example"
    assert User.objects.get(email="reviewer@diseasemaps.example").credentials


def test_load_demo_twice_changes_nothing(demo, settings):
    settings.DEBUG = True  # load_demo refuses production
    before = list(Condition.objects.values_list("slug", "updated_at", "content_version"))
    counts = (ConditionCode.objects.count(), Membership.objects.count(), User.objects.count())
    call_command("load_demo", verbosity=0)
    assert list(Condition.objects.values_list("slug", "updated_at", "content_version")) == before
    assert (ConditionCode.objects.count(), Membership.objects.count(), User.objects.count()) == counts


def test_load_demo_refuses_production(db, settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=true"):
        call_command("load_demo", verbosity=0)


def test_load_demo_leaves_a_page_an_editor_took_over(demo, settings):
    settings.DEBUG = True  # load_demo refuses production
    lems = Condition.objects.get(slug="lambert-eaton-myasthenic-syndrome")
    lems.summary = "Rewritten by our editor."
    lems.origin = "editorial"
    lems.save()
    call_command("load_demo", verbosity=0)
    lems.refresh_from_db()
    assert lems.summary == "Rewritten by our editor."


def test_demo_lems_symptoms_come_from_the_seed_and_the_hpo_annotations(demo):
    lems = Condition.objects.get(slug="lambert-eaton-myasthenic-syndrome")
    assert lems.symptoms.startswith("The hallmark symptom is proximal muscle weakness")
    assert lems.signs.filter(symptom__name="Calcium channel antibody positivity").exists()
