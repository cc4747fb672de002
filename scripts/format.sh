#!/usr/bin/env bash
# swift-format with the committed .swift-format (line length 130, no semicolons joining statements).
#   scripts/format.sh          rewrites every Swift file in place
#   scripts/format.sh --check  lists the files that are not formatted and fails if there are any (CI)
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.swift')
if [ "${1:-}" = "--check" ]; then
  bad=0
  for f in "${files[@]}"; do
    if ! swift format --configuration .swift-format "$f" | cmp -s - "$f"; then echo "not formatted: $f"; bad=1; fi
  done
  [ $bad = 0 ] && echo "swift-format: ${#files[@]} files formatted"
  exit $bad
fi
swift format --configuration .swift-format --in-place --parallel "${files[@]}"
