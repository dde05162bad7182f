#!/usr/bin/env bash
# Real-client evasion captures (tests/data/evasion/live_*.pcap): curl and a raw-socket client
# against python3's http.server, over a veth pair between two network namespaces (198.18.30.0/24
# only), recorded by tcpdump on the server's end. The crafted cases (overlaps, fragments) come
# from tools/make_evasion_captures.py; these show the same evasions made by real stacks.
#
# Usage (root): tools/make_evasion_live_captures.sh [OUT_DIR]   (default: tests/data/evasion)
set -euo pipefail

if [[ $EUID -ne 0 ]]; then
  echo "make_evasion_live_captures: needs root (network namespaces)" >&2
  exit 1
fi
for tool in ip tcpdump curl timeout; do
  command -v "$tool" >/dev/null || { echo "make_evasion_live_captures: missing $tool" >&2; exit 1; }
done
PY=/usr/bin/python3
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$(realpath -m "${1:-$ROOT/tests/data/evasion}")
mkdir -p "$OUT"

TAG=$$
NS_C=mev_cli_$TAG
NS_S=mev_srv_$TAG
V_C=mec$TAG
V_S=mes$TAG
IP_C=198.18.30.1
IP_S=198.18.30.2
TMP=$(mktemp -d /tmp/mirador_evasion.XXXXXX)
SERVER_PID=
TCPDUMP_PID=

cleanup() {
  set +e
  [[ -n $TCPDUMP_PID ]] && kill -TERM "$TCPDUMP_PID" 2>/dev/null
  [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null
  sleep 0.2
  ip netns del "$NS_C" 2>/dev/null
  ip netns del "$NS_S" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

in_c() { ip netns exec "$NS_C" "$@"; }
in_s() { ip netns exec "$NS_S" "$@"; }

ip netns add "$NS_C"
ip netns add "$NS_S"
ip link add "$V_C" type veth peer name "$V_S"
ip link set "$V_C" netns "$NS_C"
ip link set "$V_S" netns "$NS_S"
in_c ip addr add $IP_C/24 dev "$V_C"
in_s ip addr add $IP_S/24 dev "$V_S"
for ns in "$NS_C" "$NS_S"; do ip -n "$ns" link set lo up; done
in_c ip link set "$V_C" up
in_s ip link set "$V_S" up
# MTU-sized frames with real checksums, as a SPAN port would show them.
in_c ethtool -K "$V_C" tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
in_s ethtool -K "$V_S" tso off gso off gro off tx off rx off >/dev/null 2>&1 || true

mkdir -p "$TMP/www"
echo '{"ok":true}' >"$TMP/www/index.json"
in_s timeout 300 "$PY" -m http.server 80 --bind $IP_S --directory "$TMP/www" \
  >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 50); do
  in_c timeout 1 curl -s -o /dev/null "http://$IP_S/index.json" && break
  sleep 0.1
done

capture() { # NAME COMMAND...: the command's traffic in $OUT/NAME.pcap
  local name=$1
  shift
  in_s timeout 30 tcpdump -i "$V_S" -s 0 -U -w "$TMP/$name.pcap" "tcp port 80" >/dev/null 2>&1 &
  TCPDUMP_PID=$!
  sleep 0.5
  "$@" || true
  sleep 0.5
  kill -TERM "$TCPDUMP_PID"
  wait "$TCPDUMP_PID" 2>/dev/null || true
  TCPDUMP_PID=
  cp "$TMP/$name.pcap" "$OUT/$name.pcap"
  echo "$name: $(stat -c %s "$OUT/$name.pcap") bytes"
}

# A raw-socket client: sends the request (Python bytes literal) `step` bytes per send with
# Nagle off and a pause between sends, so the kernel emits one segment per send.
raw_client() { # REQUEST_LITERAL STEP
  in_c timeout 20 "$PY" - "$IP_S" "$1" "$2" <<'EOF'
import ast, socket, sys, time
host, req, step = sys.argv[1], ast.literal_eval(sys.argv[2]), int(sys.argv[3])
s = socket.create_connection((host, 80), timeout=5)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
for i in range(0, len(req), step):
    s.sendall(req[i:i + step])
    time.sleep(0.003)
s.shutdown(socket.SHUT_WR)
while s.recv(4096):
    pass
s.close()
EOF
}

CURL=(in_c timeout 10 curl -s -o /dev/null --path-as-is -A evasion-suite)
capture live_curl_double_encoding "${CURL[@]}" \
  "http://$IP_S/files/%252e%252e%252f%252e%252e%252fetc%252fpasswd"
capture live_curl_overlong_utf8 "${CURL[@]}" "http://$IP_S/static/..%c0%af..%c0%af..%c0%afetc%c0%afpasswd"
capture live_tiny_segments raw_client \
  "b'GET /search?q=1%27%20OR%20%271%27=%271 HTTP/1.1\\r\\nHost: $IP_S\\r\\nConnection: close\\r\\n\\r\\n'" 1
capture live_method_case raw_client \
  "b'gEt /index.json HTTP/1.1\\r\\nHost: $IP_S\\r\\nConnection: close\\r\\n\\r\\n'" 4096
capture live_smuggling_cl_te raw_client \
  "b'POST /index.json HTTP/1.1\\r\\nHost: $IP_S\\r\\nContent-Length: 47\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\nGET /admin HTTP/1.1\\r\\nHost: api.example\\r\\n\\r\\n'" 4096
