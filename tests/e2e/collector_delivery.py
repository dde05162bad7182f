#!/usr/bin/env python3
"""Sensor -> mirador-collector over gRPC on loopback, with the real binaries.

1. exactly_once: every event the sensor numbers arrives in the collector's JSON lines exactly
   once, byte for byte the line the sensor writes to its own JSON file.
2. collector_killed: the collector is killed (SIGKILL) mid-stream and restarted on the same port;
   the sensor spools meanwhile and replays; the collector's output still holds every event
   exactly once, and the sensor's spool is empty when it exits.
3. sensor_restart: a sensor run whose collector never comes up leaves its events in the spool; the
   next run (another capture) replays them first and numbers its own events above them; the
   collector ends with both runs' events, each once.
4. long_outage: the collector is away for a whole run longer than the spool holds
   (output.spool_max_bytes): the spool fills to its cap, the rest is dropped and counted
   (dropped_spool); the next run delivers what was kept, in sequence order, with exactly the
   dropped events missing, then its own.
5. disk_full (root: a 1 MiB tmpfs): the spool's disk fills before its cap: the refused writes are
   counted (spool_write_errors), the JSON file on the same full disk counts its write errors, the
   sensor finishes with every other output intact and exit status 0.

Usage: collector_delivery.py MIRADOR MIRADOR_COLLECTOR MIRADOR_GEN"""

import glob
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77
LISTEN_RE = re.compile(r"listening on ([0-9.]+):(\d+)")


class Collector:
    def __init__(self, exe, workdir, port=0):
        self.exe, self.workdir, self.port = exe, workdir, port
        self.proc = None
        self.stderr_path = os.path.join(workdir, "collector.stderr")

    def start(self):
        err = open(self.stderr_path, "a", encoding="utf-8")
        self.proc = subprocess.Popen(
            [self.exe, "--listen", "127.0.0.1:%d" % self.port,
             "--json", os.path.join(self.workdir, "events.jsonl"),
             "--state-dir", self.workdir, "--rotate-bytes", "2000000",
             "--stats-interval", "0"],
            stdout=subprocess.DEVNULL, stderr=err)
        deadline = time.time() + 20
        while time.time() < deadline:
            with open(self.stderr_path, encoding="utf-8", errors="replace") as f:
                found = LISTEN_RE.findall(f.read())
            if found and (self.port == 0 or int(found[-1][1]) == self.port):
                self.port = int(found[-1][1])
                return
            if self.proc.poll() is not None:
                raise RuntimeError("collector exited: " + open(self.stderr_path).read()[-2000:])
            time.sleep(0.05)
        raise RuntimeError("collector did not report its port")

    def kill(self):
        self.proc.kill()
        self.proc.wait(timeout=10)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=30)
        if rc != 0:
            raise RuntimeError("collector exit status %d" % rc)

    def lines(self):
        """Every JSON line of every file the collector wrote (rotated ones too)."""
        out = []
        current = os.path.join(self.workdir, "events.jsonl")
        rotated = sorted(glob.glob(current + ".*"))  # NAME.<UTC time>: oldest first
        for path in rotated + ([current] if os.path.exists(current) else []):
            with open(path, encoding="utf-8") as f:
                out.extend(x.rstrip("\n") for x in f if x.strip())
        return out


def sensor_cmd(sensor, capture, port, spool, jsonl, sensor_id, extra=()):
    cmd = [sensor, "-r", capture, "--no-progress", "-w", jsonl,
           "--set", "output.sensor_id=" + sensor_id,
           "--set", "output.grpc=127.0.0.1:%d" % port,
           "--set", "output.spool_dir=" + spool,
           "--set", "output.remote_backoff_max=500ms",
           "--set", "stats.interval=0"]
    for e in extra:
        cmd += ["--set", e]
    return cmd


def final_stats(stderr_text):
    """The sensor's last stats line (JSON on stderr)."""
    last = None
    for line in stderr_text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                last = json.loads(line)
            except ValueError:
                pass
    return (last or {}).get("stats", {})


def key(line):
    e = json.loads(line)
    return (e["sensor_id"], int(e["sequence"]))


def check_exactly_once(collector_lines, expected_lines, label):
    problems = []
    seen = {}
    for line in collector_lines:
        k = key(line)
        if k in seen:
            problems.append("%s: duplicate %s" % (label, k))
        seen[k] = line
    want = {key(x): x for x in expected_lines}
    missing = sorted(set(want) - set(seen))
    extra = sorted(set(seen) - set(want))
    if missing:
        problems.append("%s: %d events missing, first %s" % (label, len(missing), missing[:3]))
    if extra:
        problems.append("%s: %d unexpected events, first %s" % (label, len(extra), extra[:3]))
    differ = [k for k in want if k in seen and seen[k] != want[k]]
    if differ:
        problems.append("%s: %d events differ from the sensor's own line, first %s" %
                        (label, len(differ), differ[:1]))
    return problems


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return [x.rstrip("\n") for x in f if x.strip()]


def spool_segments(spool):
    return glob.glob(os.path.join(spool, "*", "*.seg"))


def exactly_once(sensor, collector_exe, capture, tmp):
    work = os.path.join(tmp, "once")
    os.makedirs(work)
    col = Collector(collector_exe, work)
    col.start()
    jsonl = os.path.join(work, "sensor.jsonl")
    spool = os.path.join(work, "spool")
    proc = subprocess.run(sensor_cmd(sensor, capture, col.port, spool, jsonl, "s-once"),
                          capture_output=True, timeout=300)
    col.stop()
    if proc.returncode != 0:
        return ["exactly_once: sensor exit %d: %s" % (proc.returncode, proc.stderr[-2000:])]
    expected = read_lines(jsonl)
    problems = check_exactly_once(col.lines(), expected, "exactly_once")
    if spool_segments(spool):
        problems.append("exactly_once: spool not empty")
    print("exactly_once: %d events, %d in the collector" % (len(expected), len(col.lines())))
    return problems


def collector_killed(sensor, collector_exe, capture, tmp):
    work = os.path.join(tmp, "kill")
    os.makedirs(work)
    col = Collector(collector_exe, work)
    col.start()
    jsonl = os.path.join(work, "sensor.jsonl")
    spool = os.path.join(work, "spool")
    # A small window so the outage spills to the spool; a long drain so the sensor waits for the
    # restarted collector before it exits.
    cmd = sensor_cmd(sensor, capture, col.port, spool, jsonl, "s-kill",
                     ["output.remote_window_events=256", "output.remote_drain_timeout=60s",
                      "output.remote_batch_events=64"])
    err_path = os.path.join(work, "sensor.stderr")
    with open(err_path, "w", encoding="utf-8") as err:
        sproc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        # Kill the collector once part of the stream has arrived.
        deadline = time.time() + 60
        while time.time() < deadline and len(col.lines()) < 500 and sproc.poll() is None:
            time.sleep(0.01)
        before = len(col.lines())
        col.kill()
        time.sleep(1.5)  # the sensor spools and retries meanwhile
        col.start()      # same port
        rc = sproc.wait(timeout=240)
    col.stop()
    stderr_text = open(err_path, encoding="utf-8", errors="replace").read()
    if rc != 0:
        return ["collector_killed: sensor exit %d: %s" % (rc, stderr_text[-2000:])]
    expected = read_lines(jsonl)
    problems = check_exactly_once(col.lines(), expected, "collector_killed")
    stats = final_stats(stderr_text).get("output_grpc", {})
    if not stats.get("reconnects"):
        problems.append("collector_killed: the sensor did not reconnect (%s)" % stats)
    if spool_segments(spool):
        problems.append("collector_killed: spool not empty after the drain")
    print("collector_killed: killed after %d of %d events; sensor %s" % (
        before, len(expected), json.dumps(stats, sort_keys=True)))
    if before >= len(expected):
        problems.append("collector_killed: the kill came after the stream ended")
    return problems


def sensor_restart(sensor, collector_exe, capture_a, capture_b, tmp):
    work = os.path.join(tmp, "restart")
    os.makedirs(work)
    spool = os.path.join(work, "spool")
    # Run 1: nobody listens (a port taken by nothing: start and stop a collector to learn one).
    probe = Collector(collector_exe, os.path.join(work))
    probe.start()
    port = probe.port
    probe.stop()
    for p in glob.glob(os.path.join(work, "events.jsonl*")):
        os.remove(p)
    jsonl_a = os.path.join(work, "a.jsonl")
    proc = subprocess.run(sensor_cmd(sensor, capture_a, port, spool, jsonl_a, "s-restart",
                                     ["output.remote_drain_timeout=500ms"]),
                          capture_output=True, timeout=120)
    if proc.returncode != 0:
        return ["sensor_restart: run 1 exit %d: %s" % (proc.returncode, proc.stderr[-2000:])]
    if not spool_segments(spool):
        return ["sensor_restart: run 1 left nothing in the spool"]
    col = Collector(collector_exe, work, port)
    col.start()
    jsonl_b = os.path.join(work, "b.jsonl")
    proc = subprocess.run(sensor_cmd(sensor, capture_b, port, spool, jsonl_b, "s-restart"),
                          capture_output=True, timeout=300)
    col.stop()
    if proc.returncode != 0:
        return ["sensor_restart: run 2 exit %d: %s" % (proc.returncode, proc.stderr[-2000:])]
    a, b = read_lines(jsonl_a), read_lines(jsonl_b)
    problems = check_exactly_once(col.lines(), a + b, "sensor_restart")
    if a and b and key(b[0])[1] <= key(a[-1])[1]:
        problems.append("sensor_restart: run 2 numbered from %d, run 1 ended at %d" % (
            key(b[0])[1], key(a[-1])[1]))
    # The replayed events come first in the collector's output.
    order = [key(x)[1] for x in col.lines()]
    if order != sorted(order):
        at = next(i for i in range(1, len(order)) if order[i] < order[i - 1])
        problems.append("sensor_restart: the collector's output is not in sequence order: "
                        "line %d has %d after %d (%d lines; run 1 %d-%d, run 2 %d-%d)" % (
                            at + 1, order[at], order[at - 1], len(order), key(a[0])[1],
                            key(a[-1])[1], key(b[0])[1], key(b[-1])[1]))
    if spool_segments(spool):
        problems.append("sensor_restart: spool not empty")
    print("sensor_restart: run 1 %d events (spooled), run 2 %d events, collector %d" % (
        len(a), len(b), len(col.lines())))
    return problems


def outage_port(collector_exe, work):
    """A port nobody listens on: start and stop a collector to learn one."""
    probe = Collector(collector_exe, work)
    probe.start()
    port = probe.port
    probe.stop()
    for p in glob.glob(os.path.join(work, "events.jsonl*")):
        os.remove(p)
    return port


def long_outage(sensor, collector_exe, capture_a, capture_b, tmp):
    work = os.path.join(tmp, "outage")
    os.makedirs(work)
    spool = os.path.join(work, "spool")
    port = outage_port(collector_exe, work)
    jsonl_a = os.path.join(work, "a.jsonl")
    cap = ["output.spool_max_bytes=262144", "output.spool_segment_bytes=65536",
           "output.remote_drain_timeout=500ms"]
    proc = subprocess.run(sensor_cmd(sensor, capture_a, port, spool, jsonl_a, "s-outage", cap),
                          capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        return ["long_outage: run 1 exit %d: %s" % (proc.returncode, proc.stderr[-2000:])]
    st1 = final_stats(proc.stderr).get("output_grpc", {})
    spooled_bytes = sum(os.path.getsize(p) for p in spool_segments(spool))
    problems = []
    if not st1.get("dropped_spool"):
        problems.append("long_outage: nothing dropped for the full spool: %s" % st1)
    if spooled_bytes > 262144:
        problems.append("long_outage: %d bytes spooled over the 262144 cap" % spooled_bytes)
    col = Collector(collector_exe, work, port)
    col.start()
    jsonl_b = os.path.join(work, "b.jsonl")
    proc = subprocess.run(sensor_cmd(sensor, capture_b, port, spool, jsonl_b, "s-outage", cap),
                          capture_output=True, text=True, timeout=300)
    col.stop()
    if proc.returncode != 0:
        return problems + ["long_outage: run 2 exit %d: %s" % (proc.returncode,
                                                               proc.stderr[-2000:])]
    a, b = read_lines(jsonl_a), read_lines(jsonl_b)
    got = [key(x)[1] for x in col.lines()]
    if got != sorted(got) or len(set(got)) != len(got):
        problems.append("long_outage: the collector's output is not in strict sequence order")
    run1 = [s for s in got if s <= key(a[-1])[1]]
    missing = len(a) - len(run1)
    if missing != st1.get("dropped_spool"):
        problems.append("long_outage: %d of run 1's events missing, %s counted as dropped" % (
            missing, st1.get("dropped_spool")))
    kept = {key(x)[1]: x for x in a}
    if any(kept.get(key(x)[1]) != x for x in col.lines() if key(x)[1] <= key(a[-1])[1]):
        problems.append("long_outage: a replayed event differs from the sensor's own line")
    problems += check_exactly_once([x for x in col.lines() if key(x)[1] > key(a[-1])[1]], b,
                                   "long_outage run 2")
    print("long_outage: run 1 %d events, %d kept in a 256 KiB spool, %d dropped and counted; "
          "run 2 %d events; the collector has %d in sequence order" % (
              len(a), len(run1), missing, len(b), len(got)))
    return problems


def disk_full(sensor, collector_exe, capture, tmp):
    if os.geteuid() != 0:
        print("disk_full: SKIP (needs root for a tmpfs)")
        return []
    work = os.path.join(tmp, "diskfull")
    os.makedirs(work)
    disk = os.path.join(work, "disk")
    os.makedirs(disk)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "mirador-test", disk], check=True)
    try:
        port = outage_port(collector_exe, work)
        jsonl = os.path.join(disk, "events.jsonl")
        proc = subprocess.run(sensor_cmd(sensor, capture, port, os.path.join(disk, "spool"),
                                         jsonl, "s-full", ["output.remote_drain_timeout=500ms",
                                                           "output.spool_max_bytes=64MiB"]),
                              capture_output=True, text=True, timeout=300)
        st = final_stats(proc.stderr)
        grpc, out = st.get("output_grpc", {}), st.get("output", {})
    finally:
        subprocess.run(["umount", disk], check=False)
    problems = []
    if proc.returncode != 0:
        problems.append("disk_full: exit %d: %s" % (proc.returncode, proc.stderr[-2000:]))
    if not grpc.get("spool_write_errors"):
        problems.append("disk_full: no spool write error counted: %s" % grpc)
    if not out.get("write_errors"):
        problems.append("disk_full: no JSON write error counted: %s" % out)
    print("disk_full: 1 MiB disk: %s spool writes refused, %s JSON write errors, exit %d" % (
        grpc.get("spool_write_errors"), out.get("write_errors"), proc.returncode))
    return problems


def main():
    sensor, collector_exe, gen = sys.argv[1:4]
    with tempfile.TemporaryDirectory() as tmp:
        small = os.path.join(tmp, "small.pcap")
        large = os.path.join(tmp, "large.pcap")
        subprocess.run([gen, "-o", small, "--seed", "3", "--transactions", "2000"], check=True,
                       capture_output=True)
        subprocess.run([gen, "-o", large, "--seed", "4", "--transactions", "30000"], check=True,
                       capture_output=True)
        problems = []
        problems += exactly_once(sensor, collector_exe, large, tmp)
        problems += collector_killed(sensor, collector_exe, large, tmp)
        problems += sensor_restart(sensor, collector_exe, small, large, tmp)
        problems += long_outage(sensor, collector_exe, large, small, tmp)
        problems += disk_full(sensor, collector_exe, large, tmp)
    for p in problems:
        print("FAIL " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
