#!/usr/bin/env bash
# HTTP/2 and gRPC test captures made by real peers (issue 6, must-show 1), recorded with tcpdump in
# network namespaces: nghttpd and nghttp (Debian nghttp2) with prior knowledge and with the h2c
# upgrade (nghttpx in front of nghttpd: nghttpd alone takes prior knowledge only; curl and
# nghttp as clients), h2load for many concurrent streams, and a gRPC client and server (python3-grpcio,
# tools/h2/grpc_peer.py). CI reads the committed captures and never runs this script; the TLS
# captures (curl, openssl, nginx with SSLKEYLOGFILE) are made by tools/make_tls_captures.sh.
#
# Two namespaces joined by a veth pair, addresses in 198.18.0.0/15 only: servers on 198.18.6.1,
# clients on 198.18.6.2. Every tool runs under `timeout`; namespaces and processes are removed on
# exit. Offloads are off: MTU-sized frames, as a mirror port sees them.
#
# Usage (root): tools/make_h2_captures.sh [--out DIR] [--keep]
# Writes OUT/NAME.pcap and OUT/make.log (tool versions and what each client printed).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/tests/data/h2
KEEP=0
while (($#)); do
  case $1 in
    --out) OUT=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "make_h2_captures: unknown option $1" >&2; exit 2 ;;
  esac
done
if [[ $EUID -ne 0 ]]; then
  echo "make_h2_captures: needs root (network namespaces)" >&2
  exit 1
fi
for tool in ip tcpdump nghttpd nghttpx nghttp h2load curl timeout; do
  command -v "$tool" >/dev/null || { echo "make_h2_captures: missing $tool (tools/setup.sh)" >&2; exit 1; }
done
PY=/usr/bin/python3 # Debian's, with python3-grpcio
"$PY" -c 'import grpc' 2>/dev/null || { echo "make_h2_captures: missing python3-grpcio" >&2; exit 1; }

OUT=$(realpath -m "$OUT")
mkdir -p "$OUT"
TAG=$$
NS_S=mh2-srv-$TAG
NS_C=mh2-cli-$TAG
V_S=mhs$TAG
V_C=mhc$TAG
IP_S=198.18.6.1
IP_C=198.18.6.2
WORK=$(mktemp -d)
LOG=$OUT/make.log
: >"$LOG"
# shellcheck source=tools/netns_lab.sh
source "$ROOT/tools/netns_lab.sh"
lab_up

log "versions: $(nghttp --version | head -1); $(h2load --version | head -1);" \
  "grpcio $("$PY" -c 'import grpc; print(grpc.__version__)'); $(tcpdump --version 2>&1 | head -1)"

# The document root nghttpd serves: an API-like tree with personal data in the JSON.
DOCS=$WORK/docs
mkdir -p "$DOCS/api/users" "$DOCS/static"
cat >"$DOCS/api/users/1" <<'JSON'
{"id":1,"name":"Li Wei","email":"li.wei@example.com","idCard":"11010519491231002X","phone":"13812345678"}
JSON
cat >"$DOCS/api/users/2" <<'JSON'
{"id":2,"name":"Ana Souza","email":"ana.souza@example.org","phone":"13987654321"}
JSON
echo '{"status":"ok"}' >"$DOCS/api/health"
head -c 20000 /dev/zero | tr '\0' 'a' >"$DOCS/static/app.js"
echo '{"note":"created"}' >"$DOCS/api/orders"

nghttpd_start() { # PORT
  in_s timeout 120 nghttpd --no-tls -d "$DOCS" "$1" >"$WORK/nghttpd.log" 2>&1 &
  API_PID=$!
  for ((i = 0; i < 50; i++)); do
    in_c timeout 1 bash -c "echo >/dev/tcp/$IP_S/$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "make_h2_captures: nghttpd did not start" >&2
  cat "$WORK/nghttpd.log" >&2
  exit 1
}

capture() { # NAME PORT -- client command...
  local name=$1
  PORT=$2
  shift 3
  lab_tcpdump_start "$name" "$WORK/$name.pcap"
  log "$name: $*"
  in_c timeout 60 "$@" >>"$LOG" 2>&1 || log "$name: client exited with $?"
  lab_tcpdump_stop
  cp "$WORK/$name.pcap" "$OUT/$name.pcap"
  log "$name: $(stat -c %s "$OUT/$name.pcap") bytes"
}

nghttpd_start 8080
B=http://$IP_S:8080
# Prior knowledge: one connection with concurrent GET streams, then one POSTing a JSON body.
echo '{"sku":"A-1","qty":2,"email":"buyer@example.com"}' >"$WORK/order.json"
capture h2_prior_knowledge 8080 -- bash -c "nghttp -n -s -H 'authorization: Bearer demo-token-1' \
  $B/api/users/1 $B/api/users/2 $B/static/app.js $B/api/missing &&
  nghttp -n -s -d $WORK/order.json $B/api/orders"
# h2c: the first request is HTTP/1.1 with Upgrade: h2c, answered 101, then HTTP/2 (nghttpx, a
# real h2c front end, proxying to nghttpd over h2).
in_s timeout 120 nghttpx --frontend="$IP_S,8081;no-tls" --backend='127.0.0.1,8080;;proto=h2' \
  --workers=1 --no-ocsp --errorlog-file="$WORK/nghttpx.err" --accesslog-file=/dev/null \
  >"$WORK/nghttpx.log" 2>&1 &
PROXY_PID=$!
for ((i = 0; i < 50; i++)); do
  in_c timeout 1 bash -c "echo >/dev/tcp/$IP_S/8081" 2>/dev/null && break
  sleep 0.1
done
capture h2c_upgrade 8081 -- bash -c "nghttp -n -s -u http://$IP_S:8081/api/users/1 \
  http://$IP_S:8081/api/health && curl -s --http2 -o /dev/null -w 'curl %{http_version} %{http_code}\n' \
  http://$IP_S:8081/api/users/2"
lab_stop "$PROXY_PID" TERM 30
# Many streams: 2 connections, 10 concurrent streams each, 120 requests.
capture h2load_streams 8080 -- h2load -n 120 -c 2 -m 10 "$B/api/users/2"
lab_api_stop

# gRPC: unary, server streaming, gzip-compressed messages, an error status.
"$PY" -c 'import grpc' # fail early, before the server
in_s timeout 120 "$PY" "$ROOT/tools/h2/grpc_peer.py" server "$IP_S:50051" >"$WORK/grpc.log" 2>&1 &
API_PID=$!
for ((i = 0; i < 50; i++)); do
  grep -q serving "$WORK/grpc.log" && break
  sleep 0.1
done
capture grpc_customers 50051 -- "$PY" "$ROOT/tools/h2/grpc_peer.py" client "$IP_S:50051"
lab_api_stop
log "done"
