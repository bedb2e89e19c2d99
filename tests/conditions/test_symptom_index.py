"""The signs index (/symptoms/) lists each sign with its stored count of published conditions
(Symptom.published_count, kept by conditions.derived): the count follows every change a write
path makes, or readers see a number no page list agrees with."""

from django.core.management import call_command
from pytest_django.asserts import assertContains, assertNotContains

from conditions import derived
from conditions.models import ConditionSymptom, Symptom


def shown_counts(client):
    """{sign's plain name: the number of conditions the index says record it}."""
    return {sign.plain_name: sign.published_count for sign in client.get("/symptoms/").context["page"]}


def record(symptom, *conditions):
    """Links the sign to these pages in bulk and refreshes, as the importers do."""
    ConditionSymptom.objects.bulk_create(ConditionSymptom(condition=c, symptom=symptom) for c in conditions)
    derived.refresh([c.pk for c in conditions])


def test_the_count_follows_pages_unpublished_signs_removed_and_pages_deleted(client, make_condition):
    dry_mouth = Symptom.objects.create(hpo_id="HP:0000217", name="Xerostomia", slug="x-217", layperson_name="Dry mouth")
    ptosis = Symptom.objects.create(hpo_id="HP:0000508", name="Ptosis", slug="p-508")
    first, second, third = make_condition(), make_condition(), make_condition()
    record(dry_mouth, first, second, third)
    record(ptosis, first)
    assert shown_counts(client) == {"Dry mouth (xerostomia)": 3, "Ptosis": 1}

    second.status = "draft"  # taken offline: saved through the model, as the admin and workflow do
    second.save()
    assert shown_counts(client) == {"Dry mouth (xerostomia)": 2, "Ptosis": 1}

    # The sign removed from the first page, as the importer removes signs: no link names it any
    # more, yet its count must drop.
    ConditionSymptom.objects.filter(condition=first, symptom=dry_mouth).delete()
    derived.refresh([first.pk])
    derived.count_signs([dry_mouth.pk])
    assert shown_counts(client) == {"Dry mouth (xerostomia)": 1, "Ptosis": 1}

    first.delete()  # its links go with it
    response = client.get("/symptoms/")
    assertContains(response, '<span class="meta">1 condition</span>', html=True)
    assertNotContains(response, "Ptosis")  # recorded by no published page now

    second.status = "published"
    second.save()
    assert shown_counts(client) == {"Dry mouth (xerostomia)": 2}


def test_rebuild_derived_puts_a_wrong_count_right(client, make_condition):
    sign = Symptom.objects.create(hpo_id="HP:0001250", name="Seizure", slug="s-1250")
    record(sign, make_condition(), make_condition())
    Symptom.objects.filter(pk=sign.pk).update(published_count=40)  # a bulk change made outside the site
    call_command("rebuild_derived", verbosity=0)
    assert shown_counts(client) == {"Seizure": 2}


def test_the_index_pages_by_letter_in_three_queries(client, make_condition, django_assert_num_queries, settings):
    settings.PAGE_CACHE = False  # count the view's queries, not the page cache's
    page = make_condition()
    for n in range(60):
        record(Symptom.objects.create(hpo_id=f"HP:{n:07}", name=f"Dry thing {n:02}", slug=f"dry-{n}"), page)
    record(Symptom.objects.create(hpo_id="HP:9999999", name="Wet thing", slug="wet"), page)
    # the count for the paginator; the page of signs with their stored counts; the medical disclaimer
    with django_assert_num_queries(3):
        response = client.get("/symptoms/", {"letter": "D", "page": 2})
    assert [sign.name for sign in response.context["page"]] == [f"Dry thing {n}" for n in range(50, 60)]
    assertContains(response, "Page 2 of 2")
    assertNotContains(response, "Wet thing")
