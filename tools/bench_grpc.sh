#!/usr/bin/env bash
# Events/s through the sensor's gRPC sink to mirador-collector on loopback (release build).
# Real events: mirador-gen makes a capture, the sensor writes its events to a protobuf file, and
# mirador-bench-grpc streams them (renumbered, cycled) to a collector writing JSON lines.
# Usage: tools/bench_grpc.sh [EVENTS] [COLLECTOR_JSON_OUTPUT]   (defaults: 500000, /dev/null)
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${1:-500000}
OUT=${2:-/dev/null}
BUILD=${MIRADOR_BENCH_BUILD:-build-release}
if [ ! -f "$BUILD/build.ninja" ]; then
  meson setup "$BUILD" --buildtype=release -Dtests=false >/dev/null
fi
ninja -C "$BUILD" sensor/mirador tools/traffic_gen/mirador-gen tools/collector/mirador-collector \
  tools/mirador-bench-grpc >/dev/null

WORK=$(mktemp -d /tmp/mirador-bench-grpc.XXXXXX)
COLLECTOR_PID=
cleanup() {
  [ -n "$COLLECTOR_PID" ] && kill "$COLLECTOR_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

"$BUILD/tools/traffic_gen/mirador-gen" -o "$WORK/g.pcap" --seed 5 --transactions 20000 \
  --gzip-ratio 0.2 2>/dev/null
"$BUILD/sensor/mirador" -r "$WORK/g.pcap" -w /dev/null --no-progress \
  --set output.protobuf_file="$WORK/events.pb" --set stats.interval=0 2>/dev/null

"$BUILD/tools/collector/mirador-collector" --listen 127.0.0.1:0 --json "$OUT" \
  --state-dir "$WORK" --stats-interval 0 2>"$WORK/collector.err" &
COLLECTOR_PID=$!
for _ in $(seq 100); do
  grep -q "listening on" "$WORK/collector.err" && break
  sleep 0.05
done
ADDR=$(grep -o "listening on [0-9.]*:[0-9]*" "$WORK/collector.err" | awk '{print $3}')
"$BUILD/tools/mirador-bench-grpc" --collector "$ADDR" --events-file "$WORK/events.pb" \
  --events "$EVENTS"
kill -TERM "$COLLECTOR_PID"
wait "$COLLECTOR_PID" || true
COLLECTOR_PID=
echo "collector: $(tail -1 "$WORK/collector.err" | cut -c1-200)..."
