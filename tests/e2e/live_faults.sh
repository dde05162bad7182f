#!/usr/bin/env bash
# Live faults (issue 8): the sensor on a veth end keeps its flows and goes on capturing when
#   1. the interface goes down for 3 s and comes back (it must not spin meanwhile: at most 0.6 s
#      of CPU over the 3 s);
#   2. the interface is deleted and created again under the same name (the capture fails, is
#      reopened every capture.reopen_interval_ms, and counts capture_errors and reopens);
#   3. SIGHUP reloads the rules on the live capture;
# and SIGTERM then writes every transaction: one per phase, each URI seen once.
#
# Two network namespaces joined by a veth pair (tools/netns_lab.sh), addresses in 198.18.0.0/15
# only; python's http.server in the server namespace; every wait bounded; cleaned up on exit.
#
# Usage (root): live_faults.sh MIRADOR      exit 77 (skipped) without root or `ip netns`.
set -euo pipefail

MIRADOR=${1:?usage: live_faults.sh MIRADOR}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
skip() { echo "live_faults: SKIP: $*"; exit 77; }
[[ $EUID -eq 0 ]] || skip "needs root"
ip netns list >/dev/null 2>&1 || skip "ip netns unavailable"
for tool in curl python3; do command -v $tool >/dev/null || skip "$tool not installed"; done

TAG=$$
NS_S=mflt_srv_$TAG NS_C=mflt_cli_$TAG V_S=mfs$TAG V_C=mfc$TAG
IP_S=198.18.31.2 IP_C=198.18.31.1 PORT=8080
WORK=$(mktemp -d /tmp/mirador_faults.XXXXXX) OUT=$WORK KEEP=0 LOG=$WORK/run.log
SENSOR_PID=
# shellcheck source=tools/netns_lab.sh
source "$ROOT/tools/netns_lab.sh"
fail() {
  echo "live_faults: FAIL: $*" >&2
  tail -n 20 "$WORK/mirador.stderr" >&2 2>/dev/null || true
  exit 1
}
on_exit() {
  [[ -n $SENSOR_PID ]] && kill -KILL "$SENSOR_PID" 2>/dev/null
  lab_cleanup
}
lab_up
trap on_exit EXIT

mkdir -p "$WORK/www"
for name in before after_up after_recreate after_reload; do echo "{\"phase\":\"$name\"}" >"$WORK/www/$name.json"; done
API_PID=
ip netns exec "$NS_S" /usr/bin/python3 -m http.server $PORT --bind $IP_S --directory "$WORK/www" \
  >"$WORK/api.log" 2>&1 &
API_PID=$!

ip netns exec "$NS_S" "$MIRADOR" -i "$V_S" -f "tcp port $PORT" --duration 120 --stats-interval 1 \
  --set capture.reopen_interval_ms=200 -w "$WORK/out.jsonl" 2>"$WORK/mirador.stderr" &
SENSOR_PID=$!
lab_wait_capturing $SENSOR_PID "$WORK/mirador.stderr" || fail "the sensor did not start capturing"

get() { # NAME: one request, retried while the link settles (bounded: 10 tries)
  for ((t = 0; t < 10; t++)); do
    in_c curl -sS --max-time 3 -o /dev/null "http://$IP_S:$PORT/$1.json" && return 0
    sleep 0.5
  done
  fail "GET /$1.json did not succeed"
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SENSOR_PID/stat"; }

get before

# 1. Down for 3 s, then up.
t0=$(cpu_ticks)
ip -n "$NS_S" link set "$V_S" down
sleep 3
t1=$(cpu_ticks)
ip -n "$NS_S" link set "$V_S" up
ticks=$(getconf CLK_TCK)
echo "live_faults: CPU while the link was down: $(((t1 - t0) * 1000 / ticks)) ms in 3 s"
((t1 - t0 <= ticks * 6 / 10)) || fail "the sensor spun while the link was down"
get after_up

# 2. Deleted and created again under the same name.
ip -n "$NS_S" link del "$V_S"
sleep 1
ip link add "$V_C" type veth peer name "$V_S"
ip link set "$V_C" netns "$NS_C"
ip link set "$V_S" netns "$NS_S"
ip -n "$NS_C" addr add "$IP_C/24" dev "$V_C"
ip -n "$NS_S" addr add "$IP_S/24" dev "$V_S"
ip -n "$NS_C" link set "$V_C" up
ip -n "$NS_S" link set "$V_S" up
for ((i = 0; i < 100; i++)); do # bounded: 10 s
  grep -q "reopened" "$WORK/mirador.stderr" && break
  sleep 0.1
done
grep -q "reopened" "$WORK/mirador.stderr" || fail "the capture was not reopened"
get after_recreate

# 3. SIGHUP on the live capture.
kill -HUP $SENSOR_PID
for ((i = 0; i < 600; i++)); do # bounded: 60 s
  grep -q "mirador: reloaded" "$WORK/mirador.stderr" && break
  sleep 0.1
done
grep -q "mirador: reloaded" "$WORK/mirador.stderr" || fail "no reload after SIGHUP"
get after_reload
sleep 1 # the last FIN/ACKs

kill -TERM $SENSOR_PID
for ((i = 0; i < 150; i++)); do kill -0 $SENSOR_PID 2>/dev/null || break; sleep 0.1; done
kill -0 $SENSOR_PID 2>/dev/null && fail "the sensor did not exit within 15 s of SIGTERM"
wait $SENSOR_PID || fail "the sensor exited with $?"
SENSOR_PID=

/usr/bin/python3 - "$WORK/out.jsonl" "$WORK/mirador.stderr" <<'PYEOF'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
uris = [e["http"]["uri"] for e in events if "http" in e]
stats = [json.loads(l)["stats"] for l in open(sys.argv[2]) if l.startswith('{"stats"')][-1]
cap, rel = stats["capture"], stats.get("reload", {})
want = ["/before.json", "/after_up.json", "/after_recreate.json", "/after_reload.json"]
problems = []
if sorted(uris) != sorted(want):
    problems.append("transactions %s, expected %s" % (uris, want))
if cap.get("capture_errors", 0) < 1 or cap.get("reopens", 0) < 1:
    problems.append("capture errors/reopens not counted: %s" % cap)
if rel.get("applied") != 1:
    problems.append("reload not counted: %s" % rel)
if problems:
    sys.exit("live_faults: FAIL: " + "; ".join(problems))
print("live_faults: ok: %d transactions across down/up, delete/recreate and a reload; "
      "capture_errors %d, reopens %d" % (len(uris), cap["capture_errors"], cap["reopens"]))
PYEOF
