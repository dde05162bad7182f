#!/usr/bin/env bash
# The seccomp allowlist survey (sensor/security/seccomp_filter.cc): runs the sensor under
# `strace -f` with the allowlist on in `log` mode (nothing refused) and each kind of output, and
# lists every system call made after the filter was installed: the steady state the list must
# cover. Prints, per run, the calls seen and those missing from the allowlist; exits 1 if any
# is missing.
#
# Runs: a capture file with JSON lines (rotated every 64 KiB) and the protobuf file, with 1 and
# 2 workers; a SIGHUP reload mid-run; gRPC to mirador-collector on 127.0.0.1 (spool on); Kafka to librdkafka's mock
# broker (kafka-mock); TLS decryption with a key log. Loopback only.
#
# Usage: tools/seccomp_syscalls.sh BUILD_DIR
set -euo pipefail
BUILD=${1:?usage: seccomp_syscalls.sh BUILD_DIR}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MIRADOR=$BUILD/sensor/mirador
COLLECTOR=$BUILD/tools/collector/mirador-collector
GEN=$BUILD/tools/traffic_gen/mirador-gen
MOCK=$BUILD/tests/tools/kafka-mock
command -v strace >/dev/null || { echo "seccomp_syscalls: strace not installed" >&2; exit 1; }
TMP=$(mktemp -d /tmp/mirador_seccomp.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT

"$GEN" -o "$TMP/cap.pcap" --seed 11 --transactions 3000 >/dev/null 2>&1
CAPS=("$TMP/cap.pcap")

missing_total=0
survey() { # NAME ARGS... (sensor arguments)
  local name=$1
  shift
  strace -f -qq -o "$TMP/$name.trace" "$MIRADOR" --no-progress --set security.seccomp=true \
    --set security.seccomp_action=log "$@" >/dev/null 2>"$TMP/$name.err" ||
    { echo "seccomp_syscalls: $name: the sensor failed:" >&2; tail -5 "$TMP/$name.err" >&2; exit 1; }
  python3 - "$TMP/$name.trace" "$ROOT/sensor/security/seccomp_filter.cc" "$name" <<'PY'
import re, sys
trace, source, name = sys.argv[1:4]
allowed = set(re.findall(r'^\s*\{"([a-z0-9_]+)",', open(source).read(), re.M))
seen, after = {}, False
for line in open(trace):
    m = re.match(r"^\d+\s+([a-z0-9_]+)\(", line)  # a call's start ("<... resumed>" skipped)
    if not m:
        continue
    call = m.group(1)
    if not after:
        after = call == "seccomp" and "filter=" in line  # the load, not the probes
        continue
    seen[call] = seen.get(call, 0) + 1
if not after:
    sys.exit("%s: no seccomp() call in the trace" % name)
missing = sorted(set(seen) - allowed)
print("%-12s %3d calls after the filter: %s" % (name, len(seen), " ".join(sorted(seen))))
if missing:
    print("%-12s MISSING from the allowlist: %s" % (name, " ".join(missing)))
sys.exit(1 if missing else 0)
PY
}

run() { survey "$@" || missing_total=1; }
run file_json1 -r "${CAPS[0]}" --workers 1 -w "$TMP/a.jsonl" --set output.json_rotate_bytes=64K \
  --set output.protobuf_file="$TMP/a.pb" --set inventory.openapi_file="$TMP/a.openapi.json"
run file_json2 -r "${CAPS[0]}" --workers 2 -w "$TMP/b.jsonl" --set stats.interval=0.05

# A reload (SIGHUP) in the middle of a run: the reloader thread rebuilds the configuration and
# compiles the rules under the filter. A slow capture keeps the sensor running long enough.
"$GEN" -o "$TMP/big.pcap" --seed 12 --size 60M >/dev/null 2>&1
( sleep 2; pkill -HUP -f -- "-w $TMP/c.jsonl" 2>/dev/null || true ) &
PIDS+=($!)
run reload -r "$TMP/big.pcap" --workers 1 -w "$TMP/c.jsonl"
grep -q "mirador: reloaded" "$TMP/reload.err" || echo "seccomp_syscalls: reload: no reload seen" >&2

# gRPC: a collector on loopback.
"$COLLECTOR" --listen 127.0.0.1:0 --json "$TMP/coll.jsonl" --state-dir "$TMP/cstate" \
  --stats-interval 0 >"$TMP/coll.out" 2>"$TMP/coll.err" &
PIDS+=($!)
for ((i = 0; i < 100; i++)); do
  grep -qo "listening on [0-9.]*:[0-9]*" "$TMP/coll.err" "$TMP/coll.out" 2>/dev/null && break
  sleep 0.1
done
ADDR=$(grep -ho "listening on [0-9.]*:[0-9]*" "$TMP/coll.err" "$TMP/coll.out" | head -1 | awk '{print $3}')
[[ -n $ADDR ]] || { echo "seccomp_syscalls: the collector did not start" >&2; exit 1; }
run grpc -r "${CAPS[0]}" -w "" --set output.grpc="$ADDR" --set output.spool_dir="$TMP/spool1"

# Kafka: librdkafka's mock cluster as a process.
coproc MOCKP { "$MOCK" --partitions 2 --seconds 60 mirador.http mirador.finding mirador.endpoint \
  mirador.stats mirador.tls 2>/dev/null; }
PIDS+=($MOCKP_PID)
read -r -t 10 word brokers <&"${MOCKP[0]}" || true
[[ $word == bootstrap ]] || { echo "seccomp_syscalls: kafka-mock did not start" >&2; exit 1; }
run kafka -r "${CAPS[0]}" -w "" --set output.kafka_brokers="$brokers" \
  --set output.spool_dir="$TMP/spool2"
exit $missing_total
