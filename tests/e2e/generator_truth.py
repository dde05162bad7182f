#!/usr/bin/env python3
"""The sensor against ground truth: mirador-gen writes API captures (plain, VLAN, ERSPAN, VXLAN,
VLAN inside VXLAN, pipelined, reordered) and says how many transactions of each method and status
it wrote; the sensor must report exactly those. With segments lost on the mirror, every
transaction must still be reported, and the losses must show as gaps, never as a crash.

Usage: generator_truth.py MIRADOR MIRADOR_GEN"""

import collections
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mirador_run import SensorError, run_sensor  # noqa: E402

VARIANTS = {
    "plain": [],
    "vlan": ["--vlan", "100"],
    "erspan": ["--erspan", "7"],
    "vxlan": ["--vxlan", "42"],
    "vlan_in_vxlan": ["--vlan", "5", "--vxlan", "9"],
    "pipelined": ["--pipeline", "4"],
    "reordered": ["--reorder", "0.05", "--pipeline", "2"],
    "small_mss": ["--mss", "536"],
}
LOSSY = {"loss_2pct": ["--loss", "0.02"]}


def generate(gen, out_dir, name, extra):
    pcap = os.path.join(out_dir, name + ".pcap")
    summary = os.path.join(out_dir, name + ".json")
    subprocess.run([gen, "-o", pcap, "--seed", "11", "--transactions", "1500",
                    "--summary-json", summary] + extra,
                   check=True, capture_output=True, timeout=120)
    with open(summary) as f:
        return pcap, json.load(f)


def main():
    sensor, gen = sys.argv[1], sys.argv[2]
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, extra in VARIANTS.items():
            pcap, truth = generate(gen, tmp, name, extra)
            try:
                recs = run_sensor(sensor, pcap)
            except SensorError as exc:
                failures.append("%s: %s" % (name, exc))
                continue
            methods = dict(collections.Counter(r.get("method") for r in recs))
            statuses = dict(collections.Counter(str(r.get("status")) for r in recs))
            anomalies = collections.Counter(a for r in recs for a in r.get("anomalies", []))
            problems = []
            if len(recs) != truth["transactions"]:
                problems.append("%d transactions, generator wrote %d" %
                                (len(recs), truth["transactions"]))
            if methods != truth["methods"]:
                problems.append("methods %s != %s" % (methods, truth["methods"]))
            if statuses != truth["statuses"]:
                problems.append("statuses %s != %s" % (statuses, truth["statuses"]))
            if anomalies:
                problems.append("anomalies on clean traffic: %s" % dict(anomalies))
            if name != "plain":
                tunnelled = [r for r in recs if ("vlan" in r) or ("tunnel" in r)]
                if extra and extra[0] in ("--vlan", "--erspan", "--vxlan") and \
                        len(tunnelled) != len(recs):
                    problems.append("%d records lack their VLAN/tunnel id" %
                                    (len(recs) - len(tunnelled)))
            print("%-14s %s" % (name, "ok (%d transactions)" % len(recs) if not problems
                                else "FAILED: " + "; ".join(problems)))
            if problems:
                failures.append(name)
        for name, extra in LOSSY.items():
            pcap, truth = generate(gen, tmp, name, extra)
            try:
                recs = run_sensor(sensor, pcap)
            except SensorError as exc:
                failures.append("%s: %s" % (name, exc))
                continue
            complete = [r for r in recs if "method" in r and "status" in r]
            gaps = sum(1 for r in recs for a in r.get("anomalies", []) if a.startswith("gap_"))
            # Most transactions survive 2 % segment loss whole; the lost ones must be marked.
            ok = len(complete) >= 0.9 * truth["transactions"] and gaps > 0
            print("%-14s %s: %d of %d transactions complete, %d marked with gaps" % (
                name, "ok" if ok else "FAILED", len(complete), truth["transactions"], gaps))
            if not ok:
                failures.append(name)
    if failures:
        print("FAILED: %s" % ", ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
