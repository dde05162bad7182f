#!/usr/bin/env bash
# The foundation benchmark: on one generated capture (1 GiB by default), prints the libpcap
# ceiling (a read loop touching every byte) and the sensor's single-worker packet path
# (decode, flows, TCP reassembly, HTTP/1.x, JSON records to /dev/null) without and then with
# detection (every shipped rule), each with Gbit/s, packets/s and peak RSS. Usage: tools/bench.sh [SIZE] [extra mirador-gen options...]
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-1G}
shift || true
BUILD=${MIRADOR_BENCH_BUILD:-build-release}
if [ ! -f "$BUILD/build.ninja" ]; then
  meson setup "$BUILD" --buildtype=release -Dtests=false >/dev/null
fi
ninja -C "$BUILD" tools/traffic_gen/mirador-gen tools/mirador-pcap-ceiling tools/mirador-bench >/dev/null

CAP=${MIRADOR_BENCH_FILE:-/tmp/mirador-bench-$SIZE.pcap}
if [ ! -f "$CAP" ]; then
  echo "generating $CAP ($SIZE, seed 1)..."
  "$BUILD/tools/traffic_gen/mirador-gen" -o "$CAP" --seed 1 --size "$SIZE" \
    --clients 2000 --servers 20 --gzip-ratio 0.2 --chunked-ratio 0.3 "$@"
fi
# Warm the page cache so both programs read from memory, not from the disk.
cat "$CAP" > /dev/null
echo
"$BUILD/tools/mirador-pcap-ceiling" "$CAP"
echo
"$BUILD/tools/mirador-bench" "$CAP" --set detect.enabled=false
echo
"$BUILD/tools/mirador-bench" "$CAP"
