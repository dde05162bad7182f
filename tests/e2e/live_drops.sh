#!/usr/bin/env bash
# Live test (issue 7): kernel drops are reported, and capture.buffer_size really sizes the
# TPACKET_V3 ring. The sensor captures on a veth end and is stopped (SIGSTOP: the slowest possible
# consumer) while a raw-socket sender in the peer namespace pushes a bounded burst of UDP frames
# (COUNT × SIZE bytes). Then it resumes, drains what the ring kept and is stopped with SIGINT.
#   - capture.buffer_size=65536 (the smallest; libpcap rounds it up to one 256 KiB block):
#     the final stats line must show capture.kernel_dropped > 0.
#   - capture.buffer_size=64 MiB (the default), the burst (~20 MiB) fits: kernel_dropped == 0 and
#     every frame decoded.
#   - capture.buffer_size=2G (past libpcap's int) is refused with a clear error.
# Two network namespaces joined by a veth pair, addresses in 198.18.0.0/15 only; every wait is
# bounded; everything is removed on exit.
#
# Usage (root): live_drops.sh MIRADOR        exit 77 (skipped) without root or `ip netns`.
set -euo pipefail

MIRADOR=${1:?usage: live_drops.sh MIRADOR}
COUNT=${COUNT:-20000}
SIZE=${SIZE:-1000}

skip() { echo "live_drops: SKIP: $*"; exit 77; }
[[ $EUID -eq 0 ]] || skip "needs root"
ip netns list >/dev/null 2>&1 || skip "ip netns unavailable"
command -v python3 >/dev/null || skip "python3 not installed"
[[ -x $MIRADOR ]] || { echo "live_drops: $MIRADOR is not an executable" >&2; exit 1; }

TAG=$$
NS_T=mdrop_tx_$TAG
NS_S=mdrop_sen_$TAG
V_T=mdt$TAG
V_S=mds$TAG
IP_T=198.18.31.1
IP_S=198.18.31.2
TMP=$(mktemp -d /tmp/mirador_drops.XXXXXX)
SENSOR_PID=

cleanup() {
  set +e
  if [[ -n $SENSOR_PID ]]; then
    kill -CONT "$SENSOR_PID" 2>/dev/null
    kill -KILL "$SENSOR_PID" 2>/dev/null
  fi
  sleep 0.2
  ip netns del "$NS_T" 2>/dev/null
  ip netns del "$NS_S" 2>/dev/null # takes the veth pair with it
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

wait_capturing() { # STDERR_FILE
  for ((i = 0; i < 600; i++)); do # bounded: 60 s
    grep -q "capturing on" "$1" 2>/dev/null && return 0
    kill -0 $SENSOR_PID 2>/dev/null || break
    sleep 0.1
  done
  echo "live_drops: the sensor did not start capturing within 60 s; stderr:" >&2
  cat "$1" >&2
  exit 1
}

ip netns add "$NS_T" 2>/dev/null || skip "cannot create a network namespace"
ip netns add "$NS_S"
ip link add "$V_T" type veth peer name "$V_S" || skip "cannot create a veth pair"
ip link set "$V_T" netns "$NS_T"
ip link set "$V_S" netns "$NS_S"
ip -n "$NS_T" addr add $IP_T/24 dev "$V_T"
ip -n "$NS_S" addr add $IP_S/24 dev "$V_S"
for ns in "$NS_T" "$NS_S"; do ip -n "$ns" link set lo up; done
ip -n "$NS_T" link set "$V_T" up
ip -n "$NS_S" link set "$V_S" up
MAC_S=$(ip -n "$NS_S" -o link show "$V_S" | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)

# The burst: COUNT IPv4/UDP frames of SIZE bytes from IP_T to IP_S port 9 (discard), written
# straight onto the veth with an AF_PACKET socket (no ARP, no socket on the receiving side).
cat >"$TMP/burst.py" <<'EOF'
import socket, struct, sys
ifname, src, dst, mac_dst, count, size = sys.argv[1:7]
count, size = int(count), int(size)
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    return ~(s + (s >> 16)) & 0xFFFF
sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
sock.bind((ifname, 0))
mac_src = sock.getsockname()[4]
eth = bytes.fromhex(mac_dst.replace(":", "")) + mac_src + b"\x08\x00"
payload_len = size - 14 - 20 - 8
sent = 0
for i in range(count):
    payload = struct.pack("!I", i) + bytes(payload_len - 4)
    udp = struct.pack("!HHHH", 40000 + i % 1000, 9, 8 + payload_len, 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xFFFF, 0, 64, 17, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    while True:
        try:
            sock.send(eth + ip + udp)
            break
        except BlockingIOError:  # the sender's own queue is full: wait, never skip a frame
            pass
    sent += 1
print(sent)
EOF

# run_burst NAME BUFFER_BYTES: one sensor run; its final stats line lands in $TMP/NAME.stats.
run_burst() {
  local name=$1 buffer=$2
  ip netns exec "$NS_S" "$MIRADOR" -i "$V_S" -f "udp port 9" --duration 120 \
    --set output.json= --set capture.buffer_size="$buffer" \
    >/dev/null 2>"$TMP/$name.stderr" &
  SENSOR_PID=$!
  wait_capturing "$TMP/$name.stderr"
  kill -STOP $SENSOR_PID
  local sent
  sent=$(timeout 60 ip netns exec "$NS_T" python3 "$TMP/burst.py" "$V_T" $IP_T $IP_S "$MAC_S" \
    "$COUNT" "$SIZE")
  sleep 0.3 # the kernel retires the last ring block after capture.timeout_ms (100 ms)
  kill -CONT $SENSOR_PID
  sleep 2 # drain the ring: ~20 MiB, a small fraction of a second for the sensor
  kill -INT $SENSOR_PID
  for ((i = 0; i < 150; i++)); do # bounded: 15 s to exit
    kill -0 $SENSOR_PID 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 $SENSOR_PID 2>/dev/null; then
    echo "live_drops: FAIL: $name: the sensor did not exit within 15 s of SIGINT" >&2
    exit 1
  fi
  wait $SENSOR_PID || { echo "live_drops: FAIL: $name: exit status $?" >&2; exit 1; }
  SENSOR_PID=
  grep '^{"stats"' "$TMP/$name.stderr" | tail -1 >"$TMP/$name.stats" || true
  echo "$sent" >"$TMP/$name.sent"
}

# A ring size libpcap cannot take (its int wraps at 2 GiB) is refused with a clear error rather
# than silently replaced by libpcap's default.
if ip netns exec "$NS_S" "$MIRADOR" -i "$V_S" --duration 1 --set output.json= \
  --set capture.buffer_size=2G >/dev/null 2>"$TMP/2g.stderr"; then
  echo "live_drops: FAIL: capture.buffer_size=2G was accepted" >&2
  exit 1
fi
grep -q "buffer_size" "$TMP/2g.stderr" || {
  echo "live_drops: FAIL: capture.buffer_size=2G: no clear error:" >&2
  cat "$TMP/2g.stderr" >&2
  exit 1
}

run_burst tiny 65536
run_burst roomy $((64 << 20))

python3 - "$TMP" <<'EOF'
import json, os, sys
tmp = sys.argv[1]
def load(name):
    path = os.path.join(tmp, name + ".stats")
    text = open(path).read().strip()
    if not text:
        sys.exit("live_drops: FAIL: %s: no final stats line on stderr" % name)
    stats = json.loads(text)["stats"]
    sent = int(open(os.path.join(tmp, name + ".sent")).read())
    cap = stats["capture"]
    print("live_drops: %s: sent %d, decoded %d, kernel_received %d, kernel_dropped %d, final %s"
          % (name, sent, cap["packets"], cap["kernel_received"], cap["kernel_dropped"],
             stats["final"]))
    if not stats["final"]:
        sys.exit("live_drops: FAIL: %s: the last stats line is not the final one" % name)
    return sent, cap
sent, cap = load("tiny")
if cap["kernel_dropped"] == 0 or cap["packets"] >= sent:
    sys.exit("live_drops: FAIL: a 64 KiB ring kept a %d-frame burst while the sensor was stopped,"
             " or the drops were not reported" % sent)
sent, cap = load("roomy")
if cap["kernel_dropped"] != 0 or cap["packets"] < sent:
    sys.exit("live_drops: FAIL: a 64 MiB ring lost frames of a ~%d MiB burst"
             % (sent * 1000 // 2**20))
print("live_drops: ok: drops reported with a tiny ring, none with the default one")
EOF
