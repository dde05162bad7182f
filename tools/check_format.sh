#!/usr/bin/env bash
# Fails when a C++ file of the project is not clang-format clean (.clang-format at the root).
set -euo pipefail
cd "$(dirname "$0")/.."
CF=$(command -v clang-format-14 || command -v clang-format || true)
if [ -z "$CF" ]; then
  echo "SKIP: clang-format not installed"
  exit 77
fi
files=$(git ls-files '*.cc' '*.h' 2>/dev/null || find decoders sensor tools tests -name '*.cc' -o -name '*.h')
bad=0
for f in $files; do
  if ! "$CF" --dry-run -Werror "$f" >/dev/null 2>&1; then
    echo "not clang-format clean: $f"
    bad=1
  fi
done
exit $bad
