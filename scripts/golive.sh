#!/usr/bin/env bash
# How soon a scheduled article's article.published reaches a webhook receiver, with two toasoan
# processes on one PostgreSQL database, and whether any event is sent twice or early.
#
# Builds the binary, creates a fresh PostgreSQL database (GOLIVE_DATABASE_URL's server, default
# the machine's 127.0.0.1:5432), starts two processes on free ports of 127.0.0.1 and a receiver
# (python3), schedules GOLIVE_ARTICLES (20) articles one second apart from 15 s on (every fourth
# with an unpublish_at 40 s later), then prints, per event type, how many arrived, how many
# arrived before their time, how many items got more than one, and the delay after the scheduled
# time (min, median, max). Then it stops both processes while three more articles come due and
# starts one again: the catch-up. Only 127.0.0.1 is contacted.
#
#   scripts/golive.sh
set -euo pipefail

cd "$(dirname "$0")/.."
server=${GOLIVE_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
n=${GOLIVE_ARTICLES:-20}
work=$(mktemp -d)
db="golive_$$"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql "$server" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/toasoan" ./cmd/api
psql "$server" -qc "CREATE DATABASE $db"
url=$(python3 -c "import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path='/$db')))" "$server")
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

recv_port=$(free_port)
cat > "$work/recv.py" <<PY
import http.server, json, time
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        p = json.loads(self.rfile.read(int(self.headers.get('Content-Length', 0))))
        with open('$work/events.log', 'a') as f:
            f.write(json.dumps({"at": time.time(), "event": p["event"], "id": p["data"]["id"]}) + "\n")
        self.send_response(204); self.end_headers()
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(('127.0.0.1', $recv_port), H).serve_forever()
PY
python3 "$work/recv.py" & pids+=($!)

export TOASOAN_DATABASE_URL=$url TOASOAN_WEBHOOKS_ALLOW_LOCAL=1 TOASOAN_LOG_LEVEL=warn
export TOASOAN_ADMIN_EMAIL=admin@localhost TOASOAN_ADMIN_PASSWORD=golive-$$-password
export TOASOAN_JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
start() { # start PORT: one process, waited for
  TOASOAN_ADDR=127.0.0.1:$1 TOASOAN_DATA_DIR=$work/d$1 "$work/toasoan" > "$work/s$1.log" 2>&1 & pids+=($!)
  for _ in $(seq 50); do curl -sf "127.0.0.1:$1/healthz" >/dev/null && return; sleep 0.1; done
  echo "the server on $1 did not start" >&2; cat "$work/s$1.log" >&2; exit 1
}
portA=$(free_port); start "$portA"
portB=$(free_port); start "$portB"
api=http://127.0.0.1:$portA/api/v1
post() { curl -sf -X POST "$api$1" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "$2"; }
token=$(curl -sf -X POST "$api/auth/login" -H 'Content-Type: application/json' \
  -d "{\"email\":\"$TOASOAN_ADMIN_EMAIL\",\"password\":\"$TOASOAN_ADMIN_PASSWORD\"}" | jq -r .data.access_token)
cat=$(post /admin/categories '{"name":"Thời sự"}' | jq .data.id)
post /admin/webhooks "{\"url\":\"http://127.0.0.1:$recv_port/hook\",\"events\":[\"article.published\",\"article.unpublished\"]}" >/dev/null

schedule() { # schedule FIRST COUNT BASE: articles due at BASE+1…
  for i in $(seq "$1" $(($1 + $2 - 1))); do
    id=$(post /admin/articles "{\"title\":\"Bài hẹn giờ $i\",\"category_id\":$cat}" | jq .data.id)
    at=$(( $3 + i - $1 + 1 ))
    body="{\"publish_at\":\"$(date -u -d @$at +%FT%TZ)\""
    due="$id article.published $at"
    if (( i % 4 == 0 )); then
      body+=",\"unpublish_at\":\"$(date -u -d @$((at + 40)) +%FT%TZ)\""
      due+=$'\n'"$id article.unpublished $((at + 40))"
    fi
    post "/admin/articles/$id/publish" "$body}" >/dev/null
    echo "$due" >> "$work/due.log"
  done
}
report() { # report WHAT [SINCE]: SINCE, a start-up's time, also gives the delays after it
  python3 - "$work" "$1" "${2:-0}" <<'PY'
import json, sys, collections
work, what, since = sys.argv[1], sys.argv[2], float(sys.argv[3])
due = {}
for line in open(f"{work}/due.log"):
    i, ev, at = line.split(); due[(ev, int(i))] = int(at)
try:
    got = [json.loads(l) for l in open(f"{work}/events.log")]
except FileNotFoundError:
    got = []
count = collections.Counter((e["event"], e["id"]) for e in got)
print(f"{what}: {len(due)} changes due, {len(got)} events received, {sum(1 for c in count.values() if c > 1)} items with more than one")
for ev in ("article.published", "article.unpublished"):
    d = sorted(e["at"] - due[(ev, e["id"])] for e in got if e["event"] == ev)
    if d:
        early = sum(1 for x in d if x < 0)
        print(f"  {ev}: {len(d)}, {early} before their time, delay min {d[0]:.2f} s, median {d[len(d)//2]:.2f} s, max {d[-1]:.2f} s")
        if since:
            s = sorted(e["at"] - since for e in got if e["event"] == ev)
            print(f"    after the start-up: min {s[0]:.2f} s, max {s[-1]:.2f} s")
PY
}

base=$(( $(date +%s) + 14 ))
schedule 1 "$n" "$base"
sleep $(( base + n + 40 + 5 - $(date +%s) ))
report "two processes"

# Catch-up: both stop, three articles come due, one starts again.
: > "$work/due.log"; : > "$work/events.log"
base=$(( $(date +%s) + 4 ))
schedule 1001 3 "$base"
kill "${pids[1]}" "${pids[2]}"; wait "${pids[1]}" "${pids[2]}" 2>/dev/null || true
sleep $(( base + 3 + 5 - $(date +%s) ))
begin=$(date +%s.%N)
start "$portA"
sleep 2
report "catch-up (one process started after the three were due)" "$begin"
