#!/usr/bin/env bash
# Load test of the public API over 10,000 seeded articles.
#
# Builds the binary, seeds the database (`api seed --articles 10000`: a fresh SQLite database in
# a temp dir, or the PostgreSQL database TOASOAN_DATABASE_URL names), starts the server on a free
# port of 127.0.0.1, then runs wrk for LOAD_DURATION seconds against each public endpoint below
# and prints requests/s and p99 latency per endpoint. The server is stopped and the temp dir
# removed at the end, whatever happens; the whole run is bounded by LOAD_TIMEOUT.
#
#   scripts/load.sh                                              # embedded SQLite in a temp dir
#   TOASOAN_DATABASE_URL='postgres://…/scratch' scripts/load.sh  # PostgreSQL: give it a scratch
#                                                                # database, the script seeds it
#
# Needs wrk (apt-get install wrk) and curl. Knobs (environment): LOAD_ARTICLES (10000),
# LOAD_DURATION (10, seconds per endpoint), LOAD_CONNECTIONS (32), LOAD_THREADS (2),
# LOAD_TIMEOUT (900, seconds for everything). The server logs at TOASOAN_LOG_LEVEL=warn, so
# writing a log line per request does not dominate what is measured. Responses are not
# gzip-compressed (wrk sends no Accept-Encoding), and wrk shares the machine with the server.
set -euo pipefail

# Bound the whole run: timeout signals the script's process group (server and wrk included).
if [[ -z "${LOAD_SH_BOUNDED:-}" ]]; then
  LOAD_SH_BOUNDED=1 exec timeout -k 10 "${LOAD_TIMEOUT:-900}" bash "$0" "$@"
fi

articles=${LOAD_ARTICLES:-10000}
duration=${LOAD_DURATION:-10}
connections=${LOAD_CONNECTIONS:-32}
threads=${LOAD_THREADS:-2}

for tool in wrk curl; do
  if ! command -v "$tool" >/dev/null; then
    echo "load.sh: $tool is not installed; install it first (Debian/Ubuntu: apt-get install $tool)" >&2
    exit 1
  fi
done

cd "$(dirname "$0")/.."
work=$(mktemp -d)
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export TOASOAN_DATA_DIR="$work/data"
export TOASOAN_LOG_FORMAT=text
export TOASOAN_SHUTDOWN_TIMEOUT=5s
export TOASOAN_JWT_SECRET
TOASOAN_JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
# The first admin gets a password nobody needs, so none is printed.
export TOASOAN_ADMIN_EMAIL=admin@localhost TOASOAN_ADMIN_PASSWORD
TOASOAN_ADMIN_PASSWORD=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
database="SQLite (embedded, $TOASOAN_DATA_DIR)"
if [[ -n "${TOASOAN_DATABASE_URL:-}" ]]; then
  database="PostgreSQL (TOASOAN_DATABASE_URL)"
fi

echo "== build"
go build -o "$work/api" ./cmd/api

echo "== seed $articles articles into $database"
TOASOAN_LOG_LEVEL=info "$work/api" seed --articles "$articles"

# A free port: one nothing answers on (another process could still take it before the server).
port=""
for _ in $(seq 1 50); do
  candidate=$((20000 + RANDOM % 20000))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
    port=$candidate
    break
  fi
done
if [[ -z "$port" ]]; then
  echo "load.sh: found no free port on 127.0.0.1" >&2
  exit 1
fi
base="http://127.0.0.1:$port"

echo "== start the server on $base (TOASOAN_LOG_LEVEL=warn: no log line per request)"
TOASOAN_ADDR="127.0.0.1:$port" TOASOAN_LOG_LEVEL=warn "$work/api" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 150); do
  curl -fsS -o /dev/null "$base/healthz" 2>/dev/null && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "load.sh: the server exited:" >&2
    cat "$work/server.log" >&2
    exit 1
  fi
  sleep 0.2
done
curl -fsS -o /dev/null "$base/healthz"

# A seeded root category and article: the first slug of each list (a root comes first in the
# tree; an item's slug comes before its category's).
first_slug() { curl -fsS "$1" | grep -o '"slug":"[^"]*"' | head -n 1 | cut -d'"' -f4; }
root=$(first_slug "$base/api/v1/categories")
slug=$(first_slug "$base/api/v1/articles?per_page=1")

echo "== targets: root category $root, article $slug"

paths=(
  "/healthz"
  "/api/v1/articles"
  "/api/v1/articles?page=5"
  "/api/v1/articles?category=$root"
  "/api/v1/articles/$slug"
  "/api/v1/search?q=dai+hoi"
  "/api/v1/documents"
)
for path in "${paths[@]}"; do
  curl -fsS -o /dev/null "$base$path" || { echo "load.sh: GET $path failed before the test" >&2; exit 1; }
done

echo "== wrk: ${duration}s per endpoint, $connections connections, $threads threads, on $(nproc) CPUs shared with the server"
results=()
for path in "${paths[@]}"; do
  out=$(timeout $((duration + 30)) wrk -t"$threads" -c"$connections" -d"${duration}s" --timeout 5s --latency "$base$path")
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  bad=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$out")
  errors=$(awk '/Socket errors:/ {sub(/.*Socket errors: /, "socket errors: "); print}' <<<"$out")
  row=$(printf '%-40s %10s %10s %8s' "GET ${path/"$slug"/"{slug}"}" "$rps" "$p99" "${bad:-0}")
  [[ -z "$errors" ]] || row+="  $errors"
  results+=("$row")
  echo "  GET $path: $rps req/s"
done

echo
echo "== results ($database, $articles articles)"
printf '%-40s %10s %10s %8s\n' "endpoint" "req/s" "p99" "non-2xx"
printf '%s\n' "${results[@]}"
