#!/usr/bin/env python3
"""The inventory's OpenAPI export validates as OpenAPI 3.0 (issue 5, must-show 3).

Runs mirador-openapi-sample (a varied synthetic inventory: several hosts, every placeholder
kind, every credential kind, bodies, odd status codes and methods, strings to escape), once for
every host and once for one host, and validates each document against the official OpenAPI 3.0
JSON Schema (tests/data/openapi/openapi-3.0-schema.json, draft-04) with python3-jsonschema's
Draft4Validator; every error is printed with its path. Then checks what the schema cannot:
every "{name}" in a path is a declared, required path parameter of each of its operations (and
no path parameter is declared that the path lacks), and operationIds are unique. Finally makes
sure the validator is live: a document with "info" removed and a bad response key must fail.

With --mirador, the sensor's own export (inventory.openapi_file) from the committed captures of
real clients and servers (tests/data/quality/*.pcap, tests/data/*.pcap) is validated the same way.

Usage: openapi_valid.py MIRADOR_OPENAPI_SAMPLE [--mirador MIRADOR]
Exit 0 when valid, 1 on any error.
"""

import copy
import json
import os
import re
import subprocess
import sys

try:
    import jsonschema
except ImportError:
    print("openapi_valid: python3-jsonschema is missing (tools/setup.sh installs it)")
    sys.exit(1)

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def schema_errors(validator, doc):
    out = []
    for e in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
        path = "/".join(str(p) for p in e.absolute_path)
        out.append("schema: /%s: %s" % (path, e.message[:300]))
    return out


def semantic_errors(doc):
    out = []
    ids = {}
    for path, item in doc.get("paths", {}).items():
        placeholders = re.findall(r"\{([^}]*)\}", path)
        if len(set(placeholders)) != len(placeholders):
            out.append("%s: a placeholder name is repeated" % path)
        shared = {p["name"]: p for p in item.get("parameters", []) if p.get("in") == "path"}
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            where = "%s %s" % (method.upper(), path)
            declared = dict(shared)
            declared.update({p["name"]: p for p in op.get("parameters", [])
                             if p.get("in") == "path"})
            for name in placeholders:
                p = declared.get(name)
                if p is None:
                    out.append("%s: {%s} has no path parameter" % (where, name))
                elif p.get("required") is not True:
                    out.append("%s: path parameter %s is not required" % (where, name))
            for name in declared:
                if name not in placeholders:
                    out.append("%s: path parameter %s is not in the path" % (where, name))
            op_id = op.get("operationId")
            if not op_id:
                out.append("%s: no operationId" % where)
            elif op_id in ids:
                out.append("%s: operationId %s also on %s" % (where, op_id, ids[op_id]))
            else:
                ids[op_id] = where
    return out, len(ids)


def run_sample(exe, *args):
    p = subprocess.run([exe, *args], capture_output=True, text=True, timeout=30)
    if p.returncode != 0:
        raise RuntimeError("%s %s: exit %d: %s" % (exe, " ".join(args), p.returncode, p.stderr))
    return json.loads(p.stdout)


def sensor_documents(mirador, data):
    """(name, document) of the sensor's export for each committed capture set."""
    import glob
    import tempfile
    sets = [("quality captures", sorted(glob.glob(os.path.join(data, "quality", "*.pcap")))),
            ("curl/nginx captures", sorted(glob.glob(os.path.join(data, "*.pcap"))))]
    for name, caps in sets:
        for cap in caps:
            with tempfile.TemporaryDirectory() as tmp:
                out = os.path.join(tmp, "openapi.json")
                p = subprocess.run([mirador, "-r", cap, "--no-progress", "-w", os.devnull,
                                    "--set", "inventory.openapi_file=" + out],
                                   capture_output=True, text=True, timeout=120)
                if p.returncode != 0 or not os.path.exists(out):
                    raise RuntimeError("%s on %s: exit %d: %s" % (mirador, cap, p.returncode,
                                                                  p.stderr[-500:]))
                with open(out) as f:
                    yield "sensor export of %s" % os.path.basename(cap), json.load(f)


def main():
    exe = sys.argv[1]
    mirador = sys.argv[sys.argv.index("--mirador") + 1] if "--mirador" in sys.argv else None
    data = os.environ.get("MIRADOR_TEST_DATA", os.path.join(os.path.dirname(__file__), "..",
                                                            "data"))
    with open(os.path.join(data, "openapi", "openapi-3.0-schema.json")) as f:
        schema = json.load(f)
    jsonschema.Draft4Validator.check_schema(schema)
    validator = jsonschema.Draft4Validator(schema)

    failures = 0
    for args in ([], ["--host", "auth.example:8443"]):
        name = "sample" + (" " + " ".join(args) if args else "")
        doc = run_sample(exe, *args)
        errors = schema_errors(validator, doc)
        sem, n_ops = semantic_errors(doc)
        errors += sem
        print("%s: openapi %s, %d servers, %d paths, %d operations, %d security schemes: %s" % (
            name, doc.get("openapi"), len(doc.get("servers", [])), len(doc.get("paths", {})),
            n_ops, len(doc.get("components", {}).get("securitySchemes", {})),
            "valid" if not errors else "%d error(s)" % len(errors)))
        for e in errors:
            print("  " + e)
        failures += len(errors)

    if mirador:
        for name, doc in sensor_documents(mirador, data):
            errors = schema_errors(validator, doc)
            sem, n_ops = semantic_errors(doc)
            errors += sem
            print("%s: %d paths, %d operations: %s" % (
                name, len(doc.get("paths", {})), n_ops,
                "valid" if not errors else "%d error(s)" % len(errors)))
            for e in errors:
                print("  " + e)
            failures += len(errors)

    # The validator is live: broken documents are rejected.
    doc = run_sample(exe)
    broken = copy.deepcopy(doc)
    del broken["info"]
    first_path = next(iter(broken["paths"].values()))
    next(op for m, op in first_path.items() if m in METHODS)["responses"]["600"] = {
        "description": "bad key"}
    caught = schema_errors(validator, broken)
    print("broken document (no info, response key 600): %d error(s) found" % len(caught))
    if not caught:
        print("  the validator accepted a broken document")
        failures += 1

    print("openapi_valid: %s" % ("ok" if failures == 0 else "%d failure(s)" % failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
