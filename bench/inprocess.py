"""In-process timings with Django's test client against the benchmark database (bench/run.sh
builds it): the uncached condition page (median) and search over the catalogue and the
ICD-10-CM code set (p95). Run: .venv/bin/python bench/inprocess.py"""

import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diseasemaps.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'bench' / 'bench.sqlite3'}")
os.environ.update(HTTPS="false", PAGE_CACHE="false", DEBUG="false", STATIC_ROOT=str(ROOT / "bench" / "static"))
os.environ.setdefault("LOG_LEVEL", "WARNING")  # one JSON line per request would bury the figures

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from conditions.models import Condition  # noqa: E402

SEARCHES = [
    "lambert eaton", "lamber eaton", "LEMS", "G70.80", "g7080", "358.30", "marfan", "marfn syndrome",
    "cystic fibrosis", "ptosis", "muscle weakness", "duchenne", "ORPHA:558", "wilson", "fabry disease",
    "huntington", "xerostomia", "amyotrophic lateral sclerosis", "rett", "ehlers danlos",
    # The shapes that were slow or untested (issue 16): one and two letters, very common words, a
    # 200-character query, 20 words, lists of signs with and without commas, lay and mixed queries,
    # codes and punctuation only.
    "a", "l", "ab", "ms", "syndrome", "disease", "type", "the", "ataxia", "pain",
    "lambert eaton myasthenic syndrome with proximal muscle weakness and dry mouth " * 3,
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty",
    "fatigue, ptosis, dry mouth, weak legs, constipation, decreased sweating",
    "dry mouth decreased sweating weak legs", "dry mouth", "tired", "weak legs", "LEMS weakness",
    "small cell lung cancer", "myasthenia", "G70", "Q87.40", ",.;:!?()[]{}", "---", "\"'*",
    # General signs that count the signs below them in HPO, and words in thousands of code titles.
    "weakness", "seizure", "fatigue", "drooping eyelids", "unspecified", "other",
]  # fmt: skip


def timed(client, url, repeat, cpu=None):
    """Wall times in ms; `cpu` collects this process's CPU times too, which waiting for a busy
    machine's cores does not inflate (the database's own time counts only on SQLite)."""
    times = []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return times


def main():
    client = Client()
    print(f"{connection.vendor}, load average {' '.join(f'{n:.1f}' for n in os.getloadavg())}")
    print(f"catalogue: {Condition.objects.count()} conditions")
    page = Condition.objects.get(slug="lambert-eaton-myasthenic-syndrome").get_absolute_url()
    timed(client, page, 20)  # warm
    times = timed(client, page, 300)
    print(f"condition page, uncached: median {statistics.median(times):.2f} ms, p95 {_p95(times):.2f} ms")
    search_times, slowest, cpu = [], [], []
    for query in SEARCHES:
        url = f"/search/?{urlencode({'q': query})}"
        timed(client, url, 2)
        times = timed(client, url, 10, cpu)
        search_times += times
        slowest.append((max(times), statistics.median(times), query))
    print(f"search ({len(SEARCHES)} queries x 10): median {statistics.median(search_times):.2f} ms, "
          f"p95 {_p95(search_times):.2f} ms, slowest {max(search_times):.2f} ms")  # fmt: skip
    print(f"  CPU time of this process: median {statistics.median(cpu):.2f} ms, p95 {_p95(cpu):.2f} ms, "
          f"slowest {max(cpu):.2f} ms")  # fmt: skip
    for ms, median, query in sorted(slowest, reverse=True)[:5]:
        print(f"  slowest {ms:7.2f} ms, median {median:7.2f} ms  {query[:60]!r}")


def _p95(times):
    return statistics.quantiles(times, n=20)[-1]


if __name__ == "__main__":
    main()
