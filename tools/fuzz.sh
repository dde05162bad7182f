#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang-14, ASan and UBSan, carves their seed
# corpora from tests/data (tools/fuzz/make_seeds.py), runs each target for FUZZ_SECONDS and
# prints one summary line per target. Exits non-zero when any target found a crash, a leak, a
# timeout or ran out of memory; its reproducer is left in $FUZZ_OUT/findings/<target>/.
#
# Usage: tools/fuzz.sh [target...]   (default: every target)
#   FUZZ_SECONDS  seconds per target (default 10, what CI runs)
#   FUZZ_JOBS     targets run at once (default 1)
#   FUZZ_BUILD    build directory (default build-fuzz)
#   FUZZ_OUT      corpora, logs and findings (default $FUZZ_BUILD/fuzz); the corpus a run grows
#                 is kept there and used by the next run
#   FUZZ_TIMEOUT  seconds one input may take before it counts as a hang (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."

ALL=(packet_decode ip_defrag tcp_reassembly http1 http2 grpc tls body json rules config)
if [ $# -gt 0 ]; then TARGETS=("$@"); else TARGETS=("${ALL[@]}"); fi
SECS=${FUZZ_SECONDS:-10}
JOBS=${FUZZ_JOBS:-1}
BUILD=${FUZZ_BUILD:-build-fuzz}
OUT=${FUZZ_OUT:-$BUILD/fuzz}
HANG=${FUZZ_TIMEOUT:-20}

if [ ! -f "$BUILD/build.ninja" ]; then
  CC=clang-14 CXX=clang++-14 meson setup "$BUILD" -Dfuzz=true -Dtests=false -Dbenchmarks=false \
    -Ddpdk=disabled -Db_sanitize=address,undefined -Db_lundef=false --buildtype=debugoptimized
fi
# Only the fuzz targets and what they link: not the sensor, its outputs, gRPC or Kafka.
ninja -C "$BUILD" -j"${FUZZ_BUILD_JOBS:-1}" $(printf 'tests/fuzz/%s_fuzz ' "${TARGETS[@]}")

python3 tools/fuzz/make_seeds.py . "$OUT/seeds" > /dev/null
mkdir -p "$OUT/logs"

# Largest input per target: the stream and body targets take whole conversations; text loaders
# and the step-driven targets need far less.
max_len() {
  case "$1" in
    rules | config | ip_defrag | tcp_reassembly) echo 16384 ;;
    *) echo 65536 ;;
  esac
}

# The key logs of the TLS captures: with them the tls target reaches decryption from its seeds.
MIRADOR_FUZZ_TLS_KEYS=$(ls tests/data/tls/*.keys 2>/dev/null | paste -sd: -)
export MIRADOR_FUZZ_TLS_KEYS
# Any sanitizer report is a finding: UBSan must stop, not print and go on.
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

run_one() {
  local t=$1 corpus="$OUT/corpus/$t" findings="$OUT/findings/$t" log="$OUT/logs/$t.log"
  mkdir -p "$corpus" "$findings" "$OUT/seeds/$t"
  local rc=0
  "$BUILD/tests/fuzz/${t}_fuzz" -max_total_time="$SECS" -max_len="$(max_len "$t")" \
    -timeout="$HANG" -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$findings/" \
    "$corpus" "$OUT/seeds/$t" > "$log" 2>&1 || rc=$?
  echo "$rc" > "$OUT/logs/$t.rc"
}

summary() {
  local t=$1 log="$OUT/logs/$t.log" rc
  rc=$(cat "$OUT/logs/$t.rc")
  local runs speed last cov ft corp found
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<< "$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<< "$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p' <<< "$last")
  if [ "$rc" = 0 ]; then
    found="nothing found"
  else
    found="FOUND: $(grep -m1 -oE 'ERROR: [A-Za-z]+: [^ ]+( [^ ]+)?|SUMMARY: .*' "$log" || echo "exit $rc") -> $(ls "$OUT/findings/$t" | head -1)"
  fi
  printf 'fuzz: %-15s runs %-9s exec/s %-7s cov %-5s ft %-6s corpus %-12s %s\n' "$t" \
    "${runs:-?}" "${speed:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$found"
  [ "$rc" = 0 ]
}

# Run JOBS targets at a time.
running=0
for t in "${TARGETS[@]}"; do
  run_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$JOBS" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait

failed=0
for t in "${TARGETS[@]}"; do summary "$t" || failed=$((failed + 1)); done
if [ "$failed" -gt 0 ]; then
  echo "fuzz: $failed target(s) found something; reproducers in $OUT/findings/" >&2
  exit 1
fi
echo "fuzz: ${#TARGETS[@]} targets, ${SECS} s each, nothing found"
