"""In-process timings with Django's test client against the benchmark database (bench/run.sh
builds it): the uncached condition page (median) and search over the catalogue and the
ICD-10-CM code set (p95). Run: .venv/bin/python bench/inprocess.py"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diseasemaps.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'bench' / 'bench.sqlite3'}")
os.environ.update(HTTPS="false", PAGE_CACHE="false", DEBUG="false", STATIC_ROOT=str(ROOT / "bench" / "static"))
os.environ.setdefault("LOG_LEVEL", "WARNING")  # one JSON line per request would bury the figures

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402

from conditions.models import Condition  # noqa: E402

SEARCHES = [
    "lambert eaton", "lamber eaton", "LEMS", "G70.80", "g7080", "358.30", "marfan", "marfn syndrome",
    "cystic fibrosis", "ptosis", "muscle weakness", "duchenne", "ORPHA:558", "wilson", "fabry disease",
    "huntington", "xerostomia", "amyotrophic lateral sclerosis", "rett", "ehlers danlos",
]  # fmt: skip


def timed(client, url, repeat):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return times


def main():
    client = Client()
    print(f"catalogue: {Condition.objects.count()} conditions")
    page = Condition.objects.get(slug="lambert-eaton-myasthenic-syndrome").get_absolute_url()
    timed(client, page, 20)  # warm
    times = timed(client, page, 300)
    print(f"condition page, uncached: median {statistics.median(times):.2f} ms, p95 {_p95(times):.2f} ms")
    search_times = []
    for query in SEARCHES:
        timed(client, f"/search/?q={query}", 2)
        search_times += timed(client, f"/search/?q={query}", 10)
    print(f"search ({len(SEARCHES)} queries x 10): median {statistics.median(search_times):.2f} ms, "
          f"p95 {_p95(search_times):.2f} ms")  # fmt: skip


def _p95(times):
    return statistics.quantiles(times, n=20)[-1]


if __name__ == "__main__":
    main()
