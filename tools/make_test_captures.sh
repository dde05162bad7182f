#!/usr/bin/env bash
# Makes the small real-traffic captures in tests/data/ and the transactions each must yield.
#
# Two network namespaces joined by a veth pair, addresses in 198.18.0.0/15 only; nginx-light and
# python3's http.server answer curl (and one raw-socket pipelining client) while tcpdump records
# on the server's veth end. The expected records (<name>.expected.jsonl) are written from what the
# tools were asked to send, then cross-checked against tshark's HTTP dissector.
#
# Usage (root): tools/make_test_captures.sh [OUT_DIR]      (default: tests/data)
set -euo pipefail

if [[ $EUID -ne 0 ]]; then
  echo "make_test_captures: needs root (network namespaces)" >&2
  exit 1
fi
for tool in ip tcpdump curl nginx tshark editcap ethtool; do
  command -v "$tool" >/dev/null || { echo "make_test_captures: missing $tool" >&2; exit 1; }
done
PY=/usr/bin/python3 # the system interpreter: its version is part of http.server's Server header

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$(realpath -m "${1:-$ROOT/tests/data}")
mkdir -p "$OUT"

# Unique names so two runs (or other engineers' experiments) never collide.
TAG=$$
NS_C=mcap_cli_$TAG
NS_S=mcap_srv_$TAG
V_C=mcc$TAG
V_S=mcs$TAG
IP_C=198.18.10.1
IP_S=198.18.10.2
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

wait_port() { # bounded: at most 50 x 0.1 s
  local port=$1 i
  for ((i = 0; i < 50; i++)); do
    in_c $PY -c "import socket,sys; socket.create_connection(('$IP_S', $port), 0.2).close()" \
      2>/dev/null && return 0
    sleep 0.1
  done
  echo "make_test_captures: server on port $port did not start" >&2
  exit 1
}
wait_port 80
wait_port 8000
wait_port 8081

# --- capture helpers ----------------------------------------------------------------------------
start_capture() { # NAME FILTER
  local name=$1 filter=$2 i
  rm -f "$OUT/$name.pcap"
  ip netns exec "$NS_S" tcpdump -i "$V_S" -s 0 -U --immediate-mode -n -w "$TMP/$name.pcap" "$filter" \
    >/dev/null 2>"$TMP/tcpdump.log" &
  TCPDUMP_PID=$!
  for ((i = 0; i < 50; i++)); do # bounded wait for "listening on"
    grep -q "listening on" "$TMP/tcpdump.log" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "make_test_captures: tcpdump did not start" >&2
  exit 1
}
stop_capture() { # NAME [EXT]
  local name=$1 ext=${2:-pcap}
  sleep 0.5 # let the FIN/ACKs land
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

# 2. A POST with a JSON body, echoed back by nginx in a chunked answer.
POST_BODY='{"name":"widget","qty":3,"tags":["blue","small"],"note":"posted by curl"}'
start_capture curl_post_json_chunked tcp
in_c "${CURL[@]}" "${RESOLVE[@]}" --local-port 41011 -H "Content-Type: application/json" \
  --data-binary "$POST_BODY" "$U/api/echo"
stop_capture curl_post_json_chunked
expect curl_post_json_chunked \
  "{$NGX,\"src_port\":41011,\"trans_depth\":1,\"method\":\"POST\",\"uri\":\"/api/echo\",\"status\":200,\"status_msg\":\"OK\",\"request_body_len\":${#POST_BODY},\"request_body_wire_len\":${#POST_BODY},\"request_content_type\":\"application/json\",\"response_body_len\":${#POST_BODY},\"response_content_type\":\"application/json\"}"

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

# 4. gzip + chunked: the body length after de-chunking and gunzip is the file's size.
start_capture curl_gzip_chunked tcp
in_c "${CURL[@]}" "${RESOLVE[@]}" --local-port 41031 --compressed "$U/gz/catalog.json"
stop_capture curl_gzip_chunked
expect curl_gzip_chunked \
  "{$NGX,\"src_port\":41031,\"trans_depth\":1,\"method\":\"GET\",\"uri\":\"/gz/catalog.json\",\"status\":200,\"request_body_len\":0,\"response_body_len\":$(size "$WWW/gz/catalog.json"),\"response_content_type\":\"application/json\",\"response_content_encoding\":\"gzip\"}"

# 5. Expect: 100-continue with a 64 KiB upload: info_codes [100], then 200.
head -c 65536 /dev/zero | tr '\0' 'a' >"$TMP/upload.bin"
start_capture curl_expect_100 tcp
in_c "${CURL[@]}" "${RESOLVE[@]}" --local-port 41041 -H "Expect: 100-continue" \
  -H "Content-Type: application/octet-stream" --data-binary "@$TMP/upload.bin" "$U/api/upload"
stop_capture curl_expect_100
expect curl_expect_100 \
  "{$NGX,\"src_port\":41041,\"trans_depth\":1,\"method\":\"POST\",\"uri\":\"/api/upload\",\"status\":200,\"info_codes\":[100],\"request_body_len\":65536,\"request_content_type\":\"application/octet-stream\",\"response_body_len\":16,\"response_content_type\":\"application/json\"}"

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

# 7. A close-delimited answer: HTTP/1.0, no Content-Length, the server's FIN ends the body.
start_capture python_close_delimited tcp
in_c "${CURL[@]}" --http1.0 --local-port 41061 "http://$IP_S:8081/stream"
stop_capture python_close_delimited
expect python_close_delimited \
  "{\"dst_ip\":\"$IP_S\",\"dst_port\":8081,\"src_ip\":\"$IP_C\",\"src_port\":41061,\"host\":\"$IP_S:8081\",\"version\":\"1.0\",\"user_agent\":\"mirador-test/1.0\",\"trans_depth\":1,\"method\":\"GET\",\"uri\":\"/stream\",\"status\":200,\"request_body_len\":0,\"response_body_len\":$STREAM_LEN,\"response_body_wire_len\":$STREAM_LEN,\"response_content_type\":\"application/json\"}"

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

# --- cross-check with tshark --------------------------------------------------------------------
# Every expected (method, uri, status) must be what tshark's HTTP dissector reads in the capture.
fail=0
for exp in "$OUT"/*.expected.jsonl; do
  name=$(basename "$exp" .expected.jsonl)
  cap=$(ls "$OUT/$name".pcap* 2>/dev/null | head -1)
  if ! $PY "$ROOT/tests/e2e/tshark_pairs.py" "$cap" --compare "$exp"; then
    fail=1
  fi
done
for cap in "$OUT"/*.pcap "$OUT"/*.pcapng; do
  [[ -f $cap ]] && printf '%-40s %8s bytes\n' "$(basename "$cap")" "$(size "$cap")"
done
exit $fail
