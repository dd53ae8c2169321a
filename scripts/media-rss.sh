#!/usr/bin/env bash
# Peak memory of the real binary while large photos are uploaded at once.
#
# Generates MEDIA_PHOTOS (10) JPEGs of MEDIA_WIDTH×MEDIA_HEIGHT (6000×4000, about 8 MiB each,
# scripts/photos), builds the binary, starts it on a free port of 127.0.0.1 over a fresh
# embedded SQLite database in a temp dir (TOASOAN_IMAGE_WORKERS as set, default 1), logs in as
# the first admin and uploads all the photos at once (one curl each, in parallel) to
# POST /api/v1/admin/media, which makes each one's variants before answering. It prints each
# answer's status and time, the variants made, the RSS sampled while running and the peak
# (VmHWM from /proc). The server is stopped at the end; the run is bounded by MEDIA_TIMEOUT
# (600 s). Only 127.0.0.1 is contacted.
#
#   scripts/media-rss.sh
#   TOASOAN_IMAGE_WORKERS=2 scripts/media-rss.sh
set -euo pipefail

if [[ -z "${MEDIA_RSS_BOUNDED:-}" ]]; then
  MEDIA_RSS_BOUNDED=1 exec timeout -k 10 "${MEDIA_TIMEOUT:-600}" bash "$0" "$@"
fi
photos=${MEDIA_PHOTOS:-10}
width=${MEDIA_WIDTH:-6000}
height=${MEDIA_HEIGHT:-4000}

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

echo "== $photos photos of ${width}×${height}"
go run ./scripts/photos -n "$photos" -width "$width" -height "$height" -o "$work/photos" | tail -1
echo "== build"
CGO_ENABLED=0 go build -o "$work/api" ./cmd/api

port=""
for _ in $(seq 1 50); do
  candidate=$((20000 + RANDOM % 20000))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
    port=$candidate
    break
  fi
done
[[ -n "$port" ]] || { echo "media-rss.sh: found no free port on 127.0.0.1" >&2; exit 1; }
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
echo "== server pid $server_pid on $base, workers ${TOASOAN_IMAGE_WORKERS:-1 (default)}, RSS at rest $(rss VmRSS) MiB"

token=$(curl -fsS -H "Content-Type: application/json" \
  -d "{\"email\":\"$TOASOAN_ADMIN_EMAIL\",\"password\":\"$TOASOAN_ADMIN_PASSWORD\"}" \
  "$base/api/v1/auth/login" | sed -E 's/.*"access_token":"([^"]+)".*/\1/')

( while sleep 0.2; do rss VmRSS; done ) >"$work/rss" 2>/dev/null &
sampler_pid=$!

echo "== $photos uploads at once"
started=$(date +%s.%N)
uploads=()
for f in "$work"/photos/*.jpg; do
  curl -s -o "$f.json" -w "%{http_code} %{time_total}s $(basename "$f")\n" --max-time 120 \
    -H "Authorization: Bearer $token" -F "file=@$f;type=image/jpeg" "$base/api/v1/admin/media" >"$f.status" &
  uploads+=($!)
done
wait "${uploads[@]}" || true # a failed upload shows in its status below
ended=$(date +%s.%N)
kill "$sampler_pid" 2>/dev/null || true
sampler_pid=""

echo "== answers ($(awk -v a="$started" -v b="$ended" 'BEGIN {printf "%.1f", b - a}') s in all)"
cat "$work"/photos/*.status | sort -k2 -n
echo "== variants per upload: $(for f in "$work"/photos/*.json; do grep -o '"mime":"image/[a-z]*","width"\|"width":[0-9]*,"height":[0-9]*,"mime"' "$f" | wc -l; done | sort -u | tr '\n' ' ')"
echo "== files stored: $(find "$TOASOAN_DATA_DIR/media" -type f | wc -l), $(du -sm "$TOASOAN_DATA_DIR/media" | cut -f1) MiB"
echo "== RSS sampled every 0.2 s (MiB): $(sort -n "$work/rss" | awk 'NR == 1 {min = $1} {max = $1} END {print "min " min ", max " max}')"
echo "== peak RSS (VmHWM): $(rss VmHWM) MiB"
