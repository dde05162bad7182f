#!/usr/bin/env bash
# TLS test captures (issue 6): small real TLS connections recorded with tcpdump, with the key logs
# the clients wrote (SSLKEYLOGFILE / -keylogfile), for tests/decoders/tls. nginx serves TLS on
# several ports (one per server configuration); curl (or openssl s_client) makes one connection
# per capture. The committed captures are what the tests read; CI never runs this script.
#
# Two network namespaces joined by a veth pair, addresses in 198.18.0.0/15 only: nginx on
# 198.18.97.1 (mtc-srv-PID), the clients on 198.18.97.2 (mtc-cli-PID). Every client runs under
# `timeout`; namespaces and processes are removed on exit.
#
# Usage (root): tools/make_tls_captures.sh [--out DIR] [--only a,b,...] [--keep]
# Writes OUT/NAME.pcap and OUT/NAME.keys per capture, OUT/certs/ (the PEM certificates served)
# OUT/make.log (tool versions) and OUT/tshark_ja3.tsv (tshark's JA3/JA3S of every hello: what the
# tests compare with).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/tests/data/tls
ONLY=
KEEP=0
while (($#)); do
  case $1 in
    --out) OUT=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "make_tls_captures: unknown option $1" >&2; exit 2 ;;
  esac
done
ALL=(tls13_aes128gcm tls13_chacha20 tls12_ecdhe_rsa_aes256gcm tls12_ecdhe_chacha20 tls10_cbc
     tls13_expired_selfsigned tls13_h2 tls13_hrr tls13_keyupdate tls13_early_data)

if [[ $EUID -ne 0 ]]; then
  echo "make_tls_captures: needs root (network namespaces)" >&2
  exit 1
fi
for tool in ip tcpdump nginx curl openssl tshark timeout; do
  command -v "$tool" >/dev/null || { echo "make_tls_captures: missing $tool (tools/setup.sh)" >&2; exit 1; }
done

OUT=$(realpath -m "$OUT")
mkdir -p "$OUT/certs"
TAG=$$
NS_S=mtc-srv-$TAG
NS_C=mtc-cli-$TAG
V_S=mts$TAG
V_C=mtc$TAG
IP_S=198.18.97.1
IP_C=198.18.97.2
HOST=api.mirador.test
WORK=$(mktemp -d /tmp/mirador_tls.XXXXXX)
API_PID=
TCPDUMP_PID=
LOG=$OUT/make.log
[[ -n $ONLY ]] || : >"$LOG" # a partial run appends
source "$ROOT/tools/netns_lab.sh"

# --- certificates: a CA and its leaf (RSA 2048, valid), and an expired self-signed one ----------
C=$WORK/certs
mkdir -p "$C"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$C/ca.key" -out "$C/ca.pem" -days 3650 \
  -subj "/O=Mirador Test/CN=Mirador Test CA" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$C/leaf.key" -out "$C/leaf.csr" \
  -subj "/O=Mirador Test/CN=$HOST" 2>/dev/null
printf 'subjectAltName=DNS:%s,DNS:www.mirador.test\n' "$HOST" >"$C/leaf.ext"
openssl x509 -req -in "$C/leaf.csr" -CA "$C/ca.pem" -CAkey "$C/ca.key" -CAcreateserial \
  -days 825 -sha256 -extfile "$C/leaf.ext" -out "$C/leaf.pem" 2>/dev/null
cat "$C/leaf.pem" "$C/ca.pem" >"$C/chain.pem"
# Expired: `openssl ca` takes explicit start and end dates (req -x509 cannot back-date in 3.0).
mkdir -p "$C/db"
: >"$C/db/index.txt"
echo 01 >"$C/db/serial"
cat >"$C/ca.cnf" <<EOF
[ca]
default_ca = old
[old]
database = $C/db/index.txt
serial = $C/db/serial
new_certs_dir = $C/db
default_md = sha256
policy = any
copy_extensions = copy
[any]
commonName = supplied
organizationName = optional
EOF
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$C/old.key" \
  -out "$C/old.csr" -subj "/O=Mirador Old/CN=old.mirador.test" 2>/dev/null
openssl ca -batch -config "$C/ca.cnf" -selfsign -keyfile "$C/old.key" -in "$C/old.csr" \
  -startdate 20200101000000Z -enddate 20210101000000Z -out "$C/old.pem" >/dev/null 2>&1
if [[ -z $ONLY ]]; then # a partial run keeps the certificates of the committed captures
  cp "$C/chain.pem" "$OUT/certs/chain.pem"
  cp "$C/old.pem" "$OUT/certs/expired_selfsigned.pem"
fi

# --- nginx: one server block per port --------------------------------------------------------------
cat >"$WORK/nginx.conf" <<EOF
pid $WORK/nginx.pid;
error_log $WORK/nginx.err info;
worker_processes 1;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $WORK/body; proxy_temp_path $WORK/proxy; fastcgi_temp_path $WORK/fcgi;
  uwsgi_temp_path $WORK/uwsgi; scgi_temp_path $WORK/scgi;
  ssl_certificate $C/chain.pem; ssl_certificate_key $C/leaf.key;
  ssl_session_tickets off;
  default_type text/plain;
  # Modern: TLS 1.2 and 1.3, HTTP/2 offered by ALPN.
  server { listen $IP_S:443 ssl http2; ssl_protocols TLSv1.2 TLSv1.3;
           ssl_ciphers ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256;
           location / { return 200 "ok\n"; } }
  # Legacy: TLS 1.0 with CBC suites (security level 0).
  server { listen $IP_S:4430 ssl; ssl_protocols TLSv1; ssl_ciphers 'DEFAULT:@SECLEVEL=0';
           location / { return 200 "ok\n"; } }
  # Expired self-signed EC certificate.
  server { listen $IP_S:8443 ssl; ssl_protocols TLSv1.3;
           ssl_certificate $C/old.pem; ssl_certificate_key $C/old.key;
           location / { return 200 "ok\n"; } }
  # Only P-256: a client whose first key share is X25519 gets a HelloRetryRequest.
  server { listen $IP_S:4431 ssl; ssl_protocols TLSv1.3; ssl_ecdh_curve prime256v1;
           location / { return 200 "ok\n"; } }
}
EOF

lab_up
for ns in "$NS_C" "$NS_S"; do
  ip netns exec "$ns" sysctl -q -w net.ipv4.tcp_timestamps=0 # 12 bytes less per packet
done
ip netns exec "$NS_S" nginx -c "$WORK/nginx.conf" -g 'daemon off;' >"$WORK/nginx.log" 2>&1 &
API_PID=$!
for ((i = 0; i < 50; i++)); do # bounded: 5 s for nginx to listen
  in_c timeout 1 bash -c "echo >/dev/tcp/$IP_S/443" 2>/dev/null && break
  sleep 0.1
done

CURL=(curl -sS -k --max-time 10 --resolve "$HOST:443:$IP_S" --resolve "$HOST:4430:$IP_S"
      --resolve "$HOST:8443:$IP_S" --resolve "$HOST:4431:$IP_S" -o /dev/null -w '%{http_version} %{response_code}')
curl_keys() { # NAME ARGS...: curl in the client namespace, its key log into OUT/NAME.keys
  local r
  r=$(in_c env SSLKEYLOGFILE="$OUT/$1.keys" timeout -k 2 15 "${CURL[@]}" "${@:2}") || true
  log "$1: curl ${*:2} -> HTTP $r"
}
run_tls13_aes128gcm() { curl_keys "$1" --http1.1 --tlsv1.3 --tls13-ciphers TLS_AES_128_GCM_SHA256 "https://$HOST/"; }
run_tls13_chacha20() { curl_keys "$1" --http1.1 --tlsv1.3 --tls13-ciphers TLS_CHACHA20_POLY1305_SHA256 "https://$HOST/"; }
run_tls12_ecdhe_rsa_aes256gcm() { curl_keys "$1" --http1.1 --tlsv1.2 --tls-max 1.2 --ciphers ECDHE-RSA-AES256-GCM-SHA384 "https://$HOST/"; }
run_tls12_ecdhe_chacha20() { curl_keys "$1" --http1.1 --tlsv1.2 --tls-max 1.2 --ciphers ECDHE-RSA-CHACHA20-POLY1305 "https://$HOST/"; }
run_tls10_cbc() { # openssl s_client: a hand-written GET over TLS 1.0, AES128-SHA (CBC)
  printf 'GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$HOST" |
    in_c timeout -k 2 15 openssl s_client -quiet -connect "$IP_S:4430" -servername "$HOST" -tls1 \
      -cipher 'AES128-SHA:@SECLEVEL=0' -keylogfile "$OUT/$1.keys" >"$WORK/$1.out" 2>&1 || true
  log "$1: openssl s_client -tls1 AES128-SHA -> $(head -1 "$WORK/$1.out" | tr -d '\r')"
}
run_tls13_expired_selfsigned() { curl_keys "$1" --http1.1 "https://$HOST:8443/"; }
run_tls13_h2() { curl_keys "$1" --http2 "https://$HOST/"; }
run_tls13_keyupdate() { # openssl s_client: 'K' = KeyUpdate with update_requested (both sides)
  in_s timeout -k 2 20 openssl s_server -accept "$IP_S:4433" -cert "$C/chain.pem" -key "$C/leaf.key" \
    -tls1_3 -www -naccept 1 -quiet >"$WORK/s_server_ku.log" 2>&1 &
  local srv=$!
  sleep 0.5
  { printf 'K\n'; sleep 0.5; printf 'GET / HTTP/1.0\n\n'; sleep 1; } |
    in_c timeout -k 2 15 openssl s_client -connect "$IP_S:4433" -servername "$HOST" -crlf \
      -keylogfile "$OUT/$1.keys" >"$WORK/$1.out" 2>&1 || true
  lab_stop "$srv" TERM 10
  log "$1: openssl s_client K then GET -> $(grep -c 'KEYUPDATE' "$WORK/$1.out") KEYUPDATE," \
    "$(grep -m1 'HTTP/1.0' "$WORK/$1.out" | tr -d '\r')"
}
run_tls13_early_data() { # openssl s_client: a first connection (not captured) for a ticket, then 0-RTT
  # (-early_data excludes -www: the server prints what it receives and answers nothing)
  sleep 25 | in_s timeout -k 2 30 openssl s_server -accept "$IP_S:4434" -cert "$C/chain.pem" \
    -key "$C/leaf.key" -tls1_3 -early_data -naccept 2 >"$WORK/s_server_ed.log" 2>&1 &
  local srv=$!
  sleep 0.5
  { printf 'GET / HTTP/1.0\n\n'; sleep 1; } |
    in_c timeout -k 2 15 openssl s_client -connect "$IP_S:4434" -servername "$HOST" -crlf \
      -sess_out "$WORK/sess.pem" >"$WORK/$1.first.out" 2>&1 || true
  lab_tcpdump_start "$1" "$OUT/$1.pcap"
  printf 'GET /early HTTP/1.0\r\n\r\n' >"$WORK/early.txt"
  { sleep 1; printf 'GET /late HTTP/1.0\r\n\r\n'; sleep 1; } |
    in_c timeout -k 2 15 openssl s_client -connect "$IP_S:4434" -servername "$HOST" \
      -sess_in "$WORK/sess.pem" -early_data "$WORK/early.txt" -keylogfile "$OUT/$1.keys" \
      >"$WORK/$1.out" 2>&1 || true
  lab_stop "$srv" TERM 10
  log "$1: openssl s_client -early_data -> $(grep -E -m2 'Early data|Reused' "$WORK/$1.out" | tr '\n' ' ');" \
    "server got: $(grep -a -E 'GET /' "$WORK/s_server_ed.log" | tr -d '\r' | tr '\n' ' ')"
}
run_tls13_hrr() { curl_keys "$1" --http1.1 --curves X25519:P-256 "https://$HOST:4431/"; }

port_of() {
  case $1 in
    tls10_cbc) echo 4430 ;; tls13_expired_selfsigned) echo 8443 ;; tls13_hrr) echo 4431 ;;
    tls13_keyupdate) echo 4433 ;; tls13_early_data) echo 4434 ;; *) echo 443 ;;
  esac
}

log "tools: $(nginx -v 2>&1); $(curl --version | head -1); $(openssl version);" \
  "tcpdump $(tcpdump --version 2>&1 | head -1 | awk '{print $3}'); $(tshark -v | head -1)"
for name in "${ALL[@]}"; do
  if [[ -n $ONLY && ",$ONLY," != *",$name,"* ]]; then continue; fi
  PORT=$(port_of "$name")
  rm -f "$OUT/$name.pcap" "$OUT/$name.keys"
  # (the early-data run starts tcpdump itself, after its first connection)
  [[ $name == tls13_early_data ]] || lab_tcpdump_start "$name" "$OUT/$name.pcap"
  "run_$name" "$name"
  lab_tcpdump_stop
  log "$name.pcap: $(stat -c %s "$OUT/$name.pcap") bytes; tshark ja3:" \
    "$(tshark -r "$OUT/$name.pcap" -d "tcp.port==$PORT,tls" -Y 'tls.handshake.type==1' \
       -T fields -e tls.handshake.ja3 2>/dev/null | tr '\n' ' ')"
done

# tshark's fingerprints of every ClientHello and ServerHello: capture, handshake type, the JA3 (or
# JA3S) string and its MD5.
for f in "$OUT"/*.pcap; do
  name=$(basename "$f" .pcap)
  tshark -r "$f" -d "tcp.port==$(port_of "$name"),tls" -Y 'tls.handshake.type==1 || tls.handshake.type==2' \
    -T fields -e tls.handshake.type -e tls.handshake.ja3_full -e tls.handshake.ja3 \
    -e tls.handshake.ja3s_full -e tls.handshake.ja3s 2>/dev/null |
    awk -F'\t' -v n="$name" '{ split($1, t, ","); if (t[1] == 1) print n "\t1\t" $2 "\t" $3; else print n "\t2\t" $4 "\t" $5 }'
done >"$OUT/tshark_ja3.tsv"
