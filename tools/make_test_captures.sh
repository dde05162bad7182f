#!/usr/bin/env bash
# Makes the small real-traffic captures in tests/data/ and the transactions each must yield.
#
# Two network namespaces joined by a veth pair, addresses in 198.18.0.0/15 and 2001:2::/48 only;
# nginx-light and python3's http.server answer curl (and one raw-socket pipelining client) while
# tcpdump records on the server's veth end. A VXLAN overlay (VNI 42, and VNI 4242 with a
# 1500-byte overlay MTU so the outer datagrams are IP-fragmented) runs over the same veth pair.
# The expected records (<name>.expected.jsonl) are written from what the tools were asked to send,
# then cross-checked against tshark's HTTP dissector.
#
# Usage (root): tools/make_test_captures.sh [OUT_DIR [NAME...]]      (default: tests/data)
#   NAME...: make only these captures (e.g. curl_vxlan42 curl_ipv6); default: all of them.
set -euo pipefail

if [[ $EUID -ne 0 ]]; then
  echo "make_test_captures: needs root (network namespaces)" >&2
  exit 1
fi
for tool in ip ss tcpdump curl nginx tshark editcap capinfos ethtool; do
  command -v "$tool" >/dev/null || { echo "make_test_captures: missing $tool" >&2; exit 1; }
done
PY=/usr/bin/python3 # the system interpreter: its version is part of http.server's Server header

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$(realpath -m "${1:-$ROOT/tests/data}")
mkdir -p "$OUT"
ONLY=("${@:2}")
want() { # NAME: is this capture to be made?
  local n
  ((${#ONLY[@]} == 0)) && return 0
  for n in "${ONLY[@]}"; do [[ $n == "$1" ]] && return 0; done
  return 1
}

# Unique names so two runs (or other engineers' experiments) never collide.
TAG=$$
NS_C=mcap_cli_$TAG
NS_S=mcap_srv_$TAG
V_C=mcc$TAG
V_S=mcs$TAG
IP_C=198.18.10.1
IP_S=198.18.10.2
IP6_C=2001:2::1 # IPv6 benchmarking range (RFC 5180), written in RFC 5952 form
IP6_S=2001:2::2
VX_C=mvc$TAG      # VXLAN VNI 42 over the veth: overlay 198.18.20.0/24, MTU 1450 (no fragments)
VX_S=mvs$TAG
OV_C=198.18.20.1
OV_S=198.18.20.2
VXF_C=mfc$TAG     # VXLAN VNI 4242, overlay MTU 1500: full inner frames need fragmented outer packets
VXF_S=mfs$TAG
OVF_C=198.18.21.1
OVF_S=198.18.21.2
TMP=$(mktemp -d /tmp/mirador_caps.XXXXXX)
TCPDUMP_PID=

cleanup() {
  set +e
  [[ -n $TCPDUMP_PID ]] && kill -TERM "$TCPDUMP_PID" 2>/dev/null
  for pidfile in "$TMP"/*.pid; do
    [[ -f $pidfile ]] && kill "$(cat "$pidfile")" 2>/dev/null
  done
  sleep 0.2
  ip netns del "$NS_C" 2>/dev/null
  ip netns del "$NS_S" 2>/dev/null # deleting the namespace removes the veth pair too
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

in_c() { ip netns exec "$NS_C" "$@"; }
in_s() { ip netns exec "$NS_S" "$@"; }

# --- network ------------------------------------------------------------------------------------
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
# A mirror port sees MTU-sized frames with real checksums: turn the veth offloads off so the
# capture looks like that (no 64 KiB GSO super-frames, no partial checksums).
in_c ethtool -K "$V_C" tx off tso off gso off gro off >/dev/null 2>&1 || true
in_s ethtool -K "$V_S" tx off tso off gso off gro off >/dev/null 2>&1 || true
# IPv6 on the same veth pair; nodad: the addresses are usable at once.
in_c ip -6 addr add $IP6_C/64 dev "$V_C" nodad
in_s ip -6 addr add $IP6_S/64 dev "$V_S" nodad
# VXLAN overlays. VNI 42 is bound to the veth (the kernel then caps its MTU at 1500 - 50 = 1450).
# VNI 4242 is not bound to a device, so its MTU can be 1500: a full-size inner frame plus the
# 50 bytes of outer Ethernet/IP/UDP/VXLAN headers exceeds the veth's 1500, and as the device
# leaves DF unset (the default, "df unset") the kernel fragments the outer UDP datagram.
vxlan_pair() { # VNI DEV_C DEV_S OVERLAY_C OVERLAY_S MTU [dev]
  local vni=$1 dc=$2 ds=$3 oc=$4 os=$5 mtu=$6 bind=${7:-}
  in_c ip link add "$dc" type vxlan id "$vni" dstport 4789 local $IP_C remote $IP_S \
    ${bind:+dev "$V_C"}
  in_s ip link add "$ds" type vxlan id "$vni" dstport 4789 local $IP_S remote $IP_C \
    ${bind:+dev "$V_S"}
  in_c sysctl -qw "net.ipv6.conf.$dc.disable_ipv6=1" # no IPv6 chatter (RS, MLD) in the tunnel
  in_s sysctl -qw "net.ipv6.conf.$ds.disable_ipv6=1"
  in_c ip link set "$dc" mtu "$mtu"
  in_s ip link set "$ds" mtu "$mtu"
  in_c ip addr add "$oc/24" dev "$dc"
  in_s ip addr add "$os/24" dev "$ds"
  in_c ip link set "$dc" up
  in_s ip link set "$ds" up
  in_c ethtool -K "$dc" tx off tso off gso off gro off >/dev/null 2>&1 || true
  in_s ethtool -K "$ds" tx off tso off gso off gro off >/dev/null 2>&1 || true
}
vxlan_pair 42 "$VX_C" "$VX_S" $OV_C $OV_S 1450 dev
vxlan_pair 4242 "$VXF_C" "$VXF_S" $OVF_C $OVF_S 1500
# Without a lock the VXLAN device would lower the overlay route's path MTU to 1450 after the first
# oversized frame (skb_tunnel_check_pmtu), and TCP would stop sending full-size segments.
in_c ip route replace 198.18.21.0/24 dev "$VXF_C" src $OVF_C mtu lock 1500
in_s ip route replace 198.18.21.0/24 dev "$VXF_S" src $OVF_S mtu lock 1500

# --- content served -----------------------------------------------------------------------------
WWW=$TMP/www
mkdir -p "$WWW/api" "$WWW/gz" "$WWW/errors" "$WWW/files"
$PY - "$WWW" <<'EOF'
import json, sys
www = sys.argv[1]
users = [{"id": i, "name": "user%02d" % i, "email": "user%02d@example.test" % i,
          "roles": ["reader"] if i % 3 else ["reader", "admin"]} for i in range(1, 9)]
items = [{"sku": "SKU-%04d" % i, "price": round(i * 1.25, 2), "stock": i * 7} for i in range(1, 6)]
catalog = [{"id": i, "title": "Item number %d" % i, "description": "A fairly repetitive "
            "description that compresses well, item %d." % i, "tags": ["a", "b", "c"]}
           for i in range(1, 121)]
def write(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")
write(www + "/api/users.json", users)
write(www + "/api/items.json", items)
write(www + "/api/health.json", {"status": "ok"})
write(www + "/gz/catalog.json", catalog)
write(www + "/errors/404.json", {"error": "not found"})
write(www + "/files/report.json", {"report": "quarterly", "rows": list(range(40))})
big = [{"id": i, "name": "record %04d" % i, "value": i * 3.5, "flags": [i % 2 == 0, i % 3 == 0]}
       for i in range(1, 201)]
write(www + "/files/big.json", big)  # about 20 KB: many full-size segments
EOF
size() { stat -c %s "$1"; }

NGINX_DIR=$TMP/nginx
mkdir -p "$NGINX_DIR/logs"
cat >"$NGINX_DIR/nginx.conf" <<EOF
load_module /usr/lib/nginx/modules/ngx_http_echo_module.so;
user root;
worker_processes 1;
pid $TMP/nginx.pid;
error_log $NGINX_DIR/logs/error.log warn;
events { worker_connections 64; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log $NGINX_DIR/logs/access.log;
  client_body_temp_path $NGINX_DIR/body;
  proxy_temp_path $NGINX_DIR/proxy;
  fastcgi_temp_path $NGINX_DIR/fastcgi;
  uwsgi_temp_path $NGINX_DIR/uwsgi;
  scgi_temp_path $NGINX_DIR/scgi;
  client_body_buffer_size 1m;
  keepalive_timeout 5s;
  server_tokens off;
  server {
    listen 80;
    listen [::]:80;
    server_name api.mirador.test;
    root $WWW;
    error_page 404 /errors/404.json;
    location /errors/ { internal; }
    # gzip without a known length: nginx answers chunked.
    location /gz/ { gzip on; gzip_types application/json; gzip_min_length 0; gzip_comp_level 6; }
    # Dynamic answers (no Content-Length, so chunked): echo the JSON body back.
    location = /api/echo {
      default_type application/json;
      echo_read_request_body;
      echo_request_body;
    }
    # Reads the whole upload (sending 100 Continue first), answers a fixed line.
    location = /api/upload {
      default_type application/json;
      echo_read_request_body;
      echo '{"stored":true}';
    }
  }
}
EOF
in_s nginx -c "$NGINX_DIR/nginx.conf" -e "$NGINX_DIR/logs/error.log"

# python3 -m http.server: HTTP/1.0, one request per connection.
# Background jobs run `ip netns exec` itself (not a shell function): $! is then the server's own
# pid, and no subshell carrying this script's EXIT trap is left to fire on a signal.
ip netns exec "$NS_S" $PY -m http.server 8000 --bind $IP_S --directory "$WWW" \
  >"$TMP/httpserver.log" 2>&1 &
echo $! >"$TMP/httpserver.pid"
# A close-delimited server: HTTP/1.0 without Content-Length, the body ends when the server closes.
STREAM_LEN=3000
cat >"$TMP/close_server.py" <<'EOF'
import http.server, sys
N = int(sys.argv[2])
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    def do_GET(self):
        body = (b'{"stream":"' + b"x" * (N - 15) + b'"}\n')
        assert len(body) == N - 1
        body += b"\n"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.HTTPServer((sys.argv[1], 8081), Handler).serve_forever()
EOF
ip netns exec "$NS_S" $PY "$TMP/close_server.py" $IP_S $STREAM_LEN >"$TMP/close_server.log" 2>&1 &
echo $! >"$TMP/close_server.pid"

wait_port() { # PORT [ADDRESS]   bounded: at most 50 x 0.1 s
  local port=$1 addr=${2:-$IP_S} i
  for ((i = 0; i < 50; i++)); do
    in_c $PY -c "import socket,sys; socket.create_connection(('$addr', $port), 0.2).close()" \
      2>/dev/null && return 0
    sleep 0.1
  done
  echo "make_test_captures: server on port $port did not start" >&2
  exit 1
}
wait_port 80
wait_port 8000
wait_port 8081
wait_port 80 $IP6_S
wait_port 80 $OV_S  # also fills both overlays' ARP caches before any capture starts
wait_port 80 $OVF_S

# --- capture helpers ----------------------------------------------------------------------------
start_capture() { # NAME FILTER [IFACE [TCPDUMP_OPTION...]]   (default: the server's veth end)
  local name=$1 filter=$2 iface=${3:-$V_S} i
  rm -f "$OUT/$name.pcap" "$TMP/tcpdump.log"
  ip netns exec "$NS_S" tcpdump -i "$iface" "${@:4}" -s 0 -U --immediate-mode -n \
    -w "$TMP/$name.pcap" "$filter" >/dev/null 2>"$TMP/tcpdump.log" &
  TCPDUMP_PID=$!
  for ((i = 0; i < 50; i++)); do # bounded wait for "listening on"
    grep -q "listening on" "$TMP/tcpdump.log" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "make_test_captures: tcpdump did not start" >&2
  exit 1
}
stop_capture() { # NAME [EXT]
  local name=$1 ext=${2:-pcap} i
  # Bounded wait (at most 5 s) until every TCP connection in both namespaces has finished its
  # close (only listeners and TIME_WAIT left): a slow server FIN is then still in the capture.
  for ((i = 0; i < 50; i++)); do
    [[ -z $(in_c ss -Htan state all exclude listening exclude time-wait) &&
       -z $(in_s ss -Htan state all exclude listening exclude time-wait) ]] && break
    sleep 0.1
  done
  sleep 0.5 # let the last ACKs land
  kill -TERM "$TCPDUMP_PID" # TERM: background jobs of a script ignore INT
  wait "$TCPDUMP_PID" || true
  TCPDUMP_PID=
  if [[ $ext == pcapng ]]; then
    editcap -F pcapng "$TMP/$name.pcap" "$OUT/$name.pcapng"
  else
    cp "$TMP/$name.pcap" "$OUT/$name.pcap"
  fi
}
# curl with bounded time; every request pins its client port so the expected records can name it.
CURL=(curl -sS --max-time 10 -o /dev/null -A "mirador-test/1.0")
expect() { # NAME JSON...  (one record per argument)
  local name=$1
  shift
  : >"$OUT/$name.expected.jsonl"
  for rec in "$@"; do printf '%s\n' "$rec" >>"$OUT/$name.expected.jsonl"; done
}
# Common fields of every nginx answer on port 80.
NGX="\"dst_ip\":\"$IP_S\",\"dst_port\":80,\"src_ip\":\"$IP_C\",\"host\":\"api.mirador.test\",\"version\":\"1.1\",\"user_agent\":\"mirador-test/1.0\""
U=http://api.mirador.test
RESOLVE=(--resolve "api.mirador.test:80:$IP_S")
POST_BODY='{"name":"widget","qty":3,"tags":["blue","small"],"note":"posted by curl"}'

if want curl_get_head_404; then
# 1. Three single-request connections: a JSON GET, a 404 with a JSON error page, a HEAD.
start_capture curl_get_head_404 tcp
in_c "${CURL[@]}" "${RESOLVE[@]}" --local-port 41001 "$U/api/users.json"
in_c "${CURL[@]}" "${RESOLVE[@]}" --local-port 41002 "$U/api/missing.json?id=7"
in_c "${CURL[@]}" "${RESOLVE[@]}" --local-port 41003 -I "$U/api/users.json"
stop_capture curl_get_head_404
expect curl_get_head_404 \
  "{$NGX,\"src_port\":41001,\"trans_depth\":1,\"method\":\"GET\",\"uri\":\"/api/users.json\",\"status\":200,\"status_msg\":\"OK\",\"request_body_len\":0,\"response_body_len\":$(size "$WWW/api/users.json"),\"response_body_wire_len\":$(size "$WWW/api/users.json"),\"response_content_type\":\"application/json\"}" \
  "{$NGX,\"src_port\":41002,\"trans_depth\":1,\"method\":\"GET\",\"uri\":\"/api/missing.json?id=7\",\"status\":404,\"status_msg\":\"Not Found\",\"request_body_len\":0,\"response_body_len\":$(size "$WWW/errors/404.json"),\"response_content_type\":\"application/json\"}" \
  "{$NGX,\"src_port\":41003,\"trans_depth\":1,\"method\":\"HEAD\",\"uri\":\"/api/users.json\",\"status\":200,\"status_msg\":\"OK\",\"request_body_len\":0,\"response_body_len\":0,\"response_body_wire_len\":0,\"response_content_type\":\"application/json\"}"
fi

if want curl_post_json_chunked; then
# 2. A POST with a JSON body, echoed back by nginx in a chunked answer.
start_capture curl_post_json_chunked tcp
in_c "${CURL[@]}" "${RESOLVE[@]}" --local-port 41011 -H "Content-Type: application/json" \
  --data-binary "$POST_BODY" "$U/api/echo"
stop_capture curl_post_json_chunked
expect curl_post_json_chunked \
  "{$NGX,\"src_port\":41011,\"trans_depth\":1,\"method\":\"POST\",\"uri\":\"/api/echo\",\"status\":200,\"status_msg\":\"OK\",\"request_body_len\":${#POST_BODY},\"request_body_wire_len\":${#POST_BODY},\"request_content_type\":\"application/json\",\"response_body_len\":${#POST_BODY},\"response_content_type\":\"application/json\"}"
fi

if want curl_keepalive; then
# 3. Keep-alive: one curl, four URLs, one connection (trans_depth 1..4), with a Referer.
#    Written as pcapng so the pcapng reader is exercised too.
start_capture curl_keepalive tcp
in_c "${CURL[@]}" "${RESOLVE[@]}" --local-port 41021 -e "http://portal.mirador.test/home" \
  "$U/api/users.json" -o /dev/null "$U/api/items.json" -o /dev/null \
  "$U/api/health.json" -o /dev/null "$U/files/report.json" -o /dev/null
stop_capture curl_keepalive pcapng
KA="$NGX,\"src_port\":41021,\"method\":\"GET\",\"status\":200,\"referrer\":\"http://portal.mirador.test/home\",\"request_body_len\":0,\"response_content_type\":\"application/json\""
expect curl_keepalive \
  "{$KA,\"trans_depth\":1,\"uri\":\"/api/users.json\",\"response_body_len\":$(size "$WWW/api/users.json")}" \
  "{$KA,\"trans_depth\":2,\"uri\":\"/api/items.json\",\"response_body_len\":$(size "$WWW/api/items.json")}" \
  "{$KA,\"trans_depth\":3,\"uri\":\"/api/health.json\",\"response_body_len\":$(size "$WWW/api/health.json")}" \
  "{$KA,\"trans_depth\":4,\"uri\":\"/files/report.json\",\"response_body_len\":$(size "$WWW/files/report.json")}"
fi

if want curl_gzip_chunked; then
# 4. gzip + chunked: the body length after de-chunking and gunzip is the file's size.
start_capture curl_gzip_chunked tcp
in_c "${CURL[@]}" "${RESOLVE[@]}" --local-port 41031 --compressed "$U/gz/catalog.json"
stop_capture curl_gzip_chunked
expect curl_gzip_chunked \
  "{$NGX,\"src_port\":41031,\"trans_depth\":1,\"method\":\"GET\",\"uri\":\"/gz/catalog.json\",\"status\":200,\"request_body_len\":0,\"response_body_len\":$(size "$WWW/gz/catalog.json"),\"response_content_type\":\"application/json\",\"response_content_encoding\":\"gzip\"}"
fi

if want curl_expect_100; then
# 5. Expect: 100-continue with a 64 KiB upload: info_codes [100], then 200.
head -c 65536 /dev/zero | tr '\0' 'a' >"$TMP/upload.bin"
start_capture curl_expect_100 tcp
in_c "${CURL[@]}" "${RESOLVE[@]}" --local-port 41041 -H "Expect: 100-continue" \
  -H "Content-Type: application/octet-stream" --data-binary "@$TMP/upload.bin" "$U/api/upload"
stop_capture curl_expect_100
expect curl_expect_100 \
  "{$NGX,\"src_port\":41041,\"trans_depth\":1,\"method\":\"POST\",\"uri\":\"/api/upload\",\"status\":200,\"info_codes\":[100],\"request_body_len\":65536,\"request_content_type\":\"application/octet-stream\",\"response_body_len\":16,\"response_content_type\":\"application/json\"}"
fi

if want python_http10; then
# 6. python3 -m http.server (HTTP/1.0 request and answer, connection closed after each): a file,
#    a directory listing and a 404.
PYH="\"dst_ip\":\"$IP_S\",\"dst_port\":8000,\"src_ip\":\"$IP_C\",\"host\":\"$IP_S:8000\",\"version\":\"1.0\",\"user_agent\":\"mirador-test/1.0\",\"trans_depth\":1,\"method\":\"GET\",\"request_body_len\":0"
start_capture python_http10 tcp
in_c "${CURL[@]}" --http1.0 --local-port 41051 "http://$IP_S:8000/api/items.json"
in_c curl -sS --max-time 10 --http1.0 -A "mirador-test/1.0" --local-port 41052 \
  -o "$TMP/listing.html" "http://$IP_S:8000/api/"
in_c curl -sS --max-time 10 --http1.0 -A "mirador-test/1.0" --local-port 41053 \
  -o "$TMP/notfound.html" "http://$IP_S:8000/nothing-here"
stop_capture python_http10
expect python_http10 \
  "{$PYH,\"src_port\":41051,\"uri\":\"/api/items.json\",\"status\":200,\"status_msg\":\"OK\",\"response_body_len\":$(size "$WWW/api/items.json"),\"response_content_type\":\"application/json\"}" \
  "{$PYH,\"src_port\":41052,\"uri\":\"/api/\",\"status\":200,\"status_msg\":\"OK\",\"response_body_len\":$(size "$TMP/listing.html"),\"response_content_type\":\"text/html; charset=utf-8\"}" \
  "{$PYH,\"src_port\":41053,\"uri\":\"/nothing-here\",\"status\":404,\"status_msg\":\"File not found\",\"response_body_len\":$(size "$TMP/notfound.html"),\"response_content_type\":\"text/html;charset=utf-8\"}"
fi

if want python_close_delimited; then
# 7. A close-delimited answer: HTTP/1.0, no Content-Length, the server's FIN ends the body.
start_capture python_close_delimited tcp
in_c "${CURL[@]}" --http1.0 --local-port 41061 "http://$IP_S:8081/stream"
stop_capture python_close_delimited
expect python_close_delimited \
  "{\"dst_ip\":\"$IP_S\",\"dst_port\":8081,\"src_ip\":\"$IP_C\",\"src_port\":41061,\"host\":\"$IP_S:8081\",\"version\":\"1.0\",\"user_agent\":\"mirador-test/1.0\",\"trans_depth\":1,\"method\":\"GET\",\"uri\":\"/stream\",\"status\":200,\"request_body_len\":0,\"response_body_len\":$STREAM_LEN,\"response_body_wire_len\":$STREAM_LEN,\"response_content_type\":\"application/json\"}"
fi

if want nginx_pipelined; then
# 8. Pipelining by a real client socket: three requests in one write, nginx answers in order.
start_capture nginx_pipelined tcp
in_c $PY - "$IP_S" <<'EOF'
import socket, sys, time
reqs = b"".join(
    b"GET %s HTTP/1.1\r\nHost: api.mirador.test\r\nUser-Agent: mirador-pipeline/1.0\r\n%s\r\n"
    % (path, extra)
    for path, extra in ((b"/api/users.json", b""), (b"/api/items.json", b""),
                        (b"/api/health.json", b"Connection: close\r\n")))
s = socket.socket()
s.bind(("198.18.10.1", 41071))
s.settimeout(3)
s.connect((sys.argv[1], 80))
s.sendall(reqs)  # one write: the three requests travel in the same segment
deadline = time.time() + 5
data = b""
while time.time() < deadline:  # bounded: nginx closes after the third answer
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
s.close()
assert data.count(b"HTTP/1.1 200 OK") == 3, data[:200]
EOF
stop_capture nginx_pipelined
PL="$NGX,\"user_agent\":\"mirador-pipeline/1.0\",\"src_port\":41071,\"method\":\"GET\",\"status\":200,\"request_body_len\":0,\"response_content_type\":\"application/json\""
expect nginx_pipelined \
  "{$PL,\"trans_depth\":1,\"uri\":\"/api/users.json\",\"response_body_len\":$(size "$WWW/api/users.json")}" \
  "{$PL,\"trans_depth\":2,\"uri\":\"/api/items.json\",\"response_body_len\":$(size "$WWW/api/items.json")}" \
  "{$PL,\"trans_depth\":3,\"uri\":\"/api/health.json\",\"response_body_len\":$(size "$WWW/api/health.json")}"
fi

if want curl_vlan100 || want curl_qinq_200_100; then
# 9. 802.1Q and QinQ. This kernel has no 8021q support ("ip link add ... type vlan": Unknown
#    device type), so a real curl exchange is captured untagged and the tags are then inserted in
#    each Ethernet header (outer 802.1ad 0x88a8 for QinQ, then 802.1Q 0x8100).
start_capture curl_vlan100 tcp
in_c "${CURL[@]}" "${RESOLVE[@]}" --local-port 41081 "$U/api/health.json"
stop_capture curl_vlan100
tag_vlans() { # IN OUT TPID:VID...
  $PY - "$@" <<'EOF'
import struct, sys
src, dst, tags = sys.argv[1], sys.argv[2], [t.split(":") for t in sys.argv[3:]]
data = open(src, "rb").read()
magic, = struct.unpack("<I", data[:4])
assert magic in (0xA1B2C3D4, 0xA1B23C4D), "little-endian pcap expected"
assert struct.unpack("<I", data[20:24])[0] == 1, "Ethernet link type expected"
head = b"".join(struct.pack(">HH", int(tpid, 16), int(vid)) for tpid, vid in tags)
out, pos = [data[:24]], 24
while pos + 16 <= len(data):  # bounded by the file length
    sec, frac, caplen, origlen = struct.unpack("<IIII", data[pos:pos + 16])
    frame = data[pos + 16:pos + 16 + caplen]
    pos += 16 + caplen
    frame = frame[:12] + head + frame[12:]
    out.append(struct.pack("<IIII", sec, frac, len(frame), origlen + len(head)) + frame)
open(dst, "wb").write(b"".join(out))
EOF
}
tag_vlans "$TMP/curl_vlan100.pcap" "$OUT/curl_vlan100.pcap" 8100:100
tag_vlans "$TMP/curl_vlan100.pcap" "$OUT/curl_qinq_200_100.pcap" 88a8:200 8100:100
VL="\"dst_ip\":\"$IP_S\",\"dst_port\":80,\"src_ip\":\"$IP_C\",\"src_port\":41081,\"host\":\"api.mirador.test\",\"version\":\"1.1\",\"user_agent\":\"mirador-test/1.0\",\"trans_depth\":1,\"method\":\"GET\",\"uri\":\"/api/health.json\",\"status\":200,\"request_body_len\":0,\"response_body_len\":$(size "$WWW/api/health.json"),\"response_content_type\":\"application/json\""
expect curl_vlan100 "{$VL,\"vlan\":[100]}"
expect curl_qinq_200_100 "{$VL,\"vlan\":[200,100]}"
fi

# The capture must hold MIN..MAX frames matching a tshark display FILTER.
tshark_count() { # CAPTURE FILTER MIN [MAX]
  local n
  n=$(tshark -r "$1" -Y "$2" 2>/dev/null | wc -l)
  if ((n < $3 || n > ${4:-n})); then
    echo "make_test_captures: $(basename "$1"): $n frame(s) match '$2', wanted $3..${4:-}" >&2
    exit 1
  fi
}
link_type_is() { # CAPTURE ENCAPSULATION-NAME (as capinfos prints it)
  local got
  got=$(capinfos -E "$1" | sed -n 's/^File encapsulation: *//p')
  [[ $got == "$2" ]] || { echo "make_test_captures: $(basename "$1"): link type '$got', wanted '$2'" >&2; exit 1; }
}

# 10. VXLAN (VNI 42): curl → nginx over the overlay, captured on the underlay veth, so every frame
#     is Ethernet/IPv4/UDP 4789/VXLAN/Ethernet/IPv4/TCP. Two URLs on one keep-alive connection.
if want curl_vxlan42; then
start_capture curl_vxlan42 "udp port 4789"
in_c "${CURL[@]}" --resolve "api.mirador.test:80:$OV_S" --local-port 41091 \
  "$U/api/users.json" -o /dev/null "$U/api/health.json"
stop_capture curl_vxlan42
tshark_count "$OUT/curl_vxlan42.pcap" "vxlan.vni == 42 && tcp" 10
tshark_count "$OUT/curl_vxlan42.pcap" "ip.flags.mf == 1 || ip.frag_offset > 0" 0 0
VX="\"dst_ip\":\"$OV_S\",\"dst_port\":80,\"src_ip\":\"$OV_C\",\"src_port\":41091,\"host\":\"api.mirador.test\",\"version\":\"1.1\",\"user_agent\":\"mirador-test/1.0\",\"method\":\"GET\",\"status\":200,\"request_body_len\":0,\"response_content_type\":\"application/json\",\"tunnel\":{\"type\":\"vxlan\",\"id\":42}"
expect curl_vxlan42 \
  "{$VX,\"trans_depth\":1,\"uri\":\"/api/users.json\",\"response_body_len\":$(size "$WWW/api/users.json")}" \
  "{$VX,\"trans_depth\":2,\"uri\":\"/api/health.json\",\"response_body_len\":$(size "$WWW/api/health.json")}"
fi

# 11. VXLAN (VNI 4242) with a 1500-byte overlay MTU over the 1500-byte veth: full-size inner
#     frames (1514 + 50 bytes of encapsulation) leave as two IPv4 fragments, all of them (the
#     overlay route's MTU is locked). A GET of a ~20 KB JSON
#     file (server → client fragments) and an 8000-byte POST echoed back (client → server too).
if want curl_vxlan_fragmented; then
head -c 8000 /dev/zero | tr '\0' 'f' >"$TMP/frag_body.bin"
start_capture curl_vxlan_fragmented "udp port 4789 or (ip[6:2] & 0x1fff != 0)"
in_c "${CURL[@]}" --resolve "api.mirador.test:80:$OVF_S" --local-port 41101 "$U/files/big.json"
in_c "${CURL[@]}" --resolve "api.mirador.test:80:$OVF_S" --local-port 41102 \
  -H "Content-Type: text/plain" --data-binary "@$TMP/frag_body.bin" "$U/api/echo"
stop_capture curl_vxlan_fragmented
# Fragments in both directions, and no frame larger than the veth allows.
tshark_count "$OUT/curl_vxlan_fragmented.pcap" \
  "ip.src == $IP_S && ip.flags.mf == 1 && ip.frag_offset == 0" 5
tshark_count "$OUT/curl_vxlan_fragmented.pcap" \
  "ip.src == $IP_C && ip.flags.mf == 1 && ip.frag_offset == 0" 2
tshark_count "$OUT/curl_vxlan_fragmented.pcap" "ip.frag_offset > 0" 7
tshark_count "$OUT/curl_vxlan_fragmented.pcap" "frame.len > 1514" 0 0
VF="\"dst_ip\":\"$OVF_S\",\"dst_port\":80,\"src_ip\":\"$OVF_C\",\"host\":\"api.mirador.test\",\"version\":\"1.1\",\"user_agent\":\"mirador-test/1.0\",\"trans_depth\":1,\"status\":200,\"tunnel\":{\"type\":\"vxlan\",\"id\":4242}"
expect curl_vxlan_fragmented \
  "{$VF,\"src_port\":41101,\"method\":\"GET\",\"uri\":\"/files/big.json\",\"request_body_len\":0,\"response_body_len\":$(size "$WWW/files/big.json"),\"response_body_wire_len\":$(size "$WWW/files/big.json"),\"response_content_type\":\"application/json\"}" \
  "{$VF,\"src_port\":41102,\"method\":\"POST\",\"uri\":\"/api/echo\",\"request_body_len\":8000,\"request_body_wire_len\":8000,\"request_content_type\":\"text/plain\",\"response_body_len\":8000,\"response_content_type\":\"application/json\"}"
fi

# 12. Linux cooked captures: tcpdump -i any in the server's namespace (only the veth carries
#     traffic to the client; lo is unused, and the host filter keeps to the veth anyway).
#     `-i any` writes LINUX_SLL2 (DLT 276); `-y LINUX_SLL` asks for the older LINUX_SLL (DLT 113).
SL="\"dst_ip\":\"$IP_S\",\"dst_port\":80,\"src_ip\":\"$IP_C\",\"host\":\"api.mirador.test\",\"version\":\"1.1\",\"user_agent\":\"mirador-test/1.0\",\"trans_depth\":1,\"method\":\"GET\",\"uri\":\"/api/items.json\",\"status\":200,\"request_body_len\":0,\"response_body_len\":$(size "$WWW/api/items.json"),\"response_content_type\":\"application/json\",\"_absent\":[\"vlan\",\"tunnel\"]"
if want curl_sll2; then
start_capture curl_sll2 "tcp and host $IP_C" any
in_c "${CURL[@]}" "${RESOLVE[@]}" --local-port 41111 "$U/api/items.json"
stop_capture curl_sll2
link_type_is "$OUT/curl_sll2.pcap" "Linux cooked-mode capture v2"
expect curl_sll2 "{$SL,\"src_port\":41111}"
fi
if want curl_sll; then
start_capture curl_sll "tcp and host $IP_C" any -y LINUX_SLL
in_c "${CURL[@]}" "${RESOLVE[@]}" --local-port 41112 "$U/api/items.json"
stop_capture curl_sll
link_type_is "$OUT/curl_sll.pcap" "Linux cooked-mode capture v1"
expect curl_sll "{$SL,\"src_port\":41112}"
fi

# 13. IPv6: the same kind of exchange between 2001:2::1 and 2001:2::2 (nginx on [::]:80), a GET
#     and a POST on one keep-alive connection.
if want curl_ipv6; then
start_capture curl_ipv6 "ip6 and tcp"
# --next: the POST body is for the second URL only (options reset, the connection is kept).
in_c "${CURL[@]}" --resolve "api.mirador.test:80:[$IP6_S]" --local-port 41121 "$U/api/users.json" \
  --next "${CURL[@]:1}" --resolve "api.mirador.test:80:[$IP6_S]" --local-port 41121 \
  -H "Content-Type: application/json" --data-binary "$POST_BODY" "$U/api/echo"
stop_capture curl_ipv6
tshark_count "$OUT/curl_ipv6.pcap" "ipv6.src == $IP6_C && tcp" 5
V6="\"dst_ip\":\"$IP6_S\",\"dst_port\":80,\"src_ip\":\"$IP6_C\",\"src_port\":41121,\"host\":\"api.mirador.test\",\"version\":\"1.1\",\"user_agent\":\"mirador-test/1.0\",\"status\":200,\"response_content_type\":\"application/json\""
expect curl_ipv6 \
  "{$V6,\"trans_depth\":1,\"method\":\"GET\",\"uri\":\"/api/users.json\",\"request_body_len\":0,\"response_body_len\":$(size "$WWW/api/users.json")}" \
  "{$V6,\"trans_depth\":2,\"method\":\"POST\",\"uri\":\"/api/echo\",\"request_body_len\":${#POST_BODY},\"request_content_type\":\"application/json\",\"response_body_len\":${#POST_BODY}}"
fi

# --- cross-check with tshark --------------------------------------------------------------------
# Every expected (method, uri, status) must be what tshark's HTTP dissector reads in the capture.
fail=0
for exp in "$OUT"/*.expected.jsonl; do
  name=$(basename "$exp" .expected.jsonl)
  want "$name" || continue
  cap=$(ls "$OUT/$name".pcap* 2>/dev/null | head -1)
  if ! $PY "$ROOT/tests/e2e/tshark_pairs.py" "$cap" --compare "$exp"; then
    fail=1
  fi
done
for cap in "$OUT"/*.pcap "$OUT"/*.pcapng; do
  want "$(basename "${cap%.*}")" || continue
  [[ -f $cap ]] && printf '%-40s %8s bytes\n' "$(basename "$cap")" "$(size "$cap")"
done
exit $fail
