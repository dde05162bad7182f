#!/usr/bin/env python3
"""Checks a mirador-gen capture with tshark (Python 3 stdlib only).

usage: tshark_check.py MIRADOR_GEN VARIANT

Generates a few hundred transactions in VARIANT (plain, vlan, erspan, vxlan, pipeline), then
asks tshark for (1) every frame with a bad IP/TCP checksum, a malformed packet or an expert
warning/error: there must be none; (2) every HTTP request method and response code: the counts
must equal the generator's --summary-json ground truth; (3) the encapsulation actually present.
Independently of tshark, it reassembles every server stream itself and walks the responses by
their framing (Content-Length / chunked, gunzipping gzip bodies): the status counts must equal
the summary too.

tshark 4.0 mishandles responses of pipelined batches that start in the middle of a segment and
span later ones (it misses some, and flags some chunked ones "Malformed" although the bytes are
valid: the stdlib reassembly parses them). For "pipeline", tshark's response counts and HTTP
"Malformed" flags are therefore not held against the capture; checksums, TCP analysis, request
counts and the stdlib reassembly of every response still are.
Exit status 0 = pass, 1 = fail, 77 = skipped (no tshark).
"""
import collections
import gzip
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

VARIANTS = {
    "plain": ([], None),
    "vlan": (["--vlan", "100"], "vlan.id == 100"),
    "erspan": (["--erspan", "42"], "erspan.spanid == 42"),
    "vxlan": (["--vxlan", "5001"], "vxlan.vni == 5001"),
    "pipeline": (["--pipeline", "4", "--chunked-ratio", "0.5", "--gzip-ratio", "0.5"], None),
}
TRANSACTIONS = 300


def tshark(pcap, *args):
    # -2: two passes, so pipelined messages are not counted twice.
    out = subprocess.run(["tshark", "-2", "-n", "-r", pcap, *args], check=True,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return [line for line in out.stdout.splitlines() if line.strip()]


def count_fields(lines):
    counts = collections.Counter()
    for line in lines:
        for value in line.split(","):  # pipelined messages share a frame
            if value:
                counts[value] += 1
    return counts


def inner_ipv4(frame):
    """Returns the innermost IPv4 packet of a frame, through VLAN, ERSPAN II and VXLAN."""
    eth = frame
    while True:
        etype = struct.unpack_from("!H", eth, 12)[0]
        l3 = eth[14:]
        if etype == 0x8100:
            etype = struct.unpack_from("!H", eth, 16)[0]
            l3 = eth[18:]
        assert etype == 0x0800, f"unexpected ethertype {etype:#x}"
        ihl = (l3[0] & 15) * 4
        if l3[9] == 47:  # GRE with sequence number + ERSPAN II header
            eth = l3[ihl + 16:]
        elif l3[9] == 17 and struct.unpack_from("!H", l3, ihl + 2)[0] == 4789:
            eth = l3[ihl + 16:]
        else:
            return l3


def response_statuses(pcap, server_port=80):
    """Reassembles server->client TCP payload per connection and parses the HTTP responses."""
    with open(pcap, "rb") as f:
        data = f.read()
    assert struct.unpack_from("<I", data, 0)[0] == 0xA1B2C3D4, "not a little-endian usec pcap"
    streams = collections.defaultdict(dict)
    off = 24
    while off < len(data):
        caplen = struct.unpack_from("<I", data, off + 8)[0]
        ip = inner_ipv4(data[off + 16:off + 16 + caplen])
        off += 16 + caplen
        if ip[9] != 6:
            continue
        ihl = (ip[0] & 15) * 4
        total = struct.unpack_from("!H", ip, 2)[0]
        tcp = ip[ihl:total]
        sport, dport, seq = struct.unpack_from("!HHI", tcp, 0)
        payload = tcp[(tcp[12] >> 4) * 4:]
        if payload and sport == server_port:
            streams[(ip[12:16], ip[16:20], dport)][seq] = payload
    codes = collections.Counter()
    for segs in streams.values():
        base = next(iter(segs))  # first segment in capture order (no loss/reorder here)
        buf = b"".join(segs[s] for s in sorted(segs, key=lambda s: (s - base) % 2**32))
        i = 0
        while i < len(buf):
            end = buf.index(b"\r\n\r\n", i)
            head = buf[i:end].decode("ascii")
            i = end + 4
            codes[head.split(" ", 2)[1]] += 1
            body = b""
            length = re.search(r"\r\nContent-Length: (\d+)", head)
            if length:
                body = buf[i:i + int(length.group(1))]
                i += int(length.group(1))
            elif "Transfer-Encoding: chunked" in head:
                while True:
                    eol = buf.index(b"\r\n", i)
                    n = int(buf[i:eol], 16)
                    body += buf[eol + 2:eol + 2 + n]
                    assert buf[eol + 2 + n:eol + 4 + n] == b"\r\n", "bad chunk end"
                    i = eol + 4 + n
                    if n == 0:
                        break
            if "Content-Encoding: gzip" in head:
                body = gzip.decompress(body)
            if body:
                json.loads(body)  # raises if the generator framed or encoded a body wrongly
    return codes


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in VARIANTS:
        print(__doc__, file=sys.stderr)
        return 2
    gen, variant = sys.argv[1], sys.argv[2]
    if shutil.which("tshark") is None:
        print("tshark not found: skipped")
        return 77
    extra, encap_filter = VARIANTS[variant]
    failures = []
    with tempfile.TemporaryDirectory(prefix="mirador-gen-") as tmp:
        pcap = os.path.join(tmp, variant + ".pcap")
        summary_path = os.path.join(tmp, variant + ".json")
        subprocess.run([gen, "-o", pcap, "--seed", "7", "--transactions", str(TRANSACTIONS),
                        "--summary-json", summary_path, *extra], check=True)
        with open(summary_path) as f:
            summary = json.load(f)
        if summary["transactions"] != TRANSACTIONS:
            failures.append(f"summary says {summary['transactions']} transactions")

        complaint = ("tcp.checksum.status == 2 || ip.checksum.status == 2 || _ws.malformed || "
                     "_ws.expert.severity >= warning")
        if variant == "pipeline":
            complaint = ("tcp.checksum.status == 2 || ip.checksum.status == 2 || "
                         "((_ws.malformed || _ws.expert.severity >= warning) && !http)")
        bad = tshark(pcap, "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
                     "-Y", complaint)
        if bad:
            failures.append(f"{len(bad)} frames with complaints, first: {bad[:3]}")

        methods = count_fields(tshark(pcap, "-Y", "http.request", "-T", "fields", "-e",
                                      "http.request.method", "-E", "occurrence=a",
                                      "-E", "aggregator=,"))
        expected = {m: n for m, n in summary["methods"].items() if n}
        if dict(methods) != expected:
            failures.append(f"tshark methods {dict(methods)} != summary {expected}")

        codes = count_fields(tshark(pcap, "-Y", "http.response", "-T", "fields", "-e",
                                    "http.response.code", "-E", "occurrence=a",
                                    "-E", "aggregator=,"))
        expected_codes = {c: n for c, n in summary["statuses"].items() if n}
        if variant == "pipeline":
            if sum(codes.values()) > TRANSACTIONS:
                failures.append(f"tshark found too many responses: {dict(codes)}")
        elif dict(codes) != expected_codes:
            failures.append(f"tshark status codes {dict(codes)} != summary {expected_codes}")

        own = response_statuses(pcap)
        if dict(own) != expected_codes:
            failures.append(f"reassembled status codes {dict(own)} != summary {expected_codes}")

        if encap_filter:
            tagged = len(tshark(pcap, "-Y", encap_filter))
            if tagged != summary["packets"]:
                failures.append(f"'{encap_filter}' matched {tagged} of {summary['packets']} frames")

    for f in failures:
        print("FAIL:", f)
    if not failures:
        print(f"{variant}: {TRANSACTIONS} transactions, tshark agrees, no complaints")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
