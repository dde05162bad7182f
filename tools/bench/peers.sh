#!/usr/bin/env bash
# Mirador beside its peers (issue 7, must-show 2): one generated HTTP/1.x API capture of SIZE
# (mirador-gen, as tools/bench/h2_vs_h1.sh makes it), read from the page cache by
#   - mirador-pcap-ceiling: a libpcap loop touching every byte (the ceiling);
#   - mirador with every detector on (the default config), 1 worker, 2 workers and all workers;
#   - ndpiReader (nDPI's reader, Debian libndpi-bin);
#   - tshark dissecting HTTP (bounded by a timeout; then its rate over what it read);
# and mirador with 1 worker again on a capture twice as long, for peak RSS against length.
# Each run is the wall clock of the whole process (start-up included) and its peak RSS from
# /usr/bin/time. Prints one row per run and Mirador's ratios against the targets.
#
# Usage: tools/bench/peers.sh SIZE [key=value ...]
#   SIZE        capture size for mirador-gen (e.g. 512M, 2G); the long capture is 2 × SIZE
#   key=value   extra mirador --set overrides (e.g. abuse.max_identities=65536)
# Environment:
#   KEEP=1            keep the temp dir with the captures and every tool's output
#   WORKERS=N         the "all workers" row (default: nproc)
#   TSHARK_TIMEOUT=S  longest tshark may read (default 600 s)
#   LONG=0            skip the 2 × SIZE capture (no RSS-vs-length row)
#   RUNS=N            run each program N times and keep the fastest (default 1; tshark once)
#   MIRADOR_BENCH_BUILD=DIR  release build dir (default build-release)
#   MIRADOR=PATH      another sensor binary (default: the release build's)
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZE=${1:?usage: tools/bench/peers.sh SIZE [key=value ...]}
shift
BUILD=${MIRADOR_BENCH_BUILD:-build-release}
WORKERS=${WORKERS:-$(nproc)}
TSHARK_TIMEOUT=${TSHARK_TIMEOUT:-600}
LONG=${LONG:-1}
RUNS=${RUNS:-1}
for tool in ndpiReader tshark /usr/bin/time python3; do
  command -v "$tool" >/dev/null || { echo "peers: $tool missing (run tools/setup.sh)" >&2; exit 1; }
done
if [ ! -f "$BUILD/build.ninja" ]; then
  meson setup "$BUILD" --buildtype=release -Dtests=false >/dev/null
fi
ninja -C "$BUILD" -j1 sensor/mirador tools/traffic_gen/mirador-gen tools/mirador-pcap-ceiling \
  >/dev/null
MIRADOR=${MIRADOR:-$BUILD/sensor/mirador}

TMP=$(mktemp -d /tmp/mirador-peers.XXXXXX)
if [ "${KEEP:-0}" = 1 ]; then
  trap 'echo "kept $TMP"' EXIT
else
  trap 'rm -rf "$TMP"' EXIT
fi

# Events are formatted as JSON and written to /dev/null, as a deployed sensor formats them.
SETS=(--set output.json=/dev/null)
for s in "$@"; do SETS+=(--set "$s"); done
# Every detector must be on: the comparison is the whole sensor, not its decoder.
CONFIG=$("$MIRADOR" "${SETS[@]}" --dump-config)
ENABLED=$(python3 -c '
import sys
sect, on = None, []
for line in sys.stdin:
    if not line.startswith(" "):
        sect = line.strip().rstrip(":")
    elif line.strip().startswith(("enabled:", "checks:")) and sect and sect != "capture":
        k, v = line.strip().split(":", 1)
        on.append("%s.%s=%s" % (sect, k, v.strip().strip("\"")))
print(" ".join(on))' <<<"$CONFIG")
echo "mirador detectors: $ENABLED"
if grep -q '=false' <<<"$ENABLED"; then
  echo "peers: a detector is off; the benchmark needs all of them on" >&2
  exit 1
fi
# The worker count: the --workers option where the sensor has it, else the config key, else
# only the single-threaded sensor runs and the multi-worker rows print n/a.
if "$MIRADOR" --help | grep -q -- '--workers'; then
  WORKER_ARG=(--workers)
elif "$MIRADOR" --help-config | grep -q 'capture\.workers'; then
  WORKER_ARG=(--set capture.workers=)
else
  WORKER_ARG=()
fi

# The generator's benchmark traffic (h2_vs_h1.sh's): many clients, back-to-back connections.
GEN=(--seed 1 --clients 2000 --servers 20 --gzip-ratio 0.2 --identity-rate 0)
generate() {  # FILE SIZE
  echo "generating $1 ($2)..."
  "$BUILD/tools/traffic_gen/mirador-gen" -o "$1" --size "$2" "${GEN[@]}" >/dev/null
}
warm() { cat "$1" >/dev/null; }  # from the page cache, not the disk

# run NAME NOTE CMD...: times CMD (wall clock, CPU, peak RSS), stdout+stderr to $TMP/NAME.out.
# With RUNS=N it runs N times and keeps the fastest (tshark runs once: it takes minutes).
run() {
  local name=$1 note=$2
  shift 2
  local start end wall i runs=$RUNS
  [ "$name" = tshark ] && runs=1
  for ((i = 0; i < runs; i++)); do
    start=$(date +%s.%N)
    /usr/bin/time -f '%U %S %M' -o "$TMP/try.time" "$@" >"$TMP/try.out" 2>&1 || true
    end=$(date +%s.%N)
    wall=$(python3 -c "print($end - $start)")
    if [ ! -f "$TMP/$name.run" ] || python3 -c "import sys; sys.exit(not $wall < $(cut -f2 "$TMP/$name.run"))"; then
      # /usr/bin/time's last line is user and system CPU seconds and peak RSS; a line before it
      # tells a non-zero exit.
      printf '%s\t%s\t%s\t%s\n' "$name" "$wall" "$(tail -1 "$TMP/try.time")" \
        "$(grep -o 'status [0-9]*' "$TMP/try.time" || true)" >"$TMP/$name.run"
      mv "$TMP/try.out" "$TMP/$name.out"
    fi
  done
  printf '%s\t%s\n' "$name" "$note" >>"$TMP/notes.tsv"
}

CAP=$TMP/capture-$SIZE.pcap
generate "$CAP" "$SIZE"
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
warm "$CAP"

echo "running mirador-pcap-ceiling..."
run ceiling "libpcap read loop, every byte folded" "$BUILD/tools/mirador-pcap-ceiling" --json "$CAP"

mirador_run() {  # NAME FILE WORKERS|"" NOTE
  local args=()
  [ -n "$3" ] && [ ${#WORKER_ARG[@]} -gt 0 ] && {
    if [ "${WORKER_ARG[0]}" = --workers ]; then args=(--workers "$3"); else args=(--set "capture.workers=$3"); fi
  }
  echo "running mirador $1..."
  run "$1" "$4" "$MIRADOR" -r "$2" --no-progress "${SETS[@]}" "${args[@]}"
}
if [ ${#WORKER_ARG[@]} -gt 0 ]; then
  mirador_run mirador_w1 "$CAP" 1 "1 worker"
  mirador_run mirador_w2 "$CAP" 2 "2 workers"
  if [ "$WORKERS" -ne 2 ]; then
    mirador_run mirador_wall "$CAP" "$WORKERS" "$WORKERS workers (all)"
  else
    sed 's/^mirador_w2/mirador_wall/' "$TMP/mirador_w2.run" >"$TMP/mirador_wall.run"
    cp "$TMP/mirador_w2.out" "$TMP/mirador_wall.out"
    printf 'mirador_wall\t2 workers (all = nproc; the 2-worker run)\n' >>"$TMP/notes.tsv"
  fi
else
  mirador_run mirador_w1 "$CAP" "" "single-threaded sensor (no --workers yet)"
fi

# ndpiReader: its default output (no -q: -q silences the summary we check it against) is a few
# dozen lines of totals; it dissects the first packets of each flow until the protocol is known
# (at most -T 80 TCP packets) and counts the rest. It reads a file with one thread (-n is ignored
# for files).
echo "running ndpiReader..."
run ndpi "nDPI $(dpkg-query -W -f='${Version}' libndpi-bin 2>/dev/null): ndpiReader -i FILE" \
  ndpiReader -i "$CAP"

# tshark with -z http,tree: it dissects every packet with TCP reassembly and HTTP (headers,
# chunked and gzip bodies) but prints only a summary, as the sensor writes its events to
# /dev/null; -T fields would time per-packet formatting instead. -z io,stat,0 counts the frames
# and bytes it read, so a run cut by the timeout (the reader stops feeding the pipe) still gives
# its rate over what it read.
echo "running tshark (at most ${TSHARK_TIMEOUT} s)..."
run tshark "tshark $(tshark --version 2>/dev/null | head -1 | awk '{print $3}'): -n -q -z http,tree -z io,stat,0" \
  bash -c 'timeout "$1" cat "$2" | tshark -r - -n -q -z http,tree -z io,stat,0' _ \
  "$TSHARK_TIMEOUT" "$CAP"

if [ "$LONG" = 1 ]; then
  BYTES=$(stat -c %s "$CAP")
  CAP2=$TMP/capture-2x.pcap
  generate "$CAP2" $((BYTES * 2))
  warm "$CAP2"
  echo "running mirador on the 2x capture..."
  if [ ${#WORKER_ARG[@]} -gt 0 ]; then
    mirador_run mirador_long "$CAP2" 1 "1 worker, 2x capture"
  else
    mirador_run mirador_long "$CAP2" "" "single-threaded sensor, 2x capture"
  fi
  "$BUILD/tools/mirador-pcap-ceiling" --json "$CAP2" >"$TMP/ceiling_long.json"
fi

python3 - "$TMP" "$TSHARK_TIMEOUT" "$WORKERS" "$CAP" "$RUNS" "$LOAD" <<'PY'
import json, os, re, sys
tmp, tshark_timeout, workers, cap = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
runs, load = sys.argv[5], sys.argv[6]
notes = dict(l.rstrip("\n").split("\t", 1) for l in open(os.path.join(tmp, "notes.tsv")))

def read_run(name):
    path = os.path.join(tmp, name + ".run")
    if not os.path.exists(path):
        return None
    _, secs, usage, status = open(path).read().rstrip("\n").split("\t")
    user, system, rss = usage.split()
    out = open(os.path.join(tmp, name + ".out"), errors="replace").read()
    return {"s": float(secs), "cpu": float(user) + float(system), "rss_kib": int(rss), "out": out,
            "status": status}

def mirador_stats(out):
    stats = None
    for line in out.splitlines():
        if line.startswith('{"stats"'):
            stats = json.loads(line)["stats"]
    return stats

ceil = read_run("ceiling")
truth = json.loads(ceil["out"].strip().splitlines()[-1])
FILE_PKTS, FILE_BYTES = truth["packets"], truth["bytes"]

rows = []  # (label, run, packets seen, bytes the rate is over, note)
rows.append(("ceiling", ceil, FILE_PKTS, FILE_BYTES, notes["ceiling"]))
for name, label in (("mirador_w1", "mirador 1 worker"), ("mirador_w2", "mirador 2 workers"),
                    ("mirador_wall", "mirador all (%s)" % workers)):
    r = read_run(name)
    if r is None:
        rows.append((label, None, None, None, "n/a: this sensor has no --workers"))
        continue
    st = mirador_stats(r["out"])
    seen = st.get("capture", {}).get("packets") if st else None
    tx = st.get("http", {}).get("transactions") if st else None
    note = notes[name] + ("; %s transactions, %.2f s after start-up (its elapsed_s)" % (
        tx, st.get("elapsed_s", 0)) if st else "; no final stats line")
    rows.append((label, r, seen, FILE_BYTES, note))
r = read_run("ndpi")
m = re.search(r"IP packets:\s+\d+\s+of (\d+) packets total", r["out"])
own = re.search(r"nDPI throughput:\s+(.*)", r["out"])
rows.append(("ndpiReader", r, int(m.group(1)) if m else None, FILE_BYTES,
             notes["ndpi"] + ("; own figure (processing only): " + own.group(1).strip() if own else
                              "; no summary in its output")))
r = read_run("tshark")
io = re.search(r"\|\s*[\d.]+ <> [\d.]+ \|\s*(\d+) \|\s*(\d+) \|", r["out"])
t_pkts, t_bytes = (int(io.group(1)), int(io.group(2))) if io else (None, None)
note = notes["tshark"]
if t_pkts is not None and t_pkts < FILE_PKTS:
    note += "; CUT at %.0f s: rate over the %.1f%% it read" % (tshark_timeout,
                                                              100.0 * t_pkts / FILE_PKTS)
rows.append(("tshark", r, t_pkts, t_bytes, note))
long_run = read_run("mirador_long")
if long_run:
    lt = json.load(open(os.path.join(tmp, "ceiling_long.json")))
    st = mirador_stats(long_run["out"])
    rows.append(("mirador 1w, 2x file", long_run,
                 st.get("capture", {}).get("packets") if st else None, lt["bytes"],
                 notes["mirador_long"] + ("; %.2f s after start-up" % st.get("elapsed_s", 0)
                                          if st else "; no final stats line")))

def gbps(r, b):
    return b * 8 / r["s"] / 1e9
def pps(r, p):
    return p / r["s"]

print()
print("machine: %d cores, load average %s before the runs; each row the fastest of %s run(s)"
      % (os.cpu_count(), load, runs))
print("capture: %d packets, %.1f MiB of packet bytes (file %.1f MiB)" % (
    FILE_PKTS, FILE_BYTES / 2**20, os.path.getsize(cap) / 2**20))
print("Gbit/s = sum of the packets' captured lengths (= wire lengths: mirador-gen writes whole")
print("frames; the ceiling counts them) x 8 / wall seconds of the whole process; packets/s the same")
print("over the file's packets; tshark over the frames and bytes it reports having read.")
print("CPU s = user + system seconds of the process (all its threads): on a busy machine, wall")
print("seconds well above CPU seconds of a single-threaded run mean it waited for a core.")
print()
fmt = "%-22s %8s %8s %8s %11s %8s %10s  %s"
print(fmt % ("run", "seconds", "CPU s", "Gbit/s", "packets/s", "RSS MiB", "pkts seen", "note"))
res = {}
for label, r, seen, b, note in rows:
    if r is None:
        print(fmt % (label, "n/a", "n/a", "n/a", "n/a", "n/a", "n/a", note))
        continue
    p = FILE_PKTS if label != "tshark" else (seen or 0)
    if label.startswith("mirador 1w, 2x"):
        p = lt["packets"]
    if r["status"]:
        note += " [exit %s]" % r["status"].split()[-1]
    g = gbps(r, b or 0)
    res[label] = (g, r["rss_kib"] / 1024)
    print(fmt % (label, "%.2f" % r["s"], "%.2f" % r["cpu"], "%.3f" % g, "%.0f" % pps(r, p),
                 "%.1f" % (r["rss_kib"] / 1024), seen if seen is not None else "?", note))

def ratio(a, b):
    if a not in res or b not in res or res[b][0] == 0:
        return None
    return res[a][0] / res[b][0]
def line(name, value, target):
    v = "n/a" if value is None else "%.2f" % value
    print("%-40s %8s   %s" % (name, v, target))
print()
w1 = "mirador 1 worker"
line("1 worker / ceiling", ratio(w1, "ceiling"), "target >= 0.5")
line("1 worker / ndpiReader", ratio(w1, "ndpiReader"), "target >= 10")
line("all workers / ndpiReader", ratio("mirador all (%s)" % workers, "ndpiReader"), "")
line("all workers / tshark", ratio("mirador all (%s)" % workers, "tshark"), "")
eff = ratio("mirador 2 workers", w1)
line("scaling efficiency 1 -> 2 workers", None if eff is None else eff / 2, "target >= 0.8")
if long_run and w1 in res:
    line("RSS(2x capture) / RSS(1x), 1 worker", res["mirador 1w, 2x file"][1] / res[w1][1],
         "target ~1.0 (%.1f MiB vs %.1f MiB)" % (res["mirador 1w, 2x file"][1], res[w1][1]))
PY
