"""A catalogue ten times larger, for the benchmark only (never content): every catalogue page is
cloned COPIES times as "<name> (synthetic variant n)" with its signs, other names, codes, open-data
facts and sources, in bulk, then the derived data is rebuilt once (the search entries and the
signs' counts, as conditions.derived.refresh does for rebuild_derived). Then, at that size, the
reader pages' queries against their budgets (tests/test_query_budgets.py) and in-process times,
and search over bench/inprocess.py's queries.

    export DATABASE_URL=sqlite:///$PWD/bench/synthetic.sqlite3            # the default
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_synthetic  # or PostgreSQL
    .venv/bin/python bench/synthetic.py build     # migrate, code sets, demo, catalogue if missing; the clones
    .venv/bin/python bench/synthetic.py measure   # figures for this database, saved in bench/results/
    .venv/bin/python bench/synthetic.py table     # both databases' saved figures as one markdown table
"""

import json
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'bench' / 'synthetic.sqlite3'}")

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.inprocess import SEARCHES, _p95, timed  # noqa: E402  (sets up Django as the benchmark runs it)
from conditions import derived, search  # noqa: E402
from conditions.catalogue.names import index_order  # noqa: E402
from conditions.models import (  # noqa: E402
    Condition,
    ConditionCode,
    ConditionFact,
    ConditionSymptom,
    Origin,
    Reference,
    SearchEntry,
    Symptom,
    Synonym,
)

COPIES = int(os.environ.get("COPIES", 10))
MARK = "(synthetic variant"
RESULTS = ROOT / "bench" / "results"
# The rows each catalogue page has, copied with it (model, its rows' fields as in .values()).
RELATED = [ConditionSymptom, Synonym, ConditionCode, ConditionFact, Reference]
COPIED_FIELDS = ["summary", "rendered", "status", "origin", "acronym"]
# Budgets as tests/test_query_budgets.py and tests/test_sitemap.py assert them.
BUDGETS = {
    "condition page, first view": 14,
    "condition page": 1,
    "community page": 6,
    "A–Z page 1": 3,
    "A–Z last page": 3,
    "symptom list": 3,
    "symptom page, most common sign": 4,
    "search": 6,
    "sitemap index": 4,
    "sitemap file": 2,
}


def vendor():
    return "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"


def build():
    figures = {"database": vendor()}
    call_command("migrate", verbosity=0)
    if not Condition.objects.filter(origin=Origin.CATALOGUE).exists():
        started = time.perf_counter()
        call_command("load_codesets", verbosity=0)
        with override_settings(DEBUG=True):  # load_demo refuses to run in production
            call_command("load_demo", verbosity=0)
        call_command("import_catalogue", verbosity=0)
        figures["base_seconds"] = round(time.perf_counter() - started, 1)
    if Condition.objects.filter(name__contains=MARK).exists():
        sys.exit("The synthetic pages are here already: drop the database (or its file) to build again.")
    originals = list(
        Condition.objects.filter(origin=Origin.CATALOGUE).order_by("pk").only("name", "slug", *COPIED_FIELDS)
    )
    related = {model: list(model.objects.filter(condition__origin=Origin.CATALOGUE).values()) for model in RELATED}
    started, new_ids = time.perf_counter(), []
    for n in range(1, COPIES + 1):
        with transaction.atomic():
            clones = Condition.objects.bulk_create([clone(c, n) for c in originals], batch_size=1000)
            new_pk = {c.pk: copy.pk for c, copy in zip(originals, clones, strict=True)}
            new_ids += new_pk.values()
            for model, rows in related.items():
                model.objects.bulk_create(
                    [model(**{**row, "id": None, "condition_id": new_pk[row["condition_id"]]}) for row in rows],
                    batch_size=2000,
                )
        print(f"copy {n} of {COPIES}: {Condition.objects.count()} pages, {time.perf_counter() - started:.0f} s")
    copied = time.perf_counter()
    with transaction.atomic():
        # The search entries, as derived.refresh() builds them, a few thousand pages at a time: its
        # refresh of every page passes all their ids as query parameters, more than an SQLite built
        # with the default limit allows (32,766; Debian's allows 250,000). The clones have no
        # reviews and no stored parts yet.
        for start in range(0, len(new_ids), 5000):
            search.refresh(new_ids[start : start + 5000])
        derived.count_signs()
        derived.refresh([])  # announces the change: every cached page is retired
        search.merge_full_text_segments()  # as after rebuild_derived (SQLite)
    refreshed = time.perf_counter()
    with connection.cursor() as cursor:
        # Statistics for the planner, and on PostgreSQL the visibility map its index-only scans need
        # (the A–Z index's last pages): what autovacuum gives a running site after bulk inserts.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    figures |= {
        "copy_seconds": round(copied - started, 1),
        "refresh_seconds": round(refreshed - copied, 1),
        "import_seconds": round(refreshed - started, 1),
        **size_and_rows(),
    }
    save(figures)
    print(json.dumps(figures, indent=2))


def clone(condition, n):
    suffix = f" {MARK} {n})"
    name = condition.name[: 200 - len(suffix)] + suffix
    fields = {field: getattr(condition, field) for field in COPIED_FIELDS}
    return Condition(name=name, slug=f"{condition.slug[:170]}-synthetic-{n}", index_order=index_order(name), **fields)


def size_and_rows():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_database_size(current_database())")
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.execute("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")
        size = cursor.fetchone()[0]
    return {
        "database_mb": round(size / 1e6),
        "pages": Condition.objects.count(),
        "published": Condition.objects.published().count(),
        "in_sitemap": Condition.objects.published().indexable().count(),
        "signs": ConditionSymptom.objects.count(),
        "other_names": Synonym.objects.count(),
        "codes": ConditionCode.objects.count(),
        "facts": ConditionFact.objects.count(),
        "search_entries": SearchEntry.objects.count(),
    }


def measure():
    call_command("collectstatic", interactive=False, verbosity=0)  # the pages link the manifest's names
    client = Client()
    lems = Condition.objects.get(slug="lambert-eaton-myasthenic-syndrome")
    Condition.objects.filter(pk=lems.pk).update(page_parts={})  # its first view after a change
    common = Symptom.objects.order_by("-published_count", "pk").first()
    last_page = -(-Condition.objects.published().count() // 50)
    pages = {
        "condition page": lems.get_absolute_url(),
        "community page": f"{lems.get_absolute_url()}community/",
        "A–Z page 1": "/conditions/",
        "A–Z last page": f"/conditions/?page={last_page}",
        "symptom list": "/symptoms/",
        "symptom page, most common sign": common.get_absolute_url(),
        "search": "/search/?q=lambert+eaton",
        "sitemap index": "/sitemap.xml",
        "sitemap file": "/sitemap-conditions.xml",
    }
    figures = {
        "database": vendor(),
        "common_sign": f"{common.name} ({common.published_count} pages)",
        "pages_measured": {},
    }
    for label, url in pages.items():
        first = queries(client, url)
        if label == "condition page":
            figures["pages_measured"]["condition page, first view"] = {"queries": first}
        times = timed(client, url, 3 if label.startswith("sitemap") or label == "symptom list" else 15)
        figures["pages_measured"][label] = {"queries": queries(client, url), "median_ms": statistics.median(times)}
        print(f"{label:32} {first} queries first, median {statistics.median(times):8.2f} ms  {url}")
    search_times, slowest = [], []
    for query in SEARCHES:
        url = f"/search/?{urlencode({'q': query})}"
        timed(client, url, 2)
        times = timed(client, url, 10)
        search_times += times
        slowest.append((max(times), query))
    figures["search"] = {
        "queries": len(SEARCHES),
        "p50_ms": statistics.median(search_times),
        "p95_ms": _p95(search_times),
        "slowest_ms": max(search_times),
        "slowest_query": max(slowest)[1][:60],
    }
    print(json.dumps(figures["search"]))
    counting, refreshing = [], []
    for _ in range(3):
        started = time.perf_counter()
        with transaction.atomic():
            derived.count_signs()  # every sign: a full refresh, or a page deleted
        counting.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        with transaction.atomic():
            derived.refresh([lems.pk])  # what an editor's save of one page adds
        refreshing.append((time.perf_counter() - started) * 1000)
    figures |= {
        "count_signs_ms": statistics.median(counting),
        "refresh_one_page_ms": statistics.median(refreshing),
        "load_average": os.getloadavg()[0],
        **size_and_rows(),
    }
    save(figures)
    print(table())


def queries(client, url):
    """The page's own queries; those of the database cache (the default cache: page-cache key
    versions, the disclaimer), with the transactions its writes open, are counted apart, as the
    tests' in-memory cache makes none."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200, url
    cache = sum(_of_the_cache(query["sql"]) for query in captured)
    return {"page": len(captured) - cache, "cache": cache}


def _of_the_cache(sql):
    # A reader page opens no transaction of its own: BEGIN and COMMIT are the cache's writes'.
    return "diseasemaps_cache" in sql or sql.split(" ", 1)[0] in ("BEGIN", "COMMIT", "ROLLBACK")


def save(figures):
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"synthetic-{figures['database'].lower()}.json"
    saved = json.loads(path.read_text()) if path.exists() else {}
    path.write_text(json.dumps(saved | figures, indent=2))


def table():
    """The saved figures of both databases, one column each, as markdown."""
    runs = [json.loads(p.read_text()) for p in sorted(RESULTS.glob("synthetic-*.json"), reverse=True)]
    rows = [
        ("pages (published; in the sitemap)", lambda r: f"{r['pages']:,} ({r['published']:,}; {r['in_sitemap']:,})"),
        ("rows: signs / other names / codes / facts", lambda r: f"{r['signs']:,} / {r['other_names']:,} / "
                                                                 f"{r['codes']:,} / {r['facts']:,}"),
        ("synthetic import: copies + refresh", lambda r: f"{r['import_seconds']} s "
                                                          f"({r['copy_seconds']} s + {r['refresh_seconds']} s)"),
        ("database size", lambda r: f"{r['database_mb']:,} MB"),
    ]  # fmt: skip
    for label, budget in BUDGETS.items():
        rows.append((f"{label}: queries (budget {budget}), median", _page_cell(label)))
    rows.append(
        (
            "search p50 / p95 / slowest",
            lambda r: "{p50_ms:.1f} / {p95_ms:.1f} / {slowest_ms:.0f} ms".format(**r["search"]),
        )
    )
    rows.append(
        ("every sign's count rebuilt (full refresh, page deleted), median", lambda r: f"{r['count_signs_ms']:.0f} ms")
    )
    rows.append(("one page's refresh (an editor's save), median", lambda r: f"{r['refresh_one_page_ms']:.0f} ms"))
    rows.append(("load average while measuring (2 cores)", lambda r: f"{r['load_average']:.1f}"))
    lines = [
        "| at 10× the catalogue | " + " | ".join(r["database"] for r in runs) + " |",
        "|---" * (len(runs) + 1) + "|",
    ]
    for label, cell in rows:
        lines.append(f"| {label} | " + " | ".join(_safe(cell, r) for r in runs) + " |")
    return "\n".join(lines)


def _page_cell(label):
    def cell(run):
        page = run["pages_measured"][label]
        median = f", {page['median_ms']:.1f} ms" if "median_ms" in page else ""
        return f"{page['queries']['page']} (+{page['queries']['cache']} cache){median}"

    return cell


def _safe(cell, run):
    try:
        return cell(run)
    except KeyError:  # not built or not measured on this database yet
        return "–"


if __name__ == "__main__":
    {"build": build, "measure": measure, "table": lambda: print(table())}[
        sys.argv[1] if len(sys.argv) > 1 else "table"
    ]()
