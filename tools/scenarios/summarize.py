#!/usr/bin/env python3
"""What tshark (not the sensor) sees in each scenario capture: requests, client addresses,
distinct credentials, statuses, and the busiest request lines with numbers folded to N — the
independent check that each capture holds the traffic its scenario claims.

Usage: summarize.py [CAPTURE ...]   (default: tests/data/scenarios/*.pcap.gz)
"""
import collections
import glob
import os
import re
import subprocess
import sys


def summarize(path):
    out = subprocess.run(
        ["tshark", "-r", path, "-Y", "http", "-T", "fields", "-E", "separator=\t",
         "-e", "ip.src", "-e", "http.request.method", "-e", "http.request.uri",
         "-e", "http.authorization", "-e", "http.response.code"],
        capture_output=True, text=True, timeout=300, check=True).stdout
    requests, clients, creds, statuses, lines = 0, set(), set(), collections.Counter(), collections.Counter()
    for row in out.splitlines():
        src, method, uri, auth, code = (row.split("\t") + [""] * 5)[:5]
        if method:
            requests += 1
            clients.add(src)
            if auth:
                creds.add(auth)
            lines[method + " " + re.sub(r"\d+", "N", uri.split("?")[0])] += 1
        if code:
            statuses[code] += 1
    name = os.path.basename(path)
    print("%s: %d requests from %d addresses, %d bearer credentials; statuses %s" % (
        name, requests, len(clients), len(creds),
        " ".join("%s:%d" % kv for kv in sorted(statuses.items()))))
    print("    " + ", ".join("%s x%d" % (l, n) for l, n in lines.most_common(6)))


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    paths = sys.argv[1:] or sorted(glob.glob(os.path.join(root, "tests/data/scenarios/*.pcap.gz")))
    for p in paths:
        summarize(p)


if __name__ == "__main__":
    main()
