#!/usr/bin/env python3
"""Abuse detectors on captures made by real tools (issue 5, must-show 1).

For each capture of tests/data/scenarios/expected.json (gzipped; unpacked to a temporary file for
the sensor), runs `mirador -r CAP [--set k=v ...]` and checks:
  - the output meets the event contract (mirador_run.parse_jsonl);
  - every finding id of "must" fires, none of "must_not" does, and no abuse.* at all on a capture
    marked no_abuse (the benign corpus);
  - every abuse finding carries identity ("h:" + hex), endpoint, owasp_api, and window_s (an
    integer; > 0 for the findings about a window, see WINDOWED).
Then the benign captures made for other tests (expected.json's benign_elsewhere) must give no
abuse.* finding either, but for the ids benign_elsewhere.allowed names per capture (with why).

Prints one line per check and "N passed, N failed" at the end; exits 1 on any failure. A sensor
without abuse detectors (no abuse.* key in --help-config) still runs every capture (contract and
no-abuse checks), reports the detection checks as pending and exits 77 (skipped): the captures
are ahead of the detectors. --strict turns that into a failure.

Usage: abuse_scenarios.py MIRADOR [--strict] [--only NAME,...] [-v]
"""
import argparse
import glob
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mirador_run  # noqa: E402

# Abuse findings add these to the finding event (proto/mirador/v1/event.proto: identity, window_s).
mirador_run.FINDING_KEYS = set(mirador_run.FINDING_KEYS) | {"identity", "window_s"}

MAX_CAPTURE_BYTES = 1024 * 1024  # committed captures stay well under 1 MiB
IDENTITY_RE = re.compile(r"^h:[0-9a-f]{8,}$")
# Findings about a window (abuse_detector.h: counted over one), whose window_s must be > 0.
WINDOWED = {"abuse.rate_identity", "abuse.rate_endpoint", "abuse.enumeration",
            "abuse.phone_lookup", "abuse.discovery", "abuse.brute_force",
            "abuse.account_brute_force", "abuse.credential_stuffing", "abuse.bola",
            "abuse.token_shared"}
# Every id the contract defines: an expected.json naming another is a typo.
KNOWN = WINDOWED | {"abuse.bulk_lookup", "abuse.vertical_escalation", "abuse.replay",
                    "abuse.bulk_exposure", "abuse.parameter_tampering", "abuse.negative_amount",
                    "abuse.cookie_tampering"}


class Results:
    def __init__(self, verbose):
        self.passed = self.failed = self.pending = 0
        self.verbose = verbose

    def check(self, ok, what, detail="", pending=False):
        if pending and not ok:
            self.pending += 1
            print("PENDING %s%s" % (what, ": " + detail if detail else ""))
            return
        if ok:
            self.passed += 1
            print("PASS    %s%s" % (what, " (" + detail + ")" if detail and self.verbose else ""))
        else:
            self.failed += 1
            print("FAIL    %s%s" % (what, ": " + detail if detail else ""))


def has_abuse_detectors(sensor):
    proc = subprocess.run([sensor, "--help-config"], capture_output=True, timeout=30, check=False)
    return any(line.split()[0].startswith("abuse.")
               for line in proc.stdout.decode(errors="replace").splitlines()[1:] if line.split())


def unpacked(path, tmp):
    """The capture as a file the sensor can read (libpcap reads no gzip)."""
    if not path.endswith(".gz"):
        return path
    out = os.path.join(tmp, os.path.basename(path)[:-3])
    with gzip.open(path, "rb") as src, open(out, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    return out


def run(sensor, capture, overrides):
    args = [sensor, "-r", capture, "--no-progress"]
    for key, value in sorted(overrides.items()):
        args += ["--set", "%s=%s" % (key, value)]
    proc = subprocess.run(args, capture_output=True, timeout=300, check=False)
    if proc.returncode != 0:
        raise mirador_run.SensorError("exit status %d: %s" % (
            proc.returncode, proc.stderr.decode(errors="replace")[-1500:]))
    findings = []
    records = mirador_run.parse_jsonl(proc.stdout.decode("utf-8", "surrogateescape"), capture,
                                      findings=findings)
    return records, findings


def field_errors(f):
    errors = []
    if not IDENTITY_RE.match(str(f.get("identity", ""))):
        errors.append("identity %r" % f.get("identity"))
    if not f.get("endpoint"):
        errors.append("no endpoint")
    if not re.match(r"^API\d+:2023$", str(f.get("owasp_api", ""))):
        errors.append("owasp_api %r" % f.get("owasp_api"))
    window = f.get("window_s", 0)  # proto3 JSON leaves a zero out
    if not isinstance(window, int) or isinstance(window, bool) or window < 0:
        errors.append("window_s %r" % window)
    elif f.get("id") in WINDOWED and window <= 0:
        errors.append("window_s %r for a finding about a window" % window)
    return errors


def check_capture(res, sensor, name, spec, path, tmp, detectors, scenario=True):
    pending = not detectors
    if scenario:  # this test's own captures
        try:
            size = os.path.getsize(path)
        except OSError as exc:
            res.check(False, "%s: present" % name, str(exc))
            return
        res.check(size < MAX_CAPTURE_BYTES, "%s: under 1 MiB" % name, "%d bytes" % size)
        unknown = [i for i in spec.get("must", []) + spec.get("must_not", []) if i not in KNOWN]
        res.check(not unknown, "%s: expected ids are the contract's" % name, ", ".join(unknown))
    try:
        records, findings = run(sensor, unpacked(path, tmp), spec.get("set", {}))
    except (mirador_run.SensorError, subprocess.TimeoutExpired, OSError, EOFError) as exc:
        res.check(False, "%s: sensor output meets the event contract" % name, str(exc)[:1500])
        return
    res.check(bool(records), "%s: sensor output meets the event contract" % name,
              "%d http events, %d findings" % (len(records), len(findings)))
    abuse = [f for f in findings if str(f.get("id", "")).startswith("abuse.")]
    ids = {}
    for f in abuse:
        ids[f["id"]] = ids.get(f["id"], 0) + 1
    for want in spec.get("must", []):
        res.check(want in ids, "%s: %s fires" % (name, want),
                  "%d times" % ids[want] if want in ids else "abuse findings: %s" % (ids or "none"),
                  pending=pending)
    for unwanted in spec.get("must_not", []):
        res.check(unwanted not in ids, "%s: %s does not fire" % (name, unwanted),
                  "%d times" % ids.get(unwanted, 0))
    if spec.get("no_abuse"):
        allowed = spec.get("allowed", {})
        left = {i: n for i, n in ids.items() if i not in allowed}
        note = json.dumps(ids) + ("; allowed: %s" % ", ".join(sorted(allowed)) if allowed else "")
        res.check(not left, "%s: no abuse finding%s" % (name, " (but the allowed)" if allowed else ""),
                  note)
    if abuse:
        bad = ["%s: %s" % (f.get("id"), "; ".join(e)) for f in abuse for e in [field_errors(f)] if e]
        res.check(not bad, "%s: abuse findings carry identity, window_s, endpoint, owasp_api" % name,
                  "; ".join(bad[:5]) if bad else "%d findings" % len(abuse))
    elif spec.get("must"):
        res.check(False, "%s: abuse findings carry identity, window_s, endpoint, owasp_api" % name,
                  "no abuse finding to check", pending=pending)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sensor")
    ap.add_argument("--strict", action="store_true",
                    help="fail (not skip) when the sensor has no abuse detectors")
    ap.add_argument("--only", default="", help="capture names (without .pcap.gz), comma-separated")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    data = mirador_run.data_dir()
    with open(os.path.join(data, "scenarios", "expected.json")) as fh:
        expected = json.load(fh)
    detectors = has_abuse_detectors(a.sensor)
    if not detectors:
        print("NOTE    this sensor has no abuse.* configuration key: detection checks are pending")
    only = {n for n in a.only.split(",") if n}
    res = Results(a.verbose)
    with tempfile.TemporaryDirectory(prefix="mirador_abuse.") as tmp:
        for cap, spec in expected["captures"].items():
            name = cap.split(".")[0]
            if only and name not in only:
                continue
            check_capture(res, a.sensor, name, spec, os.path.join(data, "scenarios", cap), tmp,
                          detectors)
        if not only:
            paths = sorted({p for g in expected["benign_elsewhere"]["globs"]
                            for p in glob.glob(os.path.join(data, g))})
            res.check(bool(paths), "benign captures of other tests found", "%d" % len(paths))
            for p in paths:
                rel = os.path.relpath(p, data)
                spec = {"must": [], "no_abuse": True, "set": {},
                        "allowed": expected["benign_elsewhere"].get("allowed", {}).get(rel, {})}
                check_capture(res, a.sensor, rel, spec, p, tmp, detectors, scenario=False)
    print("%d passed, %d failed" % (res.passed, res.failed) +
          (", %d skipped" % res.pending if res.pending else ""))
    if res.failed:
        return 1
    if res.pending:
        return 1 if a.strict else mirador_run.SKIP
    return 0


if __name__ == "__main__":
    sys.exit(main())
