#!/usr/bin/env bash
# Least privilege (issue 8), live: `mirador --user nobody` with the seccomp allowlist on, on a
# veth end in a network namespace. While it runs, /proc/<pid>/task/*/status of every thread must
# show the dropped state (uids and gids nobody's, no supplementary group, no capability in any
# set, an empty bounding set, no_new_privs, a seccomp filter); the traffic must still yield its
# http events, also after the interface went down and came back (the capture needs no
# capability to survive that); the output file is nobody's; a SIGHUP reload works as nobody
# under the filter and is refused for a rule file others can write. Then the refusals at
# start-up: a config or a rule file others can write, an output nobody cannot write, --user
# without the right.
#
# Addresses in 198.18.0.0/15 only; every wait bounded; everything removed on exit.
# Usage (root): privdrop_live.sh MIRADOR        exit 77 (skipped) without root or `ip netns`.
set -euo pipefail

MIRADOR=${1:?usage: privdrop_live.sh MIRADOR}
HERE=$(cd "$(dirname "$0")" && pwd)
DATA=${MIRADOR_TEST_DATA:-$HERE/../data}
DURATION=60 # the sensor's own stop, in case SIGINT is not honoured
# LeakSanitizer stops the threads at exit through a ptrace()ing child, which the seccomp
# allowlist and the dropped (undumpable) process forbid: no leak check in a sanitizer build here.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"

skip() { echo "privdrop_live: SKIP: $*"; exit 77; }
fail() { echo "privdrop_live: FAIL: $*" >&2; exit 1; }
[[ $EUID -eq 0 ]] || skip "needs root"
ip netns list >/dev/null 2>&1 || skip "ip netns unavailable"
for tool in nginx curl python3 setpriv; do
  command -v $tool >/dev/null || skip "$tool not installed"
done
id nobody >/dev/null 2>&1 || skip "no user nobody"
[[ -x $MIRADOR ]] || fail "$MIRADOR is not an executable"
NOBODY_UID=$(id -u nobody)
NOBODY_GID=$(id -g nobody)

TAG=$$
NS_C=mpriv_cli_$TAG NS_S=mpriv_srv_$TAG V_C=mpc$TAG V_S=mps$TAG
IP_C=198.18.32.1 IP_S=198.18.32.2
TMP=$(mktemp -d /tmp/mirador_privdrop.XXXXXX)
chmod 0755 "$TMP" # nobody must reach its output directory below
WORK=$TMP OUT=$TMP KEEP=0 LOG=$TMP/run.log
SENSOR_PID=
# shellcheck source=tools/netns_lab.sh
source "$HERE/../../tools/netns_lab.sh"
cleanup() {
  set +e
  [[ -n $SENSOR_PID ]] && kill -KILL "$SENSOR_PID" 2>/dev/null
  [[ -f $TMP/nginx.pid ]] && kill "$(cat "$TMP/nginx.pid")" 2>/dev/null
  sleep 0.2
  lab_cleanup # the namespaces (and the veth pair with them), then $TMP
}
wait_capturing() { lab_wait_capturing "$SENSOR_PID" "$1" || fail "the sensor did not start capturing"; }

ip netns add "$NS_C" 2>/dev/null || skip "cannot create a network namespace"
ip netns del "$NS_C"
lab_up
trap cleanup EXIT

mkdir -p "$TMP/www/p" "$TMP/logs"
for n in 1 2 3 4 5 6; do printf '{"n":%d}\n' $n >"$TMP/www/p/$n.json"; done
cat >"$TMP/nginx.conf" <<NGINX
user root;
worker_processes 1;
pid $TMP/nginx.pid;
error_log $TMP/logs/error.log warn;
events { worker_connections 64; }
http {
  access_log $TMP/logs/access.log;
  client_body_temp_path $TMP/body;
  proxy_temp_path $TMP/proxy;
  fastcgi_temp_path $TMP/fastcgi;
  uwsgi_temp_path $TMP/uwsgi;
  scgi_temp_path $TMP/scgi;
  server { listen $IP_S:80; root $TMP/www; }
}
NGINX
ip netns exec "$NS_S" nginx -c "$TMP/nginx.conf" -e "$TMP/logs/error.log"

get() { # N...
  local urls=() n
  for n in "$@"; do urls+=("http://$IP_S/p/$n.json" -o /dev/null); done
  ip netns exec "$NS_C" curl -sS --max-time 10 "${urls[@]}"
}

# --- The dropped sensor, seccomp on (kill: a call outside the list ends the run, loudly). ---
mkdir "$TMP/out" "$TMP/live_rules"
chown nobody: "$TMP/out"
cp "$HERE/../../detectors/rules/"*.yaml "$TMP/live_rules/"
chmod 0644 "$TMP/live_rules/"*.yaml
ip netns exec "$NS_S" "$MIRADOR" -i "$V_S" -f "tcp port 80" --duration $DURATION --user nobody \
  --set security.seccomp=true --set security.seccomp_action=kill --set stats.interval=1 \
  --set detect.rules_dir="$TMP/live_rules" \
  -w "$TMP/out/events.jsonl" >"$TMP/sensor.stdout" 2>"$TMP/sensor.stderr" &
SENSOR_PID=$!
wait_capturing "$TMP/sensor.stderr"
grep -q "dropped to user nobody" "$TMP/sensor.stderr" || fail "no drop reported: $(cat "$TMP/sensor.stderr")"

# Every thread's credentials (the workers, the output thread and the aggregator exist by now).
python3 - "$SENSOR_PID" "$NOBODY_UID" "$NOBODY_GID" <<'PY' || fail "credentials of the running sensor"
import os, sys
pid, uid, gid = sys.argv[1], sys.argv[2], sys.argv[3]
tasks = sorted(os.listdir("/proc/%s/task" % pid))
problems = []
for tid in tasks:
    f = dict(l.split(":", 1) for l in open("/proc/%s/task/%s/status" % (pid, tid)) if ":" in l)
    f = {k: v.split() for k, v in f.items()}
    caps = "0" * 16
    want = {"Uid": [uid] * 4, "Gid": [gid] * 4, "Groups": [], "CapInh": ["0" * 16],
            "CapPrm": [caps], "CapEff": [caps], "CapBnd": ["0" * 16],
            "CapAmb": ["0" * 16], "NoNewPrivs": ["1"], "Seccomp": ["2"]}
    for k, v in want.items():
        if f.get(k) != v:
            problems.append("thread %s (%s): %s is %s, want %s" % (tid, f["Name"][0], k, f.get(k), v))
if problems:
    print("\n".join(problems))
    sys.exit(1)
print("privdrop_live: ok: %d threads: uid/gid %s/%s, no capabilities, empty bounding set, "
      "no_new_privs, seccomp filter" % (len(tasks), uid, gid))
PY

get 1 2 3
sleep 0.5
# The interface goes down and comes back: the packet socket stays bound, nothing is reopened.
ip -n "$NS_S" link set "$V_S" down
sleep 0.5
ip -n "$NS_S" link set "$V_S" up
for ((i = 0; i < 50; i++)); do # bounded: 5 s for the veth to carry traffic again
  ip netns exec "$NS_C" curl -s --max-time 1 -o /dev/null "http://$IP_S/p/none" && break
  sleep 0.1
done
# A reload (SIGHUP) as nobody under the filter: applied; then refused once a rule file became
# writable by others, the sensor running on.
wait_log() { # TEXT: bounded, 10 s
  for ((i = 0; i < 100; i++)); do
    grep -qF "$1" "$TMP/sensor.stderr" && return 0
    sleep 0.1
  done
  cat "$TMP/sensor.stderr" >&2
  fail "no '$1' from the sensor"
}
kill -HUP $SENSOR_PID
wait_log "mirador: reloaded:"
chmod 0666 "$TMP/live_rules/$(ls "$TMP/live_rules" | head -1)"
kill -HUP $SENSOR_PID
wait_log "reload refused"
grep "reload refused" "$TMP/sensor.stderr" | grep -qF "is writable by group and others (mode 0666)" ||
  fail "the refused reload does not name the mode: $(grep "reload refused" "$TMP/sensor.stderr")"
echo "privdrop_live: ok: SIGHUP reload as nobody under seccomp; refused for a rule file mode 0666"
get 4 5 6
sleep 1 # the last FIN/ACKs
kill -INT $SENSOR_PID
for ((i = 0; i < 150; i++)); do # bounded: 15 s
  kill -0 $SENSOR_PID 2>/dev/null || break
  sleep 0.1
done
kill -0 $SENSOR_PID 2>/dev/null && fail "the sensor did not exit within 15 s of SIGINT"
status=0
wait $SENSOR_PID || status=$?
SENSOR_PID=
if [[ $status -ne 0 ]]; then
  tail -20 "$TMP/sensor.stderr" >&2
  fail "the dropped sensor exited with status $status (a seccomp kill is 159 = SIGSYS)"
fi
[[ $(stat -c %u "$TMP/out/events.jsonl") == "$NOBODY_UID" ]] || fail "the output is not nobody's"
python3 - "$TMP/out/events.jsonl" <<'PY' || fail "events of the dropped sensor"
import json, sys
uris = sorted(e["http"]["uri"] for e in map(json.loads, open(sys.argv[1])) if "http" in e)
want = ["/p/%d.json" % n for n in range(1, 7)]
missing = [u for u in want if u not in uris]
if missing:
    sys.exit("missing http events: %s (got %s)" % (missing, uris))
print("privdrop_live: ok: %d http events, also after the interface went down and up" % len(uris))
PY

# --- Refusals. ---
PCAP=$DATA/curl_keepalive.pcapng
expect_refusal() { # NAME EXPECTED_TEXT ARGS...
  local name=$1 text=$2
  shift 2
  local rc=0
  "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" || rc=$?
  [[ $rc -eq 2 ]] || { cat "$TMP/$name.err" >&2; fail "$name: exit $rc, want 2"; }
  grep -qF "$text" "$TMP/$name.err" || { cat "$TMP/$name.err" >&2; fail "$name: no '$text'"; }
  echo "privdrop_live: ok: $name refused: $(head -1 "$TMP/$name.err")"
}
printf 'stats:\n  progress: false\n' >"$TMP/mirador.yaml"
chmod 0666 "$TMP/mirador.yaml"
expect_refusal config_mode "is writable by group and others (mode 0666)" \
  "$MIRADOR" -r "$PCAP" -c "$TMP/mirador.yaml" -w /dev/null
# A key in the file cannot vouch for it; the command line can.
printf 'security:\n  strict_file_modes: false\n' >>"$TMP/mirador.yaml"
expect_refusal config_self_vouch "(mode 0666)" "$MIRADOR" -r "$PCAP" -c "$TMP/mirador.yaml" \
  -w /dev/null
"$MIRADOR" -r "$PCAP" -c "$TMP/mirador.yaml" --set security.strict_file_modes=false \
  -w /dev/null 2>"$TMP/optout.err" || fail "strict_file_modes=false on the command line refused"
echo "privdrop_live: ok: --set security.strict_file_modes=false accepts it"
chmod 0644 "$TMP/mirador.yaml"

mkdir "$TMP/rules"
cp "$HERE/../../detectors/rules/"*.yaml "$TMP/rules/"
chmod 0664 "$TMP/rules/$(ls "$TMP/rules" | head -1)"
expect_refusal rules_mode "is writable by group (mode 0664)" \
  "$MIRADOR" -r "$PCAP" --set detect.rules_dir="$TMP/rules" -w /dev/null

mkdir "$TMP/rootonly"
expect_refusal output_access "output.json: directory '$TMP/rootonly' is not writable by user nobody" \
  "$MIRADOR" -r "$PCAP" --user nobody -w "$TMP/rootonly/events.jsonl"

# Started as nobody: no drop to make (works), and no right to become another user (refused).
setpriv --reuid nobody --regid nogroup --clear-groups "$MIRADOR" -r "$PCAP" -w "$TMP/out/as_nobody.jsonl" \
  --no-progress 2>"$TMP/as_nobody.err" || { cat "$TMP/as_nobody.err" >&2; fail "a sensor started as nobody"; }
grep -q '"http"' "$TMP/out/as_nobody.jsonl" || fail "a sensor started as nobody wrote no http event"
echo "privdrop_live: ok: a sensor started as nobody runs"
expect_refusal user_without_right "without CAP_SETUID and CAP_SETGID" \
  setpriv --reuid nobody --regid nogroup --clear-groups "$MIRADOR" -r "$PCAP" --user daemon -w /dev/null
echo "privdrop_live: ok"
