#!/usr/bin/env bash
# Live test: the sensor captures on a veth end while curl talks to nginx across the pair, then
# must have reported every transaction (count, URIs, statuses) once stopped with SIGINT.
#
# Two network namespaces (client, server) joined by a veth pair, addresses in 198.18.0.0/15 only.
# nginx and `mirador -i` run in the server namespace, the sensor on the server's veth end as it
# would on a mirror port. Every wait is bounded; everything is removed on exit.
#
# Usage (root): live_veth.sh MIRADOR        exit 77 (skipped) without root or `ip netns`.
set -euo pipefail

MIRADOR=${1:?usage: live_veth.sh MIRADOR}
HERE=$(cd "$(dirname "$0")" && pwd)
CONNECTIONS=5
PER_CONNECTION=4
DURATION=60 # the sensor's own stop, in case SIGINT is not honoured

skip() { echo "live_veth: SKIP: $*"; exit 77; }
[[ $EUID -eq 0 ]] || skip "needs root"
ip netns list >/dev/null 2>&1 || skip "ip netns unavailable"
for tool in nginx curl python3; do
  command -v $tool >/dev/null || skip "$tool not installed"
done
[[ -x $MIRADOR ]] || { echo "live_veth: $MIRADOR is not an executable" >&2; exit 1; }

TAG=$$
NS_C=mlive_cli_$TAG
NS_S=mlive_srv_$TAG
V_C=mlc$TAG
V_S=mls$TAG
IP_C=198.18.30.1
IP_S=198.18.30.2
TMP=$(mktemp -d /tmp/mirador_live.XXXXXX)
SENSOR_PID=

cleanup() {
  set +e
  [[ -n $SENSOR_PID ]] && kill -KILL "$SENSOR_PID" 2>/dev/null
  [[ -f $TMP/nginx.pid ]] && kill "$(cat "$TMP/nginx.pid")" 2>/dev/null
  sleep 0.2
  ip netns del "$NS_C" 2>/dev/null
  ip netns del "$NS_S" 2>/dev/null # takes the veth pair with it
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

# A started sensor is ready when it says "capturing on" (compiling the rules takes seconds under
# ASan, so no fixed sleep will do).
wait_capturing() { # STDERR_FILE
  for ((i = 0; i < 600; i++)); do # bounded: 60 s
    grep -q "capturing on" "$1" 2>/dev/null && return 0
    kill -0 $SENSOR_PID 2>/dev/null || break
    sleep 0.1
  done
  echo "live_veth: the sensor did not start capturing within 60 s; stderr:" >&2
  cat "$1" >&2
  exit 1
}

ip netns add "$NS_C" 2>/dev/null || skip "cannot create a network namespace"
ip netns add "$NS_S"
ip link add "$V_C" type veth peer name "$V_S" || skip "cannot create a veth pair"
ip link set "$V_C" netns "$NS_C"
ip link set "$V_S" netns "$NS_S"
ip -n "$NS_C" addr add $IP_C/24 dev "$V_C"
ip -n "$NS_S" addr add $IP_S/24 dev "$V_S"
for ns in "$NS_C" "$NS_S"; do ip -n "$ns" link set lo up; done
ip -n "$NS_C" link set "$V_C" up
ip -n "$NS_S" link set "$V_S" up

# nginx serving one small JSON file per request to be made.
mkdir -p "$TMP/www/live" "$TMP/logs"
for ((c = 1; c <= CONNECTIONS; c++)); do
  for ((r = 1; r <= PER_CONNECTION; r++)); do
    printf '{"connection":%d,"request":%d}\n' $c $r >"$TMP/www/live/c${c}r${r}.json"
  done
done
cat >"$TMP/nginx.conf" <<EOF
user root;
worker_processes 1;
pid $TMP/nginx.pid;
error_log $TMP/logs/error.log warn;
events { worker_connections 64; }
http {
  include /etc/nginx/mime.types;
  access_log $TMP/logs/access.log;
  client_body_temp_path $TMP/body;
  proxy_temp_path $TMP/proxy;
  fastcgi_temp_path $TMP/fastcgi;
  uwsgi_temp_path $TMP/uwsgi;
  scgi_temp_path $TMP/scgi;
  server { listen $IP_S:80; server_name live.mirador.test; root $TMP/www; }
}
EOF
ip netns exec "$NS_S" nginx -c "$TMP/nginx.conf" -e "$TMP/logs/error.log"

# The sensor, on the server's veth end. `ip netns exec` directly: $! is the sensor's own pid.
ip netns exec "$NS_S" "$MIRADOR" -i "$V_S" -f "tcp port 80" --duration $DURATION \
  -w "$TMP/out.jsonl" >"$TMP/mirador.stdout" 2>"$TMP/mirador.stderr" &
SENSOR_PID=$!
wait_capturing "$TMP/mirador.stderr"

# The traffic: one curl per connection, PER_CONNECTION URLs each (keep-alive).
for ((c = 1; c <= CONNECTIONS; c++)); do
  urls=()
  for ((r = 1; r <= PER_CONNECTION; r++)); do
    urls+=("http://live.mirador.test/live/c${c}r${r}.json?conn=$c&req=$r" -o /dev/null)
  done
  ip netns exec "$NS_C" curl -sS --max-time 10 --resolve "live.mirador.test:80:$IP_S" \
    -A "mirador-live/1.0" "${urls[@]}"
done
sleep 1 # the last FIN/ACKs

kill -INT $SENSOR_PID
status=0
for ((i = 0; i < 150; i++)); do # bounded: 15 s for the sensor to flush and exit
  kill -0 $SENSOR_PID 2>/dev/null || break
  sleep 0.1
done
if kill -0 $SENSOR_PID 2>/dev/null; then
  # Diagnose: does one more packet make it exit? Then it only checks for the stop request
  # between packets (e.g. blocked in pcap_next_ex on an idle link).
  ip netns exec "$NS_C" curl -s --max-time 2 -o /dev/null "http://$IP_S/wake-up" || true
  sleep 2
  if kill -0 $SENSOR_PID 2>/dev/null; then
    echo "live_veth: FAIL: the sensor did not exit within 15 s of SIGINT" >&2
  else
    echo "live_veth: FAIL: the sensor ignored SIGINT while the link was idle and exited only" \
      "when another packet arrived: the capture loop must wake without traffic" >&2
  fi
  exit 1
fi
wait $SENSOR_PID || status=$?
SENSOR_PID=
if [[ $status -ne 0 ]]; then
  echo "live_veth: FAIL: the sensor exited with status $status; stderr:" >&2
  tail -20 "$TMP/mirador.stderr" >&2
  exit 1
fi

# --duration alone must stop a capture on an idle link (no traffic, no signal).
ip netns exec "$NS_S" "$MIRADOR" -i "$V_S" -f "tcp port 80" --duration 2 \
  -w "$TMP/idle.jsonl" >/dev/null 2>"$TMP/idle.stderr" &
SENSOR_PID=$!
wait_capturing "$TMP/idle.stderr"
for ((i = 0; i < 100; i++)); do # bounded: 10 s for a 2 s capture
  kill -0 $SENSOR_PID 2>/dev/null || break
  sleep 0.1
done
if kill -0 $SENSOR_PID 2>/dev/null; then
  echo "live_veth: FAIL: --duration 2 on an idle link did not stop the sensor within 10 s" >&2
  exit 1
fi
wait $SENSOR_PID || { echo "live_veth: FAIL: idle --duration run exited with $?" >&2; exit 1; }
SENSOR_PID=

# SIGTERM right after the traffic (events may still be queued for the output thread or buffered
# in its sink): every transaction is written before the process exits.
ip netns exec "$NS_S" "$MIRADOR" -i "$V_S" -f "tcp port 80" --duration $DURATION \
  -w "$TMP/term.jsonl" >/dev/null 2>"$TMP/term.stderr" &
SENSOR_PID=$!
wait_capturing "$TMP/term.stderr"
for ((c = 1; c <= 2; c++)); do
  ip netns exec "$NS_C" curl -sS --max-time 10 --resolve "live.mirador.test:80:$IP_S" \
    "http://live.mirador.test/term/c${c}a" -o /dev/null "http://live.mirador.test/term/c${c}b" \
    -o /dev/null "http://live.mirador.test/term/c${c}c" -o /dev/null
done
sleep 0.3 # the kernel hands packets over by ring block (capture.timeout_ms, 100 ms)
kill -TERM $SENSOR_PID
for ((i = 0; i < 150; i++)); do # bounded: 15 s
  kill -0 $SENSOR_PID 2>/dev/null || break
  sleep 0.1
done
if kill -0 $SENSOR_PID 2>/dev/null; then
  echo "live_veth: FAIL: the sensor did not exit within 15 s of SIGTERM" >&2
  exit 1
fi
wait $SENSOR_PID || { echo "live_veth: FAIL: the SIGTERM run exited with $?" >&2; exit 1; }
SENSOR_PID=
python3 - "$TMP/term.jsonl" "$TMP/term.stderr" <<'TERMEOF'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
lines = [e for e in events if "http" in e]
stats = [json.loads(l)["stats"] for l in open(sys.argv[2]) if l.startswith('{"stats"')][-1]
uris = sorted(l["http"]["uri"] for l in lines)
want = sorted("/term/c%d%s" % (c, x) for c in (1, 2) for x in "abc")
out = stats["output"]
# Every event (transactions, findings, endpoints of the inventory, stats) numbered without a gap.
if uris != want or [e["sequence"] for e in events] != list(range(1, len(events) + 1)) or \
        out["written"] != out["records"] or out["queue_dropped"] != 0 or not stats["final"]:
    sys.exit("live_veth: FAIL: after SIGTERM: uris %s, stats %s" % (uris, out))
print("live_veth: ok: SIGTERM wrote all %d events" % len(lines))
TERMEOF

python3 - "$TMP/out.jsonl" $CONNECTIONS $PER_CONNECTION "$IP_C" "$IP_S" "$HERE" <<'EOF'
import collections, os, sys
out, conns, per, ip_c, ip_s, here = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), *sys.argv[4:]
sys.path.insert(0, here)
import mirador_run
if not os.path.exists(out):
    sys.exit("live_veth: FAIL: the sensor wrote no %s" % out)
records = mirador_run.parse_jsonl(open(out, encoding="utf-8", errors="surrogateescape").read(), out)
want = collections.Counter("/live/c%dr%d.json?conn=%d&req=%d" % (c, r, c, r)
                           for c in range(1, conns + 1) for r in range(1, per + 1))
got = collections.Counter(r.get("uri") for r in records)
problems = []
if got != want:
    problems += ["missing: %s" % u for u in sorted((want - got).elements())]
    problems += ["unexpected: %s" % u for u in sorted((got - want).elements(), key=str)]
by_conn = collections.defaultdict(list)
for r in records:
    problems += ["%s: %s" % (r.get("uri"), e) for e in mirador_run.contract_errors(r)]
    if (r.get("method"), r.get("status"), r.get("src_ip"), r.get("dst_ip"), r.get("dst_port"),
            r.get("host")) != ("GET", 200, ip_c, ip_s, 80, "live.mirador.test"):
        problems.append("wrong fields: %s" % r)
    by_conn[r.get("src_port")].append(r.get("trans_depth"))
if len(by_conn) != conns:
    problems.append("%d client connections reported, %d made" % (len(by_conn), conns))
for port, depths in by_conn.items():
    if sorted(depths) != list(range(1, per + 1)):
        problems.append("connection from port %s: trans_depth %s" % (port, sorted(depths, key=str)))
if problems:
    print("live_veth: FAIL: %d of %d transactions reported" % (len(records), sum(want.values())))
    for p in problems:
        print("  " + p)
    sys.exit(1)
print("live_veth: ok: %d transactions over %d connections reported" % (len(records), conns))
EOF
