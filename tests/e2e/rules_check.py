#!/usr/bin/env python3
"""`mirador rules check` and `mirador rules list` on the test rule files (tests/data/rules):
exit codes, every error as file:LINE:COL, the summary line, and the default directory taken
from $MIRADOR_RULES_DIR.

Usage: rules_check.py MIRADOR
"""

import os
import subprocess
import sys


def run(mirador, *args, env=None):
    p = subprocess.run([mirador, "rules", *args], capture_output=True, text=True, timeout=30,
                       env=env)
    return p.returncode, p.stdout, p.stderr


def main():
    mirador = sys.argv[1]
    data = os.path.join(os.environ.get("MIRADOR_TEST_DATA", "tests/data"), "rules")
    good = os.path.join(data, "good")
    bad = os.path.join(data, "bad.yaml")
    failures = []

    def expect(cond, what, out):
        if not cond:
            failures.append("%s\n--- output ---\n%s" % (what, out))

    # Good files, named one by one.
    rc, out, err = run(mirador, "check", os.path.join(good, "attack.yaml"),
                       os.path.join(good, "data.yaml"))
    expect(rc == 0, "check good files: exit %d, want 0" % rc, out + err)
    expect(out.strip().splitlines()[-1:] == ["4 rules, 5 patterns: ok"],
           "check good files: summary", out)

    # A directory, and the default directory from $MIRADOR_RULES_DIR.
    rc, out, err = run(mirador, "check", good)
    expect(rc == 0 and "4 rules, 5 patterns: ok" in out, "check good dir", out + err)
    env = dict(os.environ, MIRADOR_RULES_DIR=good)
    rc, out, err = run(mirador, "check", env=env)
    expect(rc == 0 and "4 rules, 5 patterns: ok" in out, "check default dir", out + err)

    # The bad file: four errors, each with its line (and column from the YAML parser).
    rc, out, err = run(mirador, "check", bad)
    expect(rc == 1, "check bad file: exit %d, want 1" % rc, out + err)
    lines = out.strip().splitlines()
    for prefix in (bad + ":5:15: unknown severity 'hihg'",
                   bad + ":9:5: unknown key `pattern`",
                   bad + ":17: rule 'test.bad.regex': pattern '(unclosed'",
                   bad + ":21:12: bad owasp 'API11:2023'"):
        expect(any(l.startswith(prefix) for l in lines), "bad file: no line " + prefix, out)
    expect(lines[-1:] == ["4 errors"], "bad file: summary", out)

    # Good and bad together still fail; a missing file is an error naming it.
    rc, out, err = run(mirador, "check", good, bad)
    expect(rc == 1 and "4 errors" in out, "good + bad", out + err)
    missing = os.path.join(data, "missing.yaml")
    rc, out, err = run(mirador, "check", missing)
    expect(rc == 1 and (missing + ": cannot read") in out, "missing file", out + err)

    # list: one tab-separated line per rule.
    rc, out, err = run(mirador, "list", good)
    rows = [l.split("\t") for l in out.strip().splitlines()]
    expect(rc == 0 and len(rows) == 4, "list: 4 rows", out + err)
    expect(["test.sqli.union_select", "attack", "sql_injection", "high", "API8:2023"] in rows,
           "list: the union rule", out)
    expect(["test.data.password", "data", "password", "high", "API2:2023"] in rows,
           "list: the password rule", out)

    # Usage errors exit 2.
    rc, out, err = run(mirador, "frobnicate")
    expect(rc == 2, "unknown subcommand: exit %d, want 2" % rc, out + err)

    for f in failures:
        print("FAIL:", f)
    print("rules_check: %d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
