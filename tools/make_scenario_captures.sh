#!/usr/bin/env bash
# Abuse scenario captures made by real tools (issue 5, must-show 1): one capture per scenario of
# tests/data/scenarios/expected.json, recorded with tcpdump while a real tool (ffuf, hydra, ab) or
# a scripted client (tools/scenarios/clients.py) abuses tools/scenarios/api.py, a Flask API with
# the authorisation bugs real APIs ship. The committed captures are what CI reads; CI never runs
# this script.
#
# Two network namespaces joined by a veth pair, addresses in 198.18.0.0/15 only: the API on
# 198.18.98.1 (msc-srv-PID), the tools on 198.18.98.2 and 198.18.98.10-.29 (msc-cli-PID; the extra
# addresses are the token sharer's and the benign crowd's). The API restarts for each scenario
# (fresh state). Every tool runs under `timeout`; every loop is bounded; namespaces and processes
# are removed on exit. TCP timestamps and offloads are off: smaller, MTU-sized frames, as a mirror
# port sees them.
#
# Usage (root): tools/make_scenario_captures.sh [--out DIR] [--only a,b,...] [--keep]
#   --out DIR    captures go here (default: tests/data/scenarios)
#   --only LIST  just these scenarios (default: all)
#   --keep       keep the work dir (tool logs, API log) under OUT/work
# Writes OUT/NAME.pcap.gz per scenario and OUT/make.log (tool versions, what each client did).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/tests/data/scenarios
ONLY=
KEEP=0
while (($#)); do
  case $1 in
    --out) OUT=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "make_scenario_captures: unknown option $1" >&2; exit 2 ;;
  esac
done
ALL=(discovery brute_force credential_stuffing scraper address_book flood replay token_shared
     tampering vertical benign)

if [[ $EUID -ne 0 ]]; then
  echo "make_scenario_captures: needs root (network namespaces)" >&2
  exit 1
fi
for tool in ip tcpdump ffuf hydra ab timeout; do
  command -v "$tool" >/dev/null || { echo "make_scenario_captures: missing $tool (tools/setup.sh)" >&2; exit 1; }
done
PY=/usr/bin/python3 # Debian's: python3-flask and python3-jwt
"$PY" -c 'import flask, jwt' 2>/dev/null || { echo "make_scenario_captures: missing python3-flask or python3-jwt" >&2; exit 1; }

OUT=$(realpath -m "$OUT")
mkdir -p "$OUT"
TAG=$$
NS_S=msc-srv-$TAG
NS_C=msc-cli-$TAG
V_S=mss$TAG
V_C=msc$TAG
IP_S=198.18.98.1
IP_C=198.18.98.2
EXTRA=() # 198.18.98.10 .. 198.18.98.29
for ((i = 10; i < 30; i++)); do EXTRA+=("198.18.98.$i"); done
PORT=8080
BASE=http://$IP_S:$PORT
SCEN=$ROOT/tools/scenarios
WORK=$(mktemp -d /tmp/mirador_scenarios.XXXXXX)
API_PID=
TCPDUMP_PID=
LOG=$OUT/make.log
: >"$LOG"

source "$ROOT/tools/netns_lab.sh"
clients() { # SCENARIO ARGS...: tools/scenarios/clients.py in the client namespace, bounded
  in_c timeout -k 5 300 "$PY" "$SCEN/clients.py" "$1" --host $IP_S --port $PORT "${@:2}" | tee -a "$LOG"
}

EXTRA_IPS=("${EXTRA[@]}")
lab_up
for ns in "$NS_C" "$NS_S"; do
  ip netns exec "$ns" sysctl -q -w net.ipv4.tcp_timestamps=0 # 12 bytes less per packet
done

api_start() { # a fresh API (its state: sessions, orders) for each scenario
  ip netns exec "$NS_S" "$PY" "$SCEN/api.py" --host $IP_S --port $PORT >>"$WORK/api.log" 2>&1 &
  API_PID=$!
  lab_wait_api "$PY"
}
api_stop() { lab_api_stop; }
capture_start() { # NAME: the server's veth end into OUT/NAME.pcap (the health probe is not in it)
  rm -f "$OUT/$1.pcap" "$OUT/$1.pcap.gz"
  lab_tcpdump_start "$1" "$OUT/$1.pcap"
}
capture_stop() {
  lab_tcpdump_stop
  # Committed gzipped (tshark reads it as is; the e2e test unpacks it for the sensor): the
  # flood's 1600 requests are 1 MB raw, 70 kB packed. -n: no name or time in the header.
  gzip -9 -n -f "$OUT/$1.pcap"
  log "$1.pcap.gz: $(stat -c %s "$OUT/$1.pcap.gz") bytes;" \
    "$(grep -E "captured|dropped by kernel" "$WORK/tcpdump_$1.log" | tr '\n' ' ')"
}
users_of() { # ARGS: user names or passwords of the API's seeded users (api.make_users)
  "$PY" -c "
import sys; sys.path.insert(0, '$SCEN')
from api import make_users
u = make_users(5, 500)
$1"
}

# --- the scenarios ------------------------------------------------------------------------------
run_discovery() { # ffuf: forced browsing under /api/ with a 179-word list, unauthenticated
  in_c timeout -k 5 120 ffuf -u "$BASE/api/FUZZ" -w "$SCEN/api_wordlist.txt" -t 4 -mc all \
    -o "$WORK/ffuf.json" -of json >"$WORK/ffuf.log" 2>&1 || true
  log "ffuf: $("$PY" -c "import json,collections; r=json.load(open('$WORK/ffuf.json'))['results'];
print(len(r), 'answers', dict(collections.Counter(x['status'] for x in r)))")"
}
run_brute_force() { # hydra: one account (admin), 70 passwords, the right one last
  users_of "
for i in range(69): print('%s%d' % (['password','admin','letmein','qwerty','welcome','dragon'][i % 6], i))
print(u[1]['password'])" >"$WORK/passwords.txt"
  (cd "$WORK" && in_c timeout -k 5 120 hydra -l admin -P "$WORK/passwords.txt" -t 4 -I -s $PORT \
    $IP_S http-post-form "/api/login:username=^USER^&password=^PASS^:F=invalid credentials" \
    >"$WORK/hydra_brute.log" 2>&1) || true
  log "hydra brute force: $(grep -E "valid password|successfully completed" "$WORK/hydra_brute.log" | tr '\n' ' ')"
}
run_credential_stuffing() { # hydra: 45 user names (40 real) x 3 leaked passwords, one pair right
  users_of "
import random; r = random.Random(3)
names = [u[i]['username'] for i in r.sample(range(2, 500), 40)] + ['zhang.wei', 'li.na', 'test', 'guest', 'support']
print('\n'.join(names))" >"$WORK/stuff_users.txt"
  users_of "
import random; pick = random.Random(3).sample(range(2, 500), 40)
print('123456'); print('P@ssw0rd2023'); print(u[pick[17]]['password'])" >"$WORK/stuff_pw.txt"
  (cd "$WORK" && in_c timeout -k 5 120 hydra -L "$WORK/stuff_users.txt" -P "$WORK/stuff_pw.txt" -t 4 -I \
    -s $PORT $IP_S http-post-form "/api/login:username=^USER^&password=^PASS^:F=invalid credentials" \
    >"$WORK/hydra_stuff.log" 2>&1) || true
  log "hydra credential stuffing: $(grep -E "valid password|successfully completed" "$WORK/hydra_stuff.log" | tr '\n' ' ')"
}
run_scraper() { # 30 users read their own profile first, then one account walks ids 1..420
  clients scraper --sources "$(IFS=,; echo "${EXTRA[*]:0:6}")" --owners 30 --walk 420 --pages 3
}
run_address_book() { clients address_book --lookups 64; }
run_flood() { # ab: 1600 keep-alive requests, 4 at a time, one token
  local token
  token=$(in_c timeout -k 5 30 "$PY" "$SCEN/clients.py" print_token --host $IP_S --port $PORT \
    --user "$(users_of "print(u[41]['username'])")")
  in_c timeout -k 5 60 ab -n 1600 -c 4 -k -H "Authorization: Bearer $token" \
    "$BASE/api/notifications/count" >"$WORK/ab.log" 2>&1 || true
  log "ab: $(grep -E "Complete requests|Failed requests|Non-2xx|Time taken|Requests per second" "$WORK/ab.log" | tr -s ' ' | tr '\n' ';')"
}
run_replay() { clients replay --sources "${EXTRA[0]},${EXTRA[19]}" --replays 3; }
run_token_shared() { clients token_shared --sources "$(IFS=,; echo "${EXTRA[*]:0:14}")"; }
run_tampering() { clients tampering; }
run_vertical() { clients vertical; }
run_benign() { clients benign --sources "$(IFS=,; echo "${EXTRA[*]:0:8}")" --people 90 --max-seconds 240; }

log "tools: $(ffuf -V 2>&1 | head -1); $(hydra -h 2>&1 | head -1 | cut -c1-40); $(ab -V | head -1);" \
  "tcpdump $(tcpdump --version 2>&1 | head -1 | awk '{print $3}');" \
  "Flask $("$PY" -c 'import flask; print(flask.__version__)'), PyJWT $("$PY" -c 'import jwt; print(jwt.__version__)'), $("$PY" -V)"
for name in "${ALL[@]}"; do
  if [[ -n $ONLY && ",$ONLY," != *",$name,"* ]]; then continue; fi
  log "--- $name"
  api_start
  capture_start "$name"
  t0=$(date +%s)
  "run_$name"
  capture_stop "$name"
  api_stop
  log "$name: $(($(date +%s) - t0)) s"
done
