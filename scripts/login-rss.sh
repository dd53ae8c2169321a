#!/usr/bin/env bash
# Peak memory of the real binary under concurrent anonymous logins.
#
# Builds the binary, starts it on a free port of 127.0.0.1 over a fresh embedded SQLite database
# in a temp dir, then keeps LOGIN_CONCURRENCY (64) logins in flight for LOGIN_REQUESTS (2048)
# requests in all: unknown emails, wrong passwords, each from its own client address
# (X-Forwarded-For, believed from loopback by default) so the login throttle does not turn them
# away before hashing. It prints the answers by status, the process's RSS sampled while running
# and its peak (VmHWM from /proc). The server is stopped at the end; the run is bounded by
# LOGIN_TIMEOUT (300 s). Only 127.0.0.1 is contacted.
#
#   scripts/login-rss.sh
#   LOGIN_CONCURRENCY=128 LOGIN_REQUESTS=4096 scripts/login-rss.sh
set -euo pipefail

if [[ -z "${LOGIN_RSS_BOUNDED:-}" ]]; then
  LOGIN_RSS_BOUNDED=1 exec timeout -k 10 "${LOGIN_TIMEOUT:-300}" bash "$0" "$@"
fi
concurrency=${LOGIN_CONCURRENCY:-64}
requests=${LOGIN_REQUESTS:-2048}

cd "$(dirname "$0")/.."
work=$(mktemp -d)
server_pid=""
sampler_pid=""
cleanup() {
  [[ -z "$sampler_pid" ]] || kill "$sampler_pid" 2>/dev/null || true
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export TOASOAN_DATA_DIR="$work/data" TOASOAN_LOG_FORMAT=text TOASOAN_LOG_LEVEL=warn TOASOAN_SHUTDOWN_TIMEOUT=5s
export TOASOAN_JWT_SECRET TOASOAN_ADMIN_EMAIL=admin@localhost TOASOAN_ADMIN_PASSWORD
TOASOAN_JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
TOASOAN_ADMIN_PASSWORD=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')

echo "== build"
go build -o "$work/api" ./cmd/api

port=""
for _ in $(seq 1 50); do
  candidate=$((20000 + RANDOM % 20000))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
    port=$candidate
    break
  fi
done
[[ -n "$port" ]] || { echo "login-rss.sh: found no free port on 127.0.0.1" >&2; exit 1; }
base="http://127.0.0.1:$port"

TOASOAN_ADDR="127.0.0.1:$port" "$work/api" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 150); do
  curl -fsS -o /dev/null "$base/healthz" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.2
done
curl -fsS -o /dev/null "$base/healthz"
rss() { awk -v f="$1" '$1 == f":" {print int($2 / 1024)}' "/proc/$server_pid/status"; }
echo "== server pid $server_pid on $base, RSS at rest $(rss VmRSS) MiB"

( while sleep 0.5; do rss VmRSS; done ) >"$work/rss" 2>/dev/null &
sampler_pid=$!

echo "== $requests anonymous logins, $concurrency at a time"
started=$(date +%s.%N)
seq 1 "$requests" | xargs -P "$concurrency" -I{} sh -c '
  n={}
  curl -s -o /dev/null -w "%{http_code}\n" --max-time 30 \
    -H "Content-Type: application/json" \
    -H "X-Forwarded-For: 198.$((n / 65536 % 256)).$((n / 256 % 256)).$((n % 256))" \
    -d "{\"email\":\"nobody$n@example.com\",\"password\":\"not the password $n\"}" \
    '"$base"'/api/v1/auth/login' >"$work/codes"
ended=$(date +%s.%N)
kill "$sampler_pid" 2>/dev/null || true
sampler_pid=""

echo "== answers by status ($(awk -v a="$started" -v b="$ended" 'BEGIN {printf "%.1f", b - a}') s)"
sort "$work/codes" | uniq -c
echo "== RSS sampled every 0.5 s (MiB): $(sort -n "$work/rss" | awk 'NR == 1 {min = $1} {max = $1} END {print "min " min ", max " max}')"
echo "== peak RSS (VmHWM): $(rss VmHWM) MiB"
