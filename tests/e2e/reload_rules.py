"""SIGHUP reloads the rules and the configuration without losing flows (issue 8).

The sensor reads a capture through a FIFO, so the test decides when each packet arrives:
  1. connection 1 (GET /api/users.json) whole, and connection 2's request (GET
     /api/missing.json); the test waits for connection 1's event;
  2. SIGHUP with a new rule (test.reload_marker, on /api/ paths) and a changed restart-only key
     (flow.max_flows): "reloaded", the new rule counted, the key reported as needing a restart;
  3. connection 2's response: its transaction spans the reload and must be reported, inspected
     whole by the new rules;
  4. SIGHUP with a rule that does not compile: refused, the running rules kept;
  5. connection 3 (HEAD /api/users.json): still flagged by the marker rule.
Connection 1 was inspected before the reload: no marker finding. The final stats count two
requests, one applied, one refused, one restart key, and at least one worker switch.

Usage: reload_rules.py MIRADOR"""

import json
import os
import queue
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time

from mirador_run import data_dir

MARKER_RULE = """rules:
  - id: test.reload_marker
    kind: attack
    class: test_marker
    severity: high
    owasp: API8:2023
    summary: a request to an /api/ path (added by a reload)
    patterns:
      - '/api/(users|missing)'
    where: [request.path]
"""
BAD_RULE = """rules:
  - id: test.broken
    kind: attack
    class: test_marker
    severity: high
    summary: does not compile
    patterns:
      - '(unclosed'
    where: [request.path]
"""


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    header, records, off = data[:24], [], 24
    while off + 16 <= len(data):
        incl = struct.unpack_from("<I", data, off + 8)[0]
        records.append(data[off:off + 16 + incl])
        off += 16 + incl
    return header, records


def tcp_info(record):
    """(client port, payload length, text) of an Ethernet/IPv4/TCP frame."""
    frame = record[16:]
    ihl = (frame[14] & 0x0F) * 4
    tcp = frame[14 + ihl:]
    sport, dport = struct.unpack_from(">HH", tcp, 0)
    off = (tcp[12] >> 4) * 4
    payload = tcp[off:]
    return (sport if dport == 80 else dport), payload


def main():
    sensor = os.path.abspath(sys.argv[1])
    header, records = read_pcap(os.path.join(data_dir(), "curl_get_head_404.pcap"))
    # Part 1 ends after connection 2's request; part 2 runs to connection 3's first packet.
    conns = []
    for r in records:
        port, _ = tcp_info(r)
        if port not in conns:
            conns.append(port)
    assert len(conns) == 3, conns
    cut1 = next(i for i, r in enumerate(records)
                if tcp_info(r)[0] == conns[1] and tcp_info(r)[1].startswith(b"GET ")) + 1
    cut2 = next(i for i, r in enumerate(records) if tcp_info(r)[0] == conns[2])

    tmp = tempfile.mkdtemp(prefix="mirador_reload.")
    proc = None
    try:
        rules = os.path.join(tmp, "rules")
        shutil.copytree(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                     "detectors", "rules"), rules)
        config = os.path.join(tmp, "mirador.yaml")
        with open(config, "w") as f:
            f.write("detect:\n  rules_dir: %s\nflow:\n  max_flows: 1000\n" % rules)
        fifo = os.path.join(tmp, "capture.fifo")
        os.mkfifo(fifo)
        out = os.path.join(tmp, "events.jsonl")
        proc = subprocess.Popen([sensor, "-c", config, "-r", fifo, "-w", out, "--no-progress",
                                 "--stats-interval", "0"], stderr=subprocess.PIPE, text=True)
        lines = queue.Queue()
        stderr_lines = []

        def pump():
            for line in proc.stderr:
                stderr_lines.append(line)
                lines.put(line)
        threading.Thread(target=pump, daemon=True).start()

        def wait_line(prefix, timeout=60):
            end = time.time() + timeout
            while time.time() < end:
                try:
                    line = lines.get(timeout=0.2)
                except queue.Empty:
                    continue
                if line.startswith(prefix):
                    return line
            sys.exit("reload_rules: FAIL: no %r line within %d s; stderr:\n%s" % (
                prefix, timeout, "".join(stderr_lines)[-3000:]))

        def events():
            try:
                with open(out) as f:
                    return [json.loads(l) for l in f if l.strip()]
            except FileNotFoundError:
                return []

        def wait_event(uri, timeout=60):
            end = time.time() + timeout
            while time.time() < end:
                if any(e.get("http", {}).get("uri", "").startswith(uri) for e in events()):
                    return
                time.sleep(0.1)
            sys.exit("reload_rules: FAIL: no event for %s within %d s" % (uri, timeout))

        w = open(fifo, "wb", buffering=0)  # blocks until the sensor opens the FIFO
        w.write(header)
        for r in records[:cut1]:
            w.write(r)
        wait_event("/api/users.json")

        with open(os.path.join(rules, "marker.yaml"), "w") as f:
            f.write(MARKER_RULE)
        with open(config, "w") as f:
            f.write("detect:\n  rules_dir: %s\nflow:\n  max_flows: 2000\n" % rules)
        proc.send_signal(signal.SIGHUP)
        line = wait_line("mirador: reloaded")
        problems = []
        if "flow.max_flows" not in line or "need a restart" not in line:
            problems.append("the restart-only key is not reported: %s" % line.strip())

        for r in records[cut1:cut2]:
            w.write(r)
        wait_event("/api/missing.json")

        with open(os.path.join(rules, "broken.yaml"), "w") as f:
            f.write(BAD_RULE)
        proc.send_signal(signal.SIGHUP)
        line = wait_line("mirador: reload refused")
        if "broken.yaml" not in line:
            problems.append("the refusal does not name the bad rule: %s" % line.strip())

        for r in records[cut2:]:
            w.write(r)
        w.close()
        proc.wait(timeout=60)
        if proc.returncode != 0:
            problems.append("exit status %d" % proc.returncode)

        evs = events()
        http = {e["http"]["uri"]: e for e in evs if "http" in e}
        marked = set()
        for e in evs:
            f = e.get("finding")
            if f and "test.reload_marker" in f.get("rule_ids", []):
                marked.add(f.get("uri") or f.get("endpoint", ""))
        flagged = {uri: any(uri in m for m in marked) for uri in
                   ("/api/users.json", "/api/missing.json")}
        if len(http) != 3 and len([e for e in evs if "http" in e]) != 3:
            problems.append("expected 3 transactions, got %s" % sorted(http))
        n_marked = len([e for e in evs if "finding" in e and
                        "test.reload_marker" in e["finding"].get("rule_ids", [])])
        # Connection 1 before the reload: not flagged; connections 2 and 3: flagged.
        if n_marked != 2:
            problems.append("expected 2 marker findings (connections 2 and 3), got %d: %s" % (
                n_marked, flagged))
        final = [json.loads(l) for l in stderr_lines if l.startswith('{"stats"')]
        reload = final[-1]["stats"].get("reload", {}) if final else {}
        want = {"requests": 2, "applied": 1, "refused": 1, "restart_keys": 1}
        for k, v in want.items():
            if reload.get(k) != v:
                problems.append("stats reload.%s = %s, expected %d" % (k, reload.get(k), v))
        if reload.get("worker_switches", 0) < 1:
            problems.append("no worker took the new rules: %s" % reload)
        if problems:
            print("reload_rules: FAIL:\n  " + "\n  ".join(problems))
            print("".join(stderr_lines)[-3000:])
            return 1
        print("reload_rules: ok: rules reloaded mid-flow (3 transactions, 2 flagged by the new "
              "rule), a bad rule refused and the running rules kept, %s" % reload)
        return 0
    finally:
        if proc and proc.poll() is None:
            proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
