#!/usr/bin/env python3
"""Both sinks at once: `mirador -r CAPTURE -w JSONL --set output.protobuf_file=PB` writes the same
events to both; the protobuf file, printed by mirador-events-dump (protobuf's own JSON printer),
holds event for event what the JSON lines say.

Usage: event_sinks.py MIRADOR MIRADOR_EVENTS_DUMP"""

import glob
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mirador_run  # noqa: E402


TIMESTAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$")


def normal(event):
    """protobuf's printer quotes 64-bit numbers, omits zeros and prints 0, 3, 6 or 9 fraction
    digits (".019Z" where we write ".019000Z"): compare values, not spelling."""
    if isinstance(event, dict):
        return {k: normal(v) for k, v in event.items() if v not in (0, "0", False, "", [], {})}
    if isinstance(event, list):
        return [normal(v) for v in event]
    if isinstance(event, str) and event.isdigit():
        return int(event)
    if isinstance(event, str) and TIMESTAMP.match(event):
        whole, fraction = TIMESTAMP.match(event).groups()
        return (whole, int((fraction or "0").ljust(9, "0")))
    return event


def main():
    sensor, dump = sys.argv[1], sys.argv[2]
    captures = sorted(glob.glob(os.path.join(mirador_run.data_dir(), "*.pcap*")))
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for cap in captures:
            jsonl, pb = os.path.join(tmp, "e.jsonl"), os.path.join(tmp, "e.pb")
            subprocess.run([sensor, "-r", cap, "-w", jsonl, "--no-progress",
                            "--set", "output.protobuf_file=" + pb, "--set", "output.sensor_id=e2e"],
                           check=True, capture_output=True)
            with open(jsonl, encoding="utf-8") as f:
                lines = [json.loads(x) for x in f if x.strip()]
            mirador_run.parse_jsonl(open(jsonl, encoding="utf-8").read(), cap)  # envelope checks
            out = subprocess.run([dump, pb], check=True, capture_output=True).stdout.decode()
            dumped = [json.loads(x) for x in out.splitlines() if x.strip()]
            problems = []
            if len(dumped) != len(lines):
                problems.append("%d JSON lines, %d protobuf events" % (len(lines), len(dumped)))
            for a, b in zip(lines, dumped):
                if a.get("sensor_id") != "e2e":
                    problems.append("sensor_id %r" % a.get("sensor_id"))
                if normal(a) != normal(b):
                    problems.append("event %s differs:\n  json %s\n  pb   %s" % (
                        a.get("sequence"), json.dumps(a), json.dumps(b)))
            name = os.path.basename(cap)
            if problems:
                failed += 1
                print("FAIL %s" % name)
                for p in problems[:5]:
                    print("     " + p)
            else:
                print("ok   %s (%d events)" % (name, len(lines)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
