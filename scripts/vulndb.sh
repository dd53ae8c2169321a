#!/usr/bin/env bash
# govulncheck against a local copy of the Go vulnerability database: vuln.go.dev cannot be
# reached from CI, but the Go module proxy serves the golang.org/x/vulndb module with its OSV
# records (data/osv). This builds the v1 layout govulncheck's -db file:// reads in a temp dir
# and runs the govulncheck pinned in go.mod (a tool dependency) over the whole module.
#
#   scripts/vulndb.sh            # exit 0: no vulnerability reachable from toasoan's code
set -euo pipefail
cd "$(dirname "$0")/.."
db=$(mktemp -d)
trap 'rm -rf "$db"' EXIT
dir=$(go mod download -json golang.org/x/vulndb@latest | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
if [ -z "$dir" ] || [ ! -d "$dir/data/osv" ]; then echo "golang.org/x/vulndb has no data/osv (got '$dir')"; exit 1; fi
go run ./scripts/vulndb -osv "$dir/data/osv" -out "$db" -accepted scripts/vulndb-accepted.txt
# The standard library is judged as the release is built: with go.mod's toolchain line (the
# Dockerfile's golang:1.26 image is at least that), not with whatever older Go runs this script
# (these machines set GOTOOLCHAIN=local).
toolchain=$(sed -n 's/^toolchain \(go[0-9.]*\)$/\1/p' go.mod)
GOTOOLCHAIN=${toolchain:-local} go tool govulncheck -db "file://$db" ./...
