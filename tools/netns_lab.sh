# Sourced by the capture-making harnesses (detection_quality.sh, make_scenario_captures.sh) and
# the live tests (live_faults.sh, privdrop_live.sh): two network namespaces joined by a veth
# pair, addresses in 198.18.0.0/15 only, cleaned up on exit.
#
# The caller sets NS_S NS_C (namespace names), V_S V_C (veth ends), IP_S IP_C (addresses, /24),
# OUT, KEEP (1: keep the work dir as OUT/work), WORK (scratch dir), LOG, and may set EXTRA_IPS
# (more client addresses) and API_PID / TCPDUMP_PID (stopped on exit). Then it calls lab_up.

API_PID=${API_PID:-}
TCPDUMP_PID=${TCPDUMP_PID:-}

lab_cleanup() {
  set +e
  [[ -n $TCPDUMP_PID ]] && kill -TERM "$TCPDUMP_PID" 2>/dev/null
  [[ -n $API_PID ]] && kill -TERM "$API_PID" 2>/dev/null
  sleep 0.3
  [[ -n $API_PID ]] && kill -KILL "$API_PID" 2>/dev/null
  ip netns del "$NS_C" 2>/dev/null
  ip netns del "$NS_S" 2>/dev/null # takes the veth pair with it
  if ((KEEP)); then
    rm -rf "$OUT/work"
    mv "$WORK" "$OUT/work"
  else
    rm -rf "$WORK"
  fi
}

log() { echo "[$(date +%H:%M:%S)] $*" | tee -a "$LOG"; }
in_s() { ip netns exec "$NS_S" "$@"; }
in_c() { ip netns exec "$NS_C" "$@"; }

# Namespaces, veth, addresses, loopback; no offloads (a mirror port sees MTU-sized frames with
# real checksums). Installs the exit traps.
lab_up() {
  trap lab_cleanup EXIT
  trap 'exit 130' INT TERM # through the EXIT trap: cleaned up once
  ip netns add "$NS_S"
  ip netns add "$NS_C"
  ip link add "$V_C" type veth peer name "$V_S"
  ip link set "$V_C" netns "$NS_C"
  ip link set "$V_S" netns "$NS_S"
  ip -n "$NS_C" addr add "$IP_C/24" dev "$V_C"
  local a
  for a in ${EXTRA_IPS[@]+"${EXTRA_IPS[@]}"}; do ip -n "$NS_C" addr add "$a/24" dev "$V_C"; done
  ip -n "$NS_S" addr add "$IP_S/24" dev "$V_S"
  for ns in "$NS_C" "$NS_S"; do ip -n "$ns" link set lo up; done
  ip -n "$NS_C" link set "$V_C" up
  ip -n "$NS_S" link set "$V_S" up
  if command -v ethtool >/dev/null; then
    in_c ethtool -K "$V_C" tx off tso off gso off gro off >/dev/null 2>&1 || true
    in_s ethtool -K "$V_S" tx off tso off gso off gro off >/dev/null 2>&1 || true
  fi
}

# Waits (bounded: 10 s) until the API started as $API_PID answers $BASE/health from the client
# namespace; else prints its log ($WORK/api.log) and exits.
lab_wait_api() { # PYTHON
  for ((i = 0; i < 100; i++)); do
    in_c "$1" -c "import urllib.request; urllib.request.urlopen('$BASE/health', timeout=1)" \
      2>/dev/null && return 0
    kill -0 "$API_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "$(basename "$0"): the API did not answer within 10 s" >&2
  cat "$WORK/api.log" >&2
  exit 1
}

# Waits (bounded: 60 s, rules compile slowly under ASan) until the sensor PID says "capturing on"
# in STDERR_FILE; else prints that file and returns 1.
lab_wait_capturing() { # PID STDERR_FILE
  for ((i = 0; i < 600; i++)); do
    grep -q "capturing on" "$2" 2>/dev/null && return 0
    kill -0 "$1" 2>/dev/null || break
    sleep 0.1
  done
  cat "$2" >&2
  return 1
}

# Stops PID with SIGNAL, waits up to TENTHS tenths of a second, then kills it.
lab_stop() { # PID SIGNAL TENTHS
  kill "-$2" "$1" 2>/dev/null || true
  for ((i = 0; i < $3; i++)); do
    kill -0 "$1" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
lab_api_stop() { lab_stop "$API_PID" TERM 30; API_PID=; }

# tcpdump on the server's veth end into FILE (log in $WORK/tcpdump_NAME.log), once listening.
lab_tcpdump_start() { # NAME FILE
  ip netns exec "$NS_S" tcpdump -i "$V_S" -s 0 -U -n -w "$2" "tcp port $PORT" \
    2>"$WORK/tcpdump_$1.log" &
  TCPDUMP_PID=$!
  for ((i = 0; i < 50; i++)); do # bounded: 5 s for tcpdump to open the interface
    grep -q "listening on" "$WORK/tcpdump_$1.log" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "$(basename "$0"): tcpdump did not start" >&2
  cat "$WORK/tcpdump_$1.log" >&2
  exit 1
}
lab_tcpdump_stop() {
  sleep 1 # the last FIN/ACKs
  lab_stop "$TCPDUMP_PID" INT 50
  TCPDUMP_PID=
}
