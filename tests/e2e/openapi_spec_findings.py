"""Shadow and zombie endpoints end to end (issue 5): the sensor reads tests/data/demo/api_demo.pcap
with `--set inventory.openapi_spec=` an OpenAPI document written for that capture, which leaves
POST /login out and marks DELETE /orders/{orderId} deprecated. Exactly those two endpoints must
become findings (inventory.shadow_endpoint, inventory.zombie_endpoint), each once per server,
endpoint and severity, and the inventory stats must count them. Run with the OpenAPI 3.0 YAML
document and its Swagger 2.0 JSON twin (same answer), then with a broken document (exit 2, the
file and what is wrong named).

usage: openapi_spec_findings.py MIRADOR"""

import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.environ.get("MIRADOR_TEST_DATA", os.path.join(HERE, "..", "data"))
CAPTURE = os.path.join(DATA, "demo", "api_demo.pcap")
EXPECTED = {
    ("inventory.shadow_endpoint", "POST /api/v1/login"),
    ("inventory.zombie_endpoint", "DELETE /api/v1/orders/{id}"),
}


def run(sensor, spec):
    proc = subprocess.run(
        [sensor, "-r", CAPTURE, "--no-progress", "--stats-interval", "0",
         "--set", "inventory.openapi_spec=" + spec],
        capture_output=True, timeout=120, check=False)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode(errors="replace")


def final_stats(stderr_text):
    last = None
    for line in stderr_text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                last = json.loads(line)
            except ValueError:
                pass
    return (last or {}).get("stats", {})


def check_spec(sensor, spec, problems):
    name = os.path.basename(spec)
    rc, out, err = run(sensor, spec)
    if rc != 0:
        problems.append("%s: exit status %d: %s" % (name, rc, err[-1000:]))
        return
    findings = [json.loads(line)["finding"] for line in out.splitlines()
                if '"finding"' in line and "inventory." in line]
    findings = [f for f in findings if f["id"].startswith("inventory.")]
    got = {(f["id"], f.get("endpoint", "")) for f in findings}
    if got != EXPECTED:
        problems.append("%s: inventory findings %s, expected %s" % (name, sorted(got),
                                                                     sorted(EXPECTED)))
    keys = [(f["id"], f["endpoint"], f["severity"], f["flow"]["dst_ip"]) for f in findings]
    if len(keys) != len(set(keys)):
        problems.append("%s: a finding repeated inside the window: %s" % (name, keys))
    for f in findings:
        if f["risk_class"] != "improper_inventory" or f["owasp_api"] != "API9:2023":
            problems.append("%s: wrong class or OWASP id: %s" % (name, f))
        if f["id"] == "inventory.zombie_endpoint":
            if f["severity"] != "medium" or "/orders/{orderId}" not in f["summary"]:
                problems.append("%s: zombie finding: %s" % (name, f))
        elif f["severity"] not in ("medium", "high"):
            problems.append("%s: shadow severity: %s" % (name, f))
    zombies = sum(f["id"] == "inventory.zombie_endpoint" for f in findings)
    if zombies != 1:  # the two DELETEs are on one server: one finding in the window
        problems.append("%s: %d zombie findings, expected 1" % (name, zombies))
    inv = final_stats(err).get("inventory", {})
    shadows = len(findings) - zombies
    if (inv.get("spec_operations") != 6 or inv.get("shadow_findings") != shadows
            or inv.get("zombie_findings") != zombies or not inv.get("spec_suppressed")):
        problems.append("%s: inventory stats %s (findings: %d shadow, %d zombie)" % (
            name, json.dumps(inv, sort_keys=True), shadows, zombies))
    print("%s: %d shadow, %d zombie findings; stats %s" % (
        name, shadows, zombies, {k: v for k, v in inv.items() if "spec" in k or "_findings" in k}))


def main():
    sensor = sys.argv[1]
    problems = []
    for spec in ("shop_demo.yaml", "shop_demo_swagger.json"):
        check_spec(sensor, os.path.join(DATA, "openapi", spec), problems)

    with tempfile.TemporaryDirectory() as tmp:
        bad = os.path.join(tmp, "bad.yaml")
        with open(bad, "w") as f:
            f.write("openapi: 3.0.3\npaths:\n  /a:\n    get:\n      deprecated: perhaps\n")
        rc, _, err = run(sensor, bad)
        want = bad + ": line 5: paths./a.get.deprecated: not a boolean"
        if rc != 2 or want not in err:
            problems.append("bad document: exit %d, stderr %r (want %r)" % (rc, err, want))
        rc, _, err = run(sensor, os.path.join(tmp, "missing.yaml"))
        if rc != 2 or "missing.yaml: cannot open" not in err:
            problems.append("missing document: exit %d, stderr %r" % (rc, err))

    for p in problems:
        print("FAIL:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
