#!/usr/bin/env bash
# Throughput benchmark: every page measured in the same run as a static file, so each is
# reported as a ratio of the static file's throughput (this machine is noisy; ratios are not).
#
#   bench/run.sh            # SQLite, builds bench/bench.sqlite3 on first use (code sets + demo + catalogue)
#   DURATION=10s bench/run.sh
#
# Two gunicorn instances on loopback, one with the reader page cache and one without, and wrk
# (Debian package) with bounded runs. Results go to stdout and bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-16}
export DEBUG=false HTTPS=false SECRET_KEY=bench-only-not-secret
export DATABASE_URL=${DATABASE_URL:-sqlite:///$PWD/bench/bench.sqlite3}
export STATIC_ROOT=$PWD/bench/static
export GUNICORN_WORKERS=${GUNICORN_WORKERS:-2} GUNICORN_THREADS=1
export LOG_LEVEL=${LOG_LEVEL:-WARNING}  # one JSON line per request would bury the figures
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
mkdir -p bench/results

if [ ! -f bench/.built ] || [ "${REBUILD:-}" = 1 ]; then
  .venv/bin/python manage.py migrate --noinput -v0
  .venv/bin/python manage.py load_codesets -v0
  DEBUG=true .venv/bin/python manage.py load_demo -v0
  .venv/bin/python manage.py import_catalogue -v0
  touch bench/.built
fi
.venv/bin/python manage.py collectstatic --noinput -v0

PAGE_CACHE=true .venv/bin/gunicorn diseasemaps.wsgi -b 127.0.0.1:8201 --daemon --pid bench/results/cached.pid
PAGE_CACHE=false .venv/bin/gunicorn diseasemaps.wsgi -b 127.0.0.1:8202 --daemon --pid bench/results/uncached.pid
trap 'kill $(cat bench/results/cached.pid) $(cat bench/results/uncached.pid) 2>/dev/null || true' EXIT
for port in 8201 8202; do
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
done

css=$(curl -s http://127.0.0.1:8201/ | grep -o '/static/css/site\.[0-9a-f]*\.css' | head -1)
condition=/conditions/lambert-eaton-myasthenic-syndrome/
declare -a NAMES=("static file" "home (cached)" "condition (cached)" "condition (uncached)" "search (uncached)")
declare -a URLS=("8201$css" "8201/" "8201$condition" "8202$condition" "8202/search/?q=lambert+eaton")

out=bench/results/$(date +%Y%m%d-%H%M%S).txt
printf '%-22s %10s %9s %9s %7s\n' page req/s p50 p99 ratio | tee "$out"
static_rps=""
for i in "${!NAMES[@]}"; do
  url="http://127.0.0.1:${URLS[$i]}"
  curl -sf -o /dev/null "$url"  # warm
  result=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$url")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$result")
  p50=$(awk '$1=="50%" {print $2}' <<<"$result")
  p99=$(awk '$1=="99%" {print $2}' <<<"$result")
  errors=$(grep -E "Non-2xx|Socket errors" <<<"$result" || true)
  [ -n "$static_rps" ] || static_rps=$rps
  ratio=$(awk -v a="$rps" -v b="$static_rps" 'BEGIN {printf "%.2fx", a / b}')
  printf '%-22s %10s %9s %9s %7s %s\n' "${NAMES[$i]}" "$rps" "$p50" "$p99" "$ratio" "$errors" | tee -a "$out"
done
echo "saved to $out"
