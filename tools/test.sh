#!/usr/bin/env bash
# Sets up a Debian 12 machine (as root), builds Mirador and its tests with AddressSanitizer and
# UndefinedBehaviorSanitizer, and runs the whole test suite: unit tests, capture-driven
# end-to-end tests, the tshark and Zeek cross-checks and the live veth test; then every fuzz
# target for a short time (tools/fuzz.sh; MIRADOR_FUZZ=0 skips it).
set -euo pipefail
cd "$(dirname "$0")/.."

./tools/setup.sh

# The sensor refuses rules, configs and key logs that group or others could write
# (security.strict_file_modes), and the tests read them from this checkout: a clone made under
# umask 002 would fail them all. Take group and other write access away from the checkout.
if [ -n "$(find detectors/rules tests/data -perm /022 -print -quit)" ]; then
  echo "test.sh: removing group/other write access from the checkout (strict file modes)"
  chmod -R go-w .
fi

BUILD=${MIRADOR_TEST_BUILD:-build-asan}
if [ ! -f "$BUILD/build.ninja" ]; then
  meson setup "$BUILD" -Db_sanitize=address,undefined -Db_lundef=false --buildtype=debugoptimized
fi
ninja -C "$BUILD"

# Any sanitizer report fails the test that produced it.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
meson test -C "$BUILD" --print-errorlogs --num-processes "$(nproc)" "$@"

# Every libFuzzer target for FUZZ_SECONDS (10 s) each on its seeds: a finding fails the run.
if [ "${MIRADOR_FUZZ:-1}" != 0 ] && [ $# -eq 0 ]; then
  FUZZ_BUILD_JOBS=${FUZZ_BUILD_JOBS:-$(nproc)} ./tools/fuzz.sh
fi
