#!/usr/bin/env python3
"""The abuse detectors against the traffic generator's ground truth (issue 5): mirador-gen mixes
attacker scenarios (scrape, bulk_exposure, token_shared, brute_force) into benign traffic and
its summary lists the finding ids each should raise. Every listed id must fire, with an
identity hash, a window and an endpoint; no abuse finding outside the listed ids may fire; and
benign generated traffic alone (several seeds and sizes) raises no abuse finding at all.

Usage: generator_abuse.py MIRADOR MIRADOR_GEN"""

import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mirador_run  # noqa: E402

SCENARIOS = ["scrape", "bulk_exposure", "token_shared", "brute_force"]
BENIGN = [("benign_s3", ["--seed", "3", "--transactions", "4000"]),
          ("benign_s5_pipelined", ["--seed", "5", "--transactions", "6000", "--pipeline", "2"])]


def generate(gen, out_dir, name, extra):
    pcap = os.path.join(out_dir, name + ".pcap")
    summary = os.path.join(out_dir, name + ".json")
    subprocess.run([gen, "-o", pcap, "--summary-json", summary] + extra,
                   check=True, capture_output=True, timeout=300)
    with open(summary) as f:
        return pcap, json.load(f)


def abuse_findings(sensor, pcap):
    proc = subprocess.run([sensor, "-r", pcap, "--no-progress"], capture_output=True,
                          timeout=300, check=False)
    if proc.returncode != 0:
        raise mirador_run.SensorError("exit %d: %s" % (proc.returncode, proc.stderr[-1000:]))
    findings = []
    mirador_run.parse_jsonl(proc.stdout.decode("utf-8", "surrogateescape"), pcap,
                            findings=findings)
    return [f for f in findings if f.get("id", "").startswith("abuse.")]


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    sensor, gen = sys.argv[1:3]
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        extra = ["--seed", "7", "--transactions", "3000"]
        for s in SCENARIOS:
            extra += ["--scenario", s]
        pcap, truth = generate(gen, tmp, "scenarios", extra)
        want = {fid for sc in truth["scenarios"] for fid in sc["findings"]}
        found = abuse_findings(sensor, pcap)
        got = {f["id"] for f in found}
        print("scenarios: %s; expected %s; fired %s" % (
            ", ".join(sc["name"] for sc in truth["scenarios"]), sorted(want),
            sorted((f["id"], f.get("count", 0)) for f in found)))
        for fid in sorted(want - got):
            failures.append("scenarios: %s did not fire" % fid)
        for fid in sorted(got - want):
            failures.append("scenarios: %s fired but no scenario asks for it" % fid)
        for f in found:
            if not str(f.get("identity", "")).startswith("h:") or not f.get("endpoint"):
                failures.append("scenarios: %s without identity hash or endpoint" % f["id"])
            if not f.get("owasp_api", "").endswith(":2023"):
                failures.append("scenarios: %s without an OWASP API 2023 category" % f["id"])
        for name, args in BENIGN:
            pcap, truth = generate(gen, tmp, name, args)
            found = abuse_findings(sensor, pcap)
            print("%s: %d transactions, %d identities, %.0f s of traffic: %d abuse findings" % (
                name, truth["transactions"], truth["identities_used"],
                truth["capture_seconds"], len(found)))
            for f in found:
                failures.append("%s: %s fired on benign traffic (%s)" % (
                    name, f["id"], f.get("summary", "")))
    for msg in failures:
        print("FAIL: " + msg)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
