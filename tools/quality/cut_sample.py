#!/usr/bin/env python3
"""Cuts the first whole TCP connections of a capture into a smaller one under a byte budget.

Keeps every packet of connections 0..K (tshark's tcp.stream numbers, in order of first packet)
for the largest K whose output stays within --max-bytes, so no request or response is cut in
half. Used to make the committed samples in tests/data/quality/ from a full detection-quality run.

Usage: cut_sample.py IN.pcap OUT.pcap [--max-bytes 800000] [--max-requests N]
Prints the connections, requests and bytes kept.
"""
import argparse
import os
import subprocess
import sys
import tempfile

TIMEOUT_S = 600


def tshark(*args):
    return subprocess.run(["tshark", "-n", *args], capture_output=True, check=True,
                          timeout=TIMEOUT_S).stdout.decode()


def cut(src, dst, last_stream):
    tshark("-r", src, "-Y", f"tcp.stream <= {last_stream}", "-w", dst, "-F", "pcap")
    return os.path.getsize(dst)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--max-bytes", type=int, default=800000)
    ap.add_argument("--max-requests", type=int, default=1500)
    args = ap.parse_args()

    # The stream of each request, in order: keeping streams 0..K keeps the first requests.
    streams = [int(s) for s in tshark("-r", args.src, "-Y", "http.request", "-T", "fields",
                                      "-e", "tcp.stream").split()]
    if not streams:
        sys.exit("cut_sample: no HTTP requests in " + args.src)
    candidates = sorted(set(streams[:args.max_requests]))
    with tempfile.TemporaryDirectory(prefix="cut_sample.") as tmp:
        probe = os.path.join(tmp, "probe.pcap")
        lo, hi, best = 0, len(candidates) - 1, -1
        while lo <= hi:  # binary search on the number of connections kept
            mid = (lo + hi) // 2
            if cut(args.src, probe, candidates[mid]) <= args.max_bytes:
                best, lo = mid, mid + 1
            else:
                hi = mid - 1
        if best < 0:
            sys.exit("cut_sample: even the first connection exceeds --max-bytes")
        size = cut(args.src, args.dst, candidates[best])
    kept = sum(1 for s in streams if s <= candidates[best])
    print(f"{args.dst}: connections 0..{candidates[best]}, {kept} requests, {size} bytes")


if __name__ == "__main__":
    main()
