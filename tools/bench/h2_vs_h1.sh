#!/usr/bin/env bash
# HTTP/2 beside HTTP/1.x (issue 6, must-show 4): two generated captures of the same size, seed and
# exchanges (mirador-gen, and mirador-gen --http2 with 10 concurrent streams per connection),
# each through the libpcap ceiling and the single-worker sensor with detection off and on
# (Gbit/s, packets/s, transactions, peak RSS). Usage: tools/bench/h2_vs_h1.sh [SIZE]
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZE=${1:-1G}
BUILD=${MIRADOR_BENCH_BUILD:-build-release}
if [ ! -f "$BUILD/build.ninja" ]; then
  meson setup "$BUILD" --buildtype=release -Dtests=false >/dev/null
fi
ninja -C "$BUILD" tools/traffic_gen/mirador-gen tools/mirador-pcap-ceiling tools/mirador-bench >/dev/null
GEN=(--seed 1 --size "$SIZE" --clients 2000 --servers 20 --gzip-ratio 0.2 --identity-rate 0)
for proto in h1 h2; do
  cap=/tmp/mirador-bench-$proto-$SIZE.pcap
  extra=()
  [[ $proto == h2 ]] && extra=(--http2)
  if [ ! -f "$cap" ]; then
    echo "generating $cap..."
    "$BUILD/tools/traffic_gen/mirador-gen" -o "$cap" "${GEN[@]}" "${extra[@]}" >/dev/null
  fi
  cat "$cap" >/dev/null # from the page cache, not the disk
  echo "=== $proto: $cap"
  "$BUILD/tools/mirador-pcap-ceiling" "$cap"
  "$BUILD/tools/mirador-bench" "$cap" --null-output --set detect.enabled=false
  "$BUILD/tools/mirador-bench" "$cap" --null-output
done
