#!/usr/bin/env python3
"""Cuts the first whole TCP connections of a capture into a smaller one under a byte budget.

Keeps every packet of the first K connections (tshark's tcp.stream numbers, in order of first
packet; with --stride S every S-th connection, so that a sample of sqlmap's one-connection-per-
request traffic spans all its targets and phases) for the largest K whose output stays within
--max-bytes, so no request or response is cut in half. Used to make the committed samples in
tests/data/quality/ from a full detection-quality run.

Usage: cut_sample.py IN.pcap OUT.pcap [--max-bytes 800000] [--max-requests N] [--stride S]
                     [--first-per-endpoint] [--unique-tuples]
Prints the connections, requests and bytes kept.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

TIMEOUT_S = 600
CLEAN_SEGMENT = re.compile(r"^[A-Za-z0-9._~-]*$")


def tshark(*args):
    return subprocess.run(["tshark", "-n", *args], capture_output=True, check=True,
                          timeout=TIMEOUT_S).stdout.decode()


def cut(src, dst, keep):
    tshark("-r", src, "-Y", "tcp.stream in {" + ",".join(map(str, keep)) + "}", "-w", dst, "-F", "pcap")
    return os.path.getsize(dst)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--max-bytes", type=int, default=800000)
    ap.add_argument("--max-requests", type=int, default=1500)
    ap.add_argument("--stride", type=int, default=1, help="keep every S-th connection")
    ap.add_argument("--unique-tuples", action="store_true",
                    help="leave out connections that reuse an earlier kept connection's ports")
    ap.add_argument("--first-per-endpoint", action="store_true",
                    help="always keep the connection of the first request to each endpoint")
    args = ap.parse_args()

    # The stream of each request, in order: keeping streams 0..K keeps the first requests.
    rows = [line.split("\t") for line in tshark("-r", args.src, "-Y", "http.request", "-T", "fields",
                                                "-e", "tcp.stream", "-e", "http.request.method",
                                                "-e", "http.request.uri", "-e", "tcp.srcport",
                                                "-e", "tcp.dstport").splitlines() if line]
    streams = [int(r[0].split(",")[0]) for r in rows]
    if not streams:
        sys.exit("cut_sample: no HTTP requests in " + args.src)
    candidates = sorted(set(streams))[::args.stride]
    if args.first_per_endpoint:
        # The first request to each endpoint (method and first two path segments) is sqlmap's
        # baseline, which the scorer's labelling compares the others with: always keep it.
        first = {}
        for r, stream in zip(rows, streams):
            segs = tuple((r[2] if len(r) > 2 else "").split("?")[0].split("/")[1:3])
            if all(CLEAN_SEGMENT.match(seg) for seg in segs):  # not a payload in the path
                first.setdefault((r[1] if len(r) > 1 else "", segs), stream)
        forced = sorted(set(first.values()))
    else:
        forced = []
    candidates = forced + [s for s in candidates if s not in set(forced)]
    if args.unique_tuples:
        # A connection on the ports of an earlier one in the sample (the client reused its port)
        # is left out: a sample for regression tests should test one thing; the reuse case
        # belongs in a test of its own.
        ports = {}
        for r, stream in zip(rows, streams):
            ports.setdefault(stream, tuple(r[3:5]))
        seen, unique = set(), []
        for s in sorted(candidates, key=lambda s: (s not in forced, s)):
            if ports.get(s) not in seen:
                seen.add(ports.get(s))
                unique.append(s)
        candidates = unique
    with tempfile.TemporaryDirectory(prefix="cut_sample.") as tmp:
        probe = os.path.join(tmp, "probe.pcap")
        per_stream = {}
        for s in streams:
            per_stream[s] = per_stream.get(s, 0) + 1
        lo, hi, best = 1, len(candidates), 0
        while lo <= hi:  # binary search on the number of connections kept
            mid = (lo + hi) // 2
            fits = (sum(per_stream.get(s, 0) for s in candidates[:mid]) <= args.max_requests and
                    cut(args.src, probe, candidates[:mid]) <= args.max_bytes)
            if fits:
                best, lo = mid, mid + 1
            else:
                hi = mid - 1
        if best == 0:
            sys.exit("cut_sample: even the first connection exceeds the budget")
        keep = candidates[:best]
        size = cut(args.src, args.dst, keep)
    kept = sum(per_stream.get(s, 0) for s in keep)
    print(f"{args.dst}: {len(keep)} connections ({len(forced)} forced) (stride {args.stride}), {kept} requests, {size} bytes")


if __name__ == "__main__":
    main()
