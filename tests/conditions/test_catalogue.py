import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Value
from django.db.models.functions import Concat
from django.test.utils import CaptureQueriesContext
from pytest_django.asserts import assertContains, assertNotContains

from conditions import search
from conditions.catalogue.importer import import_catalogue, orphanet_diseases
from conditions.models import Condition, ConditionCode, ConditionSymptom, Origin, Symptom

SLICE = 40  # the first 40 Orphanet diseases in the HPO annotations (real data, small)


def test_import_creates_labelled_unreviewed_pages_with_codes_and_signs(db, client):
    result = import_catalogue(limit=SLICE)
    assert result.created == SLICE
    number, name, signs = orphanet_diseases(SLICE)[0]
    condition = Condition.objects.get(codes__system="orpha", codes__value=number)
    assert condition.name == name
    assert condition.origin == Origin.CATALOGUE
    assert condition.signs.count() == len(signs)
    response = client.get(condition.get_absolute_url())
    assertContains(response, "Catalogue entry, not yet reviewed")
    assertContains(response, "Not yet medically reviewed")
    assertContains(response, "Human Phenotype Ontology")
    assertNotContains(response, "Medically reviewed</span> by")


def test_signs_show_with_frequency_and_link_to_symptom_pages(db, client):
    import_catalogue(limit=SLICE)
    link = ConditionSymptom.objects.exclude(frequency="").select_related("condition", "symptom").first()
    response = client.get(link.condition.get_absolute_url())
    assertContains(response, link.symptom.plain_name)
    assertContains(response, link.frequency.lower())
    symptom_page = client.get(link.symptom.get_absolute_url())
    assertContains(symptom_page, link.condition.name)


def test_second_import_updates_rather_than_duplicates(db):
    import_catalogue(limit=SLICE)
    counts = (Condition.objects.count(), ConditionCode.objects.count(), ConditionSymptom.objects.count())
    result = import_catalogue(limit=SLICE)
    assert (result.created, result.updated, result.unchanged) == (0, 0, SLICE)
    assert (Condition.objects.count(), ConditionCode.objects.count(), ConditionSymptom.objects.count()) == counts


def test_import_never_overwrites_an_editors_page(db, make_condition, add_code):
    number, name, _ = orphanet_diseases(SLICE)[3]
    edited = make_condition(name="Our own title", summary="Written by an editor.", origin=Origin.EDITORIAL)
    add_code(edited, "orpha", number)
    result = import_catalogue(limit=SLICE)
    edited.refresh_from_db()
    assert edited.summary == "Written by an editor."
    assert edited.name == "Our own title"
    assert any(line.startswith(f"ORPHA:{number} ") for line in result.skipped)
    assert not Condition.objects.filter(name=name).exists()


def test_command_reports_what_it_did(db, capsys):
    call_command("import_catalogue", "--limit", "5")
    out = capsys.readouterr().out
    assert "5 new" in out
    assert "Human Phenotype Ontology annotations (version 2025-01-16)" in out


def test_dry_run_changes_nothing(db):
    result = import_catalogue(limit=SLICE, dry_run=True)
    assert result.created == SLICE
    assert not Condition.objects.filter(origin=Origin.CATALOGUE).exists()


def test_imported_entries_are_searchable_by_name_and_orpha_code(db, client):
    call_command("import_catalogue", "--limit", str(SLICE), verbosity=0)
    number, name, _ = orphanet_diseases(SLICE)[7]
    assertContains(client.get("/search/", {"q": name}), name)
    assertContains(client.get("/search/", {"q": f"ORPHA:{number}"}), name)


def test_catalogue_pages_cite_their_sources_and_licences(db, client):
    import_catalogue(limit=3)
    number, name, _ = orphanet_diseases(3)[0]
    response = client.get(Condition.objects.get(name=name).get_absolute_url())
    assertContains(response, f"Orphanet: {name} (ORPHA:{number})")
    assertContains(response, "CC BY 4.0")
    assertContains(response, "This page uses the Human Phenotype Ontology")
    import_catalogue(limit=3)  # a second run adds no duplicate sources
    assert Condition.objects.get(name=name).references.count() == 2


def test_the_command_analyzes_what_it_filled_on_postgresql_and_runs_as_before_on_sqlite(db, client):
    with CaptureQueriesContext(connection) as queries:
        call_command("import_catalogue", "--only", "15,160", verbosity=0)
    analyzed = [q["sql"] for q in queries if q["sql"].startswith("ANALYZE")]
    assert len(analyzed) == (1 if connection.vendor == "postgresql" else 0)
    assertContains(client.get("/search/", {"q": "Castleman disease"}), "Castleman disease")


def _full_text_segments():
    with connection.cursor() as cursor:
        counts = {}
        for table in search.FULL_TEXT_TABLES:
            cursor.execute(f"SELECT count(DISTINCT segid) FROM {table}_idx")
            counts[table] = cursor.fetchone()[0]
        return counts


@pytest.mark.sqlite
def test_on_sqlite_the_loads_leave_each_full_text_index_in_one_piece(db):
    """A bulk load left the indexes in many segments, which every search read one by one (a
    two-word search 48 us, 9 once merged). The code sets are loaded for the session (conftest)."""
    call_command("import_catalogue", "--limit", str(SLICE), verbosity=0)
    assert _full_text_segments() == {"conditions_search_fts": 1, "conditions_code_fts": 1}
    Condition.objects.filter(origin=Origin.CATALOGUE).update(name=Concat("name", Value(" (renamed)")))
    call_command("rebuild_derived", verbosity=0)
    assert _full_text_segments() == {"conditions_search_fts": 1, "conditions_code_fts": 1}


@pytest.mark.postgres
def test_postgresql_has_statistics_of_the_imported_signs_at_once(db):
    # Without them the signs index and symptom searches were planned as if the tables were empty.
    call_command("import_catalogue", "--only", "15,160", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT histogram_bounds::text::text[] FROM pg_stats WHERE tablename = %s AND attname = 'hpo_id'",
            [Symptom._meta.db_table],
        )
        described = [set(bounds) for (bounds,) in cursor.fetchall()]
    assert described == [set(Symptom.objects.values_list("hpo_id", flat=True))]
