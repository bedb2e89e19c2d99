#!/usr/bin/env bash
# Throughput benchmark: every page measured in the same run as a static file, so each is
# reported as a ratio of the static file's throughput (this machine is noisy; ratios are not).
#
#   bench/run.sh                   # SQLite, builds bench/bench.sqlite3 on first use (code sets + demo + catalogue)
#   DURATION=10s bench/run.sh      # seconds per row (default 10s)
#   BASELINE=main bench/run.sh     # adds the uncached rows of another revision, side by side
#
# Three gunicorn instances on loopback (PORT, PORT+1, PORT+2; PORT defaults to 18190): one with the
# reader page cache, one without, and one without behind Varnish (PORT+3, deploy/varnish/default.vcl
# with xkey), plus one more without for BASELINE (PORT+4). wrk (Debian package) with bounded runs;
# the Varnish rows add the share of requests Varnish answered from its cache (varnishstat). The
# catalogue row asks for every published page at random, so it shows the long tail's misses.
# Results go to stdout and bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-16}
PORT=${PORT:-18190}
export DEBUG=false HTTPS=false SECRET_KEY=bench-only-not-secret
export DATABASE_URL=${DATABASE_URL:-sqlite:///$PWD/bench/bench.sqlite3}
export STATIC_ROOT=$PWD/bench/static
export GUNICORN_WORKERS=${GUNICORN_WORKERS:-2} GUNICORN_THREADS=1
export LOG_LEVEL=${LOG_LEVEL:-WARNING}  # one JSON line per request would bury the figures
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
command -v varnishd >/dev/null || { apt-get update -qq && apt-get install -y -qq varnish varnish-modules >/dev/null; }
results=$PWD/bench/results
mkdir -p "$results"

if [ ! -f bench/.built ] || [ "${REBUILD:-}" = 1 ]; then
  .venv/bin/python manage.py migrate --noinput -v0
  .venv/bin/python manage.py load_codesets -v0
  DEBUG=true .venv/bin/python manage.py load_demo -v0
  .venv/bin/python manage.py import_catalogue -v0
  touch bench/.built
fi
.venv/bin/python manage.py collectstatic --noinput -v0
# -v0: at verbosity 1 the shell prints "N objects imported automatically" and a blank line, which
# became two paths of the catalogue row (Varnish answers them 400 and closes: wrk's errors).
.venv/bin/python manage.py shell -v0 -c "
from conditions.models import Condition
print('\n'.join(c.get_absolute_url() for c in Condition.objects.published().only('slug')))" >"$results/paths.txt"

cached=$PORT uncached=$((PORT + 1)) behind=$((PORT + 2)) varnish=$((PORT + 3)) baseline=$((PORT + 4))
pids=()
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$results/varnish/varnishd.pid" ] && kill "$(cat "$results/varnish/varnishd.pid")" 2>/dev/null || true
}
trap stop EXIT
serve() {  # port, page cache, directory
  (cd "$3" && PAGE_CACHE=$2 exec "$OLDPWD/.venv/bin/gunicorn" diseasemaps.wsgi -b "127.0.0.1:$1") &
  pids+=($!)
}
serve "$cached" true .
serve "$uncached" false .
serve "$behind" false .
if [ -n "${BASELINE:-}" ]; then
  rm -rf "$results/baseline" && mkdir -p "$results/baseline"
  git archive "$BASELINE" | tar -x -C "$results/baseline"
  serve "$baseline" false "$results/baseline"
fi

# Varnish in front of one instance without the page cache: the VCL from deploy/varnish, with
# backends.vcl written here (as bench/cluster.py's Varnish does for the tests).
rm -rf "$results/varnish" && mkdir -p "$results/varnish"
cat >"$results/varnish/backends.vcl" <<VCL
backend app { .host = "127.0.0.1"; .port = "$behind"; }
acl purgers { "127.0.0.1"; }
sub vcl_init { new site = directors.round_robin(); site.add_backend(app); }
VCL
varnishd -j none -n "$results/varnish/state" -T none -a "127.0.0.1:$varnish" -s malloc,256m \
  -f "$PWD/deploy/varnish/default.vcl" -p "vcl_path=$results/varnish:$PWD/deploy/varnish" \
  -P "$results/varnish/varnishd.pid" >"$results/varnish/varnishd.log" 2>&1

ports=("$cached" "$uncached" "$behind" "$varnish")
[ -n "${BASELINE:-}" ] && ports+=("$baseline")
for port in "${ports[@]}"; do
  for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.2; done
done

css=$(curl -s "http://127.0.0.1:$cached/" | grep -o '/static/css/site\.[0-9a-f]*\.css' | head -1)
condition=/conditions/lambert-eaton-myasthenic-syndrome/
search="/search/?q=lambert+eaton"
NAMES=("static file" "home (cached)" "condition (cached)" "condition (uncached)" "search (uncached)"
  "condition (Varnish)" "search (Varnish)" "catalogue (Varnish)")
URLS=("$cached$css" "$cached/" "$cached$condition" "$uncached$condition" "$uncached$search"
  "$varnish$condition" "$varnish$search" "$varnish/")
if [ -n "${BASELINE:-}" ]; then
  NAMES+=("condition (uncached, $BASELINE)" "search (uncached, $BASELINE)")
  URLS+=("$baseline$condition" "$baseline$search")
fi
cat >"$results/catalogue.lua" <<'LUA'
-- Every published condition page, in random order: the long tail a shared cache sees.
local paths = {}
for line in io.lines(os.getenv("PATHS")) do paths[#paths + 1] = line end
function init(args) math.randomseed(os.time() + math.floor(os.clock() * 1e6) + #tostring({})) end
function request() return wrk.format("GET", paths[math.random(#paths)]) end
LUA
varnish_counts() {
  varnishstat -n "$results/varnish/state" -1 -f MAIN.cache_hit -f MAIN.cache_miss |
    awk '{n[$1] = $2} END {print n["MAIN.cache_hit"] + 0, n["MAIN.cache_miss"] + 0}'
}

out=$results/$(date +%Y%m%d-%H%M%S).txt
{
  echo "# $(date -u +%FT%TZ) DURATION=$DURATION CONNECTIONS=$CONNECTIONS workers=$GUNICORN_WORKERS; $(uptime)"
  printf '%-34s %9s %9s %9s %7s %9s\n' page req/s p50 p99 ratio "Varnish hits"
} | tee "$out"
static_rps=""
for i in "${!NAMES[@]}"; do
  url="http://127.0.0.1:${URLS[$i]}"
  script=()
  if [ "${NAMES[$i]}" = "catalogue (Varnish)" ]; then
    script=(-s "$results/catalogue.lua")
  else
    curl -sf -o /dev/null "$url"  # warm
  fi
  read -r hits0 misses0 < <(varnish_counts)
  result=$(PATHS=$results/paths.txt wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "${script[@]}" "$url")
  read -r hits1 misses1 < <(varnish_counts)
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$result")
  p50=$(awk '$1=="50%" {print $2}' <<<"$result")
  p99=$(awk '$1=="99%" {print $2}' <<<"$result")
  errors=$(grep -E "Non-2xx|Socket errors" <<<"$result" | tr -s ' ' || true)
  [ -n "$static_rps" ] || static_rps=$rps
  ratio=$(awk -v a="$rps" -v b="$static_rps" 'BEGIN {printf "%.2fx", a / b}')
  hit_ratio=-
  if [[ ${NAMES[$i]} == *Varnish* ]]; then
    hit_ratio=$(awk -v h=$((hits1 - hits0)) -v m=$((misses1 - misses0)) 'BEGIN {printf "%.1f%%", 100 * h / (h + m + !(h + m))}')
  fi
  printf '%-34s %9s %9s %9s %7s %9s %s\n' "${NAMES[$i]}" "$rps" "$p50" "$p99" "$ratio" "$hit_ratio" "$errors" | tee -a "$out"
done
for port in "$uncached" "$varnish"; do
  sizes=""
  for coding in identity gzip br; do
    sizes+=" $coding $(curl -s -H "Accept-Encoding: $coding" -o /dev/null -w '%{size_download}' "http://127.0.0.1:$port$condition")"
  done
  label=$([ "$port" = "$varnish" ] && echo "through Varnish" || echo "from gunicorn")
  echo "LEMS page bytes on the wire, $label:$sizes" | tee -a "$out"
done
echo "saved to $out"
