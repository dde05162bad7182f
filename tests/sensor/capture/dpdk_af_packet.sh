#!/usr/bin/env bash
# Live DpdkPort test on net_af_packet with two RX queues: mirador-dpdk-probe polls each queue from
# its own thread on the server's veth end while curl makes CONNECTIONS separate TCP connections
# to python3's http.server across the pair. Passes when packets arrived, every connection was seen
# in both directions and never split over the two queues (the kernel's fanout by flow hash is
# symmetric), and the port's counters equal what the queues delivered.
#
# Two network namespaces joined by a veth pair, addresses in 198.18.0.0/15 only; every wait is
# bounded; everything is removed on exit.
#
# Usage (root): dpdk_af_packet.sh PROBE     exit 77 (skipped) without root or `ip netns`.
set -euo pipefail

PROBE=${1:?usage: dpdk_af_packet.sh PROBE}
CONNECTIONS=16
CAPTURE_SECONDS=60 # the probe's own stop, in case SIGINT is not honoured

skip() { echo "dpdk_af_packet: SKIP: $*"; exit 77; }
fail() { echo "dpdk_af_packet: FAIL: $*" >&2; exit 1; }
[[ $EUID -eq 0 ]] || skip "needs root (network namespaces, AF_PACKET sockets)"
ip netns list >/dev/null 2>&1 || skip "ip netns unavailable"
for tool in curl python3; do
  command -v $tool >/dev/null || skip "$tool not installed"
done
PYTHON=$(command -v python3)
[[ -x $PROBE ]] || fail "$PROBE is not an executable"

TAG=$$
NS_C=mdpdk_cli_$TAG
NS_S=mdpdk_srv_$TAG
V_C=mdc$TAG
V_S=mds$TAG
IP_C=198.18.40.1
IP_S=198.18.40.2
TMP=$(mktemp -d /tmp/mirador_dpdk.XXXXXX)
PROBE_PID=
SERVER_PID=

cleanup() {
  set +e
  [[ -n $PROBE_PID ]] && kill -KILL "$PROBE_PID" 2>/dev/null
  if [[ -n $SERVER_PID ]]; then
    kill -TERM "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  fi
  sleep 0.2
  ip netns del "$NS_C" 2>/dev/null
  ip netns del "$NS_S" 2>/dev/null # takes the veth pair with it
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM # through the EXIT trap: cleaned up once

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

# A small file: every frame fits one af_packet frame (2048 bytes) even with the veth's offloads.
mkdir -p "$TMP/www"
echo '{"probe":"dpdk"}' >"$TMP/www/probe.json"
ip netns exec "$NS_S" "$PYTHON" -m http.server 8080 --bind $IP_S --directory "$TMP/www" \
  >"$TMP/server.log" 2>&1 &
SERVER_PID=$!

# The probe on the server's veth end, two queue pairs, one polling thread per queue.
ip netns exec "$NS_S" "$PROBE" --queues 2 --seconds $CAPTURE_SECONDS --mbufs 4095 -- \
  --no-huge --no-pci -m 256 --no-shconf '--log-level=*:error' \
  "--vdev=net_af_packet0,iface=$V_S,qpairs=2" >"$TMP/probe.json" 2>"$TMP/probe.stderr" &
PROBE_PID=$!
for ((i = 0; i < 300; i++)); do # bounded: 30 s (EAL init takes ~0.5 s, more under ASan)
  grep -q "capturing on" "$TMP/probe.stderr" 2>/dev/null && break
  kill -0 $PROBE_PID 2>/dev/null || fail "the probe exited: $(cat "$TMP/probe.stderr")"
  sleep 0.1
done
grep -q "capturing on" "$TMP/probe.stderr" || fail "the probe did not start within 30 s"
grep "capturing on" "$TMP/probe.stderr"

# The server answers (bounded: 10 s), then one connection per curl.
for ((i = 0; i < 100; i++)); do
  ip netns exec "$NS_C" curl -s --max-time 1 -o /dev/null "http://$IP_S:8080/probe.json" && break
  sleep 0.1
done
for ((c = 1; c <= CONNECTIONS; c++)); do
  ip netns exec "$NS_C" curl -sS --max-time 5 -o /dev/null "http://$IP_S:8080/probe.json?c=$c"
done
sleep 0.5 # the last FIN/ACKs

kill -INT $PROBE_PID
for ((i = 0; i < 100; i++)); do # bounded: 10 s
  kill -0 $PROBE_PID 2>/dev/null || break
  sleep 0.1
done
kill -0 $PROBE_PID 2>/dev/null && fail "the probe did not exit within 10 s of SIGINT"
status=0
wait $PROBE_PID || status=$?
PROBE_PID=
[[ $status -eq 0 ]] || fail "the probe exited with status $status: $(cat "$TMP/probe.stderr")"
cat "$TMP/probe.json"

"$PYTHON" - "$TMP/probe.json" $CONNECTIONS <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
want = int(sys.argv[2])
errors = []
def check(ok, what):
    if not ok:
        errors.append(what)
received = sum(q["packets"] for q in r["received"])
check(r["driver"] == "net_af_packet", "driver %s" % r["driver"])
check(r["queues"] == 2, "queues %d, want 2" % r["queues"])
check(r["symmetric"], "symmetric() is false")
check(received >= want * 6, "received %d packets, want at least %d" % (received, want * 6))
check(r["flows_both_directions"] >= want,
      "%d flows seen both ways, want at least %d" % (r["flows_both_directions"], want))
check(r["flows_split"] == 0, "%d flows split over queues" % r["flows_split"])
st = r["stats"]
check(st["packets"] == received, "stats.packets %d != received %d" % (st["packets"], received))
check(st["bytes"] == sum(q["bytes"] for q in r["received"]), "stats.bytes != received bytes")
for i, (q, sq) in enumerate(zip(r["received"], st["queues"])):
    check(q["packets"] == sq["packets"], "queue %d: stats %d != received %d" %
          (i, sq["packets"], q["packets"]))
check(st["missed"] == 0 and st["no_mbuf"] == 0, "drops: %s" % st)
print("dpdk_af_packet: %d packets (queues %s), %d flows both ways, %d split" %
      (received, [q["packets"] for q in r["received"]], r["flows_both_directions"],
       r["flows_split"]))
if errors:
    print("dpdk_af_packet: FAIL: " + "; ".join(errors), file=sys.stderr)
    sys.exit(1)
PY
echo "dpdk_af_packet: PASS"
