#!/usr/bin/env bash
# Issue 5's memory check for the stateful abuse detectors: a capture with a million distinct
# identities (each its own JWT, sending one or two requests) read by the release sensor with no
# event output. Prints peak RSS, transactions, wall time, and the counters of the "abuse" stats
# group (table evictions) — or, before that group exists, the names of the groups there are.
# The capture (~2.6 GB) stays in /tmp and is reused; delete it when done.
# Usage: tools/bench/abuse_memory.sh [IDENTITIES] [extra mirador --set key=value...]
set -euo pipefail
cd "$(dirname "$0")/../.."
IDS=${1:-1000000}
shift || true
BUILD=${MIRADOR_BENCH_BUILD:-build-release}
if [ ! -f "$BUILD/build.ninja" ]; then
  meson setup "$BUILD" --buildtype=release -Dtests=false >/dev/null
fi
ninja -C "$BUILD" -j1 tools/traffic_gen/mirador-gen sensor/mirador >/dev/null

# One request per connection and 1.5 transactions per identity: the identity cycle gives every
# identity one connection before any gets a second, so all IDS appear. 256 connections at once
# put ~5 minutes of capture time around them: several hundred thousand identities per window.
TX=$((IDS * 3 / 2))
CAP=${MIRADOR_BENCH_FILE:-/tmp/mirador-abuse-$IDS.pcap}
if [ ! -f "$CAP" ]; then
  echo "generating $CAP ($IDS identities, $TX transactions, seed 1)..."
  "$BUILD/tools/traffic_gen/mirador-gen" -o "$CAP" --seed 1 --transactions "$TX" \
    --identities "$IDS" --clients 65534 --servers 20 --requests-per-conn 1 --concurrency 256 \
    --gzip-ratio 1 --summary-json "$CAP.json"
fi
cat "$CAP" > /dev/null  # page cache: time the sensor, not the disk

SETS=(--set output.json=)
for s in "$@"; do SETS+=(--set "$s"); done
ERR=$(mktemp)
trap 'rm -f "$ERR" "$ERR.time"' EXIT
START=$(date +%s.%N)
/usr/bin/time -f '%M %e' -o "$ERR.time" "$BUILD/sensor/mirador" -r "$CAP" --no-progress \
  "${SETS[@]}" 2>"$ERR"
END=$(date +%s.%N)
python3 - "$ERR" "$ERR.time" "$CAP.json" "$START" "$END" <<'PY'
import json, sys
err, timef, summary, start, end = sys.argv[1:6]
stats = None
for line in open(err):
    if line.startswith('{"stats"'):
        stats = json.loads(line)["stats"]
truth = json.load(open(summary))
rss_kib, wall = open(timef).read().split()
print("identities     %d distinct (generator)" % truth["identities_used"])
print("transactions   %d written, %s seen by the sensor" % (
    truth["transactions"], stats.get("http", {}).get("transactions", "?") if stats else "?"))
print("capture        %.1f MiB, %.0f s of traffic" % (truth["bytes"] / 2**20, truth["capture_seconds"]))
print("wall time      %.1f s" % (float(end) - float(start)))
print("peak RSS       %.1f MiB (time: %.1f MiB)" % (
    (stats or {}).get("peak_rss_bytes", 0) / 2**20, int(rss_kib) / 1024))
if stats is None:
    print("no final stats line on stderr")
    sys.exit(1)
if "abuse" in stats:
    print("abuse          " + json.dumps(stats["abuse"]))
else:
    print("abuse          (no \"abuse\" stats group yet; groups: %s)" %
          ", ".join(k for k, v in stats.items() if isinstance(v, dict)))
for group in ("flows", "auth", "inventory"):
    if group in stats:
        print("%-14s %s" % (group, json.dumps(stats[group])))
PY
