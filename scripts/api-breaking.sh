#!/usr/bin/env bash
# Breaking changes to the API: compares docs/openapi.json of HEAD with the previous commit's,
# using the oasdiff pinned in clients/go/go.mod, and fails on a breaking change (oasdiff's
# level ERR: a removed path, operation or response field, a request field or parameter that
# became required, a response field that became nullable, …) that HEAD does not declare: a
# line "API-Breaking: <reason>" in its message, or a new entry ("## " heading) in
# docs/api-changelog.md. The changes found are printed either way.
#
#   scripts/api-breaking.sh      # exit 0: nothing breaks, or HEAD says so
set -euo pipefail
cd "$(dirname "$0")/.."
if ! git cat-file -e HEAD~1:docs/openapi.json 2>/dev/null; then
  echo "HEAD~1 has no docs/openapi.json (or HEAD has no parent): nothing to compare with"
  exit 0
fi
# Every nullable reference is allOf [$ref] with nullable: true; --flatten-allof compares what
# the schemas say rather than each allOf branch, which would turn a removed field into a warning.
set +e
go tool -modfile=clients/go/go.mod oasdiff breaking HEAD~1:docs/openapi.json HEAD:docs/openapi.json \
  --flatten-allof --fail-on ERR --color never
status=$?
set -e
case $status in
0) exit 0 ;;
1) ;; # breaking changes, listed above
*) echo "oasdiff failed (exit $status)"; exit "$status" ;;
esac

reason=$(git log -1 --format=%B HEAD | grep -E '^API-Breaking: *[^ ]' || true)
if [ -n "$reason" ]; then
  echo "declared by HEAD's message: $reason"
  exit 0
fi
entry=$(git diff HEAD~1 HEAD -- docs/api-changelog.md | grep -E '^\+## ' || true)
if [ -n "$entry" ]; then
  echo "declared by HEAD's entry in docs/api-changelog.md: ${entry#+}"
  exit 0
fi
echo "HEAD breaks the API without saying so: add a line 'API-Breaking: <reason>' to its message"
echo "or an entry to docs/api-changelog.md in the same commit (or make the change compatible)"
exit 1
