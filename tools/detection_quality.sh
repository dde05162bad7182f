#!/usr/bin/env bash
# Detection quality on real tools' traffic (issue 4): sqlmap and wfuzz attack a real local API,
# a realistic benign client uses it, tcpdump records each phase to its own capture, and (with
# --mirador) tools/detection_quality.py scores the sensor's findings on them.
#
# Two network namespaces joined by a veth pair, addresses in 198.18.0.0/15 only (198.18.99.1 the
# API in mq-srv-PID, 198.18.99.2 the tools in mq-cli-PID). tools/quality/demo_api.py (Flask +
# sqlite, deliberately injectable) listens on the server's address only. Every tool runs under
# `timeout`; namespaces and processes are removed on exit.
#
# Usage (root): tools/detection_quality.sh [--out DIR] [--benign N] [--quick] [--keep]
#                                          [--mirador BIN] [--check]
#   --out DIR      captures and logs go here (default: ./quality-out)
#   --benign N     benign requests (default 12000; 2000 with --quick)
#   --quick        fewer sqlmap injection points and techniques, short wfuzz lists (for CI)
#   --keep         keep the work dir (sqlmap output dir, server log) under OUT/work
#   --mirador BIN  then score the captures with this sensor binary (detection_quality.py)
#   --check        with --mirador: exit 1 unless the figures meet issue 4's targets
# Writes OUT/sqlmap.pcap, OUT/wfuzz.pcap, OUT/benign.pcap and OUT/run.log (timings, counts).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/quality-out
BENIGN=
QUICK=0
KEEP=0
MIRADOR=
CHECK=()
while (($#)); do
  case $1 in
    --out) OUT=$2; shift 2 ;;
    --benign) BENIGN=$2; shift 2 ;;
    --quick) QUICK=1; shift ;;
    --keep) KEEP=1; shift ;;
    --mirador) MIRADOR=$(realpath "$2"); shift 2 ;;
    --check) CHECK=(--check); shift ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "detection_quality: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ -n $BENIGN ]] || BENIGN=$((QUICK ? 2000 : 12000))
[[ $BENIGN =~ ^[0-9]+$ ]] || { echo "detection_quality: --benign takes a number" >&2; exit 2; }

if [[ $EUID -ne 0 ]]; then
  echo "detection_quality: needs root (network namespaces)" >&2
  exit 1
fi
for tool in ip tcpdump sqlmap wfuzz python3 timeout; do
  command -v "$tool" >/dev/null || { echo "detection_quality: missing $tool (tools/setup.sh)" >&2; exit 1; }
done
# Debian's interpreter (python3-flask) when it has Flask, else the one on PATH.
PY=/usr/bin/python3
"$PY" -c 'import flask' 2>/dev/null || PY=$(command -v python3)
"$PY" -c 'import flask' 2>/dev/null || { echo "detection_quality: missing python3-flask" >&2; exit 1; }

OUT=$(realpath -m "$OUT")
mkdir -p "$OUT"
TAG=$$
NS_S=mq-srv-$TAG
NS_C=mq-cli-$TAG
V_S=mqs$TAG
V_C=mqc$TAG
IP_S=198.18.99.1
IP_C=198.18.99.2
PORT=8080
BASE=http://$IP_S:$PORT
WORK=$(mktemp -d /tmp/mirador_quality.XXXXXX)
WORDLISTS=/usr/share/wfuzz/wordlist/Injections
API_PID=
TCPDUMP_PID=
LOG=$OUT/run.log
: >"$LOG"

source "$ROOT/tools/netns_lab.sh"

lab_up
# sqlmap opens a connection per request: the widest client port range makes a 5-tuple reused
# within one capture rarer (the sensor must handle reuse anyway; the scorer counts what it misses).
in_c sysctl -q -w net.ipv4.ip_local_port_range="1024 65535" || true

# The API, on the server's address only, restarted with a fresh database for each phase (a phase
# must not pay for the last one's leftovers: sqlmap's heavy time-based queries, rows it added).
api_start() {
  rm -f "$WORK/demo.sqlite"
  # `ip netns exec` directly: $! is the server's own pid.
  ip netns exec "$NS_S" "$PY" "$ROOT/tools/quality/demo_api.py" --host $IP_S --port $PORT \
    --db "$WORK/demo.sqlite" >>"$WORK/api.log" 2>&1 &
  API_PID=$!
  lab_wait_api "$PY"
}
api_stop() { lab_api_stop; }
api_start
SESSION=$(in_c "$PY" -c "import json, urllib.request; \
print(json.load(urllib.request.urlopen('$BASE/api/sessions', timeout=2))['tokens'][0])")

capture_start() { # NAME: record the server's veth end into OUT/NAME.pcap
  rm -f "$OUT/$1.pcap"
  lab_tcpdump_start "$1" "$OUT/$1.pcap"
}
capture_stop() {
  lab_tcpdump_stop
  tail -n 3 "$WORK/tcpdump_$1.log" | grep -E "captured|dropped" | tr '\n' ' ' | sed "s/^/$1: /" >>"$LOG"
  echo >>"$LOG"
}

# --- sqlmap: one session per injection point, the first going on to enumerate -------------------
# Each: --batch (default answers), --flush-session (never reuse an earlier run's knowledge),
# its own output dir, bounded by `timeout`. sqlmap's own User-Agent is kept: it labels its traffic.
SQLMAP_COMMON=(--batch --flush-session --output-dir "$WORK/sqlmap" --timeout 10 --retries 1)
if ((QUICK)); then
  SQLMAP_COMMON+=(--technique BEU)
  SQLMAP_LIMIT=180
else
  SQLMAP_LIMIT=600
fi
sqlmap_run() { # NAME ARGS...: one sqlmap session
  local name=$1 start rc=0
  shift
  start=$(date +%s)
  in_c timeout -k 5 $SQLMAP_LIMIT sqlmap "${SQLMAP_COMMON[@]}" "$@" >"$WORK/sqlmap_$name.log" 2>&1 || rc=$?
  log "sqlmap $name: exit $rc, $(($(date +%s) - start)) s," \
    "$(grep -c -E "is vulnerable|injectable" "$WORK/sqlmap_$name.log" || true) injectable lines"
}

log "sqlmap phase ($( ((QUICK)) && echo quick || echo full ))"
capture_start sqlmap
t0=$(date +%s)
# GET query parameter, then enumeration (a real session: banner, user, tables, one table dumped).
sqlmap_run query -u "$BASE/api/products?category=books&q=lamp&page=1&sort=price" -p category \
  --banner --current-user --tables --dump -T users --stop 50
# JSON body.
sqlmap_run json -u "$BASE/api/login" --data '{"username":"admin","password":"hunter2"}' \
  -p username --ignore-code 401 --banner
if ((!QUICK)); then
  # URI path parameter, marked with *.
  sqlmap_run path -u "$BASE/api/users/3*" --banner --count -T products
  # Form body.
  # Form body (inside LIKE '%...%': boundaries from --level 3 on), enumerated through boolean-based
  # blind only: the long, bisecting kind of session.
  sqlmap_run form -u "$BASE/api/search" --data "term=lamp&category=books" -p term --level 3 --technique B \
    --banner --tables --dump -T users --stop 3
  # Cookie (tested from --level 2 on).
  sqlmap_run cookie -u "$BASE/api/profile" --cookie "session=$SESSION; theme=dark" -p session \
    --level 2 --ignore-code 401 --banner
  # A second GET parameter with every default test, at level 3 (more payloads, more boundaries).
  sqlmap_run orders -u "$BASE/api/orders?user_id=4&status=paid" -p user_id --level 3 --risk 2 --banner
fi
capture_stop sqlmap
log "sqlmap phase: $(($(date +%s) - t0)) s"

# --- wfuzz: its injection wordlists against a few parameters -----------------------------------
log "wfuzz phase"
api_stop
api_start
capture_start wfuzz
t0=$(date +%s)
wfuzz_run() { # LIST ARGS...: one wordlist, urlencoded payloads (raw spaces would not be HTTP)
  local list=$1 rc=0
  shift
  in_c timeout -k 5 300 wfuzz -c -t 4 -z "file,$WORDLISTS/$list.txt,urlencode" "$@" \
    >>"$WORK/wfuzz.log" 2>&1 || rc=$?
  log "wfuzz $list $*: exit $rc"
}
LISTS=(SQL XSS Traversal XML bad_chars)
((QUICK)) || LISTS+=(All_attack)
for list in "${LISTS[@]}"; do
  wfuzz_run "$list" "$BASE/api/products?category=books&q=FUZZ"
  ((QUICK)) && continue
  wfuzz_run "$list" "$BASE/api/users/FUZZ"
  wfuzz_run "$list" -d "term=FUZZ&category=books" "$BASE/api/search"
  wfuzz_run "$list" -b "session=FUZZ" "$BASE/api/profile"
done
capture_stop wfuzz
log "wfuzz phase: $(($(date +%s) - t0)) s"

# --- benign: the false-positive corpus ------------------------------------------------------------
log "benign phase ($BENIGN requests)"
api_stop
api_start
capture_start benign
t0=$(date +%s)
in_c timeout -k 5 900 "$PY" "$ROOT/tools/quality/benign_client.py" --host $IP_S --port $PORT \
  --requests "$BENIGN" --max-seconds 840 | tee -a "$LOG"
capture_stop benign
log "benign phase: $(($(date +%s) - t0)) s"

for name in sqlmap wfuzz benign; do
  log "$name.pcap: $(stat -c %s "$OUT/$name.pcap") bytes"
done

if [[ -n $MIRADOR ]]; then
  python3 "$ROOT/tools/detection_quality.py" --mirador "$MIRADOR" --work "$OUT" \
    --sqlmap "$OUT/sqlmap.pcap" --wfuzz "$OUT/wfuzz.pcap" --benign "$OUT/benign.pcap" \
    "${CHECK[@]}" | tee "$OUT/score.txt"
  exit "${PIPESTATUS[0]}"
fi
