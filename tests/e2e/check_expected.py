#!/usr/bin/env python3
"""Runs `mirador -r` on every capture in tests/data that has a <name>.expected.jsonl and checks
the records field by field.

Each expected line names the fields that must have exactly that value; fields it does not name
are only held to the general contract (types, RFC 3339 ts, Community ID of the record's own
5-tuple). An optional "_absent": [keys] lists keys that must not be present. The record's ts must
be the capture time of the frame holding the request's first byte, as tshark reads it.

Usage: check_expected.py MIRADOR [CAPTURE_NAME...]
"""

import collections
import glob
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mirador_run  # noqa: E402
import tshark_pairs  # noqa: E402

# Fields that say which transaction an expected line is about.
IDENTITY = ("src_port", "trans_depth", "method", "uri")


def load_expected(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def field_diffs(exp, rec):
    diffs = []
    for key, want in exp.items():
        if key == "_absent":
            diffs += ["%s: must be absent, got %r" % (k, rec[k]) for k in want if k in rec]
        elif key not in rec:
            diffs.append("%s: expected %r, key absent" % (key, want))
        elif rec[key] != want:
            diffs.append("%s: expected %r, got %r" % (key, want, rec[key]))
    return diffs


def match(expected, records):
    """Pairs each expected line with the first unused record of the same identity."""
    used = set()
    pairs = []
    for exp in expected:
        ident = {k: exp[k] for k in IDENTITY if k in exp}
        found = None
        for i, rec in enumerate(records):
            if i not in used and all(rec.get(k) == v for k, v in ident.items()):
                found = i
                break
        if found is not None:
            used.add(found)
        pairs.append((exp, None if found is None else records[found]))
    extra = [rec for i, rec in enumerate(records) if i not in used]
    return pairs, extra


def closest(exp, records):
    return min(records, key=lambda r: len(field_diffs(exp, r)), default=None)


def ts_errors(capture, records):
    """Each record's ts against the time of the frame holding its request's first byte."""
    txns, _ = tshark_pairs.tshark_transactions(capture)
    times = tshark_pairs.frame_times(capture)
    by_conn = collections.defaultdict(list)
    for t in txns:
        by_conn[(t["src_ip"], t["src_port"], t["dst_ip"], t["dst_port"])].append(t)
    errors = []
    for rec in records:
        conn = by_conn.get((rec.get("src_ip"), rec.get("src_port"), rec.get("dst_ip"),
                            rec.get("dst_port")), [])
        depth = rec.get("trans_depth", 0)
        if not isinstance(depth, int) or not 1 <= depth <= len(conn) or "ts" not in rec:
            continue  # other checks report a bad trans_depth or a missing ts
        want = mirador_run.epoch_str_to_micros(times[conn[depth - 1]["first_frame"]])
        try:
            got = mirador_run.ts_to_epoch_micros(rec["ts"])
        except ValueError:
            continue  # the contract check reports the malformed ts
        if got != want:
            errors.append("%s %s (depth %d): ts %s is %+d us from the request's first frame" % (
                rec.get("method"), rec.get("uri"), depth, rec["ts"], got - want))
    return errors


def check(sensor, exp_path):
    name = os.path.basename(exp_path)[:-len(".expected.jsonl")]
    caps = [p for p in (os.path.join(os.path.dirname(exp_path), name + ext)
                        for ext in (".pcap", ".pcapng")) if os.path.exists(p)]
    if not caps:
        return ["no capture named %s.pcap or %s.pcapng" % (name, name)]
    capture = caps[0]
    expected = load_expected(exp_path)
    try:
        records = mirador_run.run_sensor(sensor, capture)
    except mirador_run.SensorError as exc:
        return [str(exc)]
    problems = []
    for rec in records:
        problems += ["contract: %s %s: %s" % (rec.get("method"), rec.get("uri"), e)
                     for e in mirador_run.contract_errors(rec)]
    pairs, extra = match(expected, records)
    for exp, rec in pairs:
        label = "%s %s (src_port %s, depth %s)" % (exp.get("method"), exp.get("uri"),
                                                   exp.get("src_port"), exp.get("trans_depth"))
        if rec is None:
            near = closest(exp, records)
            problems.append("missing: %s; closest record: %s" % (
                label, json.dumps(near) if near else "none (no records at all)"))
            continue
        problems += ["%s: %s" % (label, d) for d in field_diffs(exp, rec)]
    for rec in extra:
        problems.append("unexpected record: %s" % json.dumps(rec))
    problems += ts_errors(capture, records)
    return problems


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    mirador_run.require_tools("tshark")
    sensor, only = sys.argv[1], set(sys.argv[2:])
    paths = sorted(glob.glob(os.path.join(mirador_run.data_dir(), "*.expected.jsonl")))
    if only:
        paths = [p for p in paths if os.path.basename(p)[:-len(".expected.jsonl")] in only]
    if not paths:
        print("no .expected.jsonl files found in %s" % mirador_run.data_dir())
        return 1
    failed = 0
    for path in paths:
        name = os.path.basename(path)[:-len(".expected.jsonl")]
        problems = check(sensor, path)
        if problems:
            failed += 1
            print("FAIL %s" % name)
            for p in problems:
                print("     " + p)
        else:
            print("ok   %s" % name)
    print("%d/%d captures as expected" % (len(paths) - failed, len(paths)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
