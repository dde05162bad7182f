#!/usr/bin/env python3
"""Checks mirador-gen --http2 captures with tshark and with its own frame walk (stdlib only).

usage: h2_check.py MIRADOR_GEN

For a few hundred transactions (default streams per batch, then --h2-streams 3 with gzip and
"chunked" bodies): (1) tshark (port 80 decoded as HTTP/2, two passes) finds no bad checksum,
malformed frame or expert warning; (2) tshark's :path and :method values of the request
HEADERS and :status of the response HEADERS equal the --summary-json ground truth; (3) the
streams reassembled here hold the client preface, frames of at most 16384 bytes, odd stream
ids, one END_STREAM per stream and direction, response bodies that are JSON (gunzipped when
gzip), and streams that really interleave (a DATA frame of one stream between two of another);
(4) the same options give the same bytes. Exit 0 = pass, 1 = fail, 77 = skipped (no tshark).
"""
import collections
import gzip
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

TRANSACTIONS = 300
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def tshark(pcap, *args):
    out = subprocess.run(["tshark", "-2", "-n", "-r", pcap, "-d", "tcp.port==80,http2", *args],
                         check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return [line for line in out.stdout.splitlines() if line.strip()]


def field_counts(pcap, field):
    counts = collections.Counter()
    for line in tshark(pcap, "-Y", "http2.type == 1", "-T", "fields", "-e", field,
                       "-E", "occurrence=a", "-E", "aggregator=|"):
        for value in line.split("|"):
            if value:
                counts[value] += 1
    return counts


def tcp_streams(pcap):
    """Payload per (client, port) and direction, in sequence order (plain Ethernet, no loss)."""
    with open(pcap, "rb") as f:
        data = f.read()
    assert struct.unpack_from("<I", data, 0)[0] == 0xA1B2C3D4, "not a little-endian usec pcap"
    segs = collections.defaultdict(dict)
    off = 24
    while off < len(data):
        caplen = struct.unpack_from("<I", data, off + 8)[0]
        frame = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        ip = frame[14:]
        if struct.unpack_from("!H", frame, 12)[0] != 0x0800 or ip[9] != 6:
            continue
        ihl = (ip[0] & 15) * 4
        tcp = ip[ihl:struct.unpack_from("!H", ip, 2)[0]]
        sport, dport, seq = struct.unpack_from("!HHI", tcp, 0)
        payload = tcp[(tcp[12] >> 4) * 4:]
        if not payload:
            continue
        if sport == 80:
            segs[(ip[16:20], dport, "server")][seq] = payload
        else:
            segs[(ip[12:16], sport, "client")][seq] = payload
    out = {}
    for key, parts in segs.items():
        base = next(iter(parts))
        out[key] = b"".join(parts[s] for s in sorted(parts, key=lambda s: (s - base) % 2**32))
    return out


def walk(buf, side, problems):
    """Walks one direction's frames; returns (response bodies, interleaved?)."""
    i = 0
    if side == "client":
        if not buf.startswith(PREFACE):
            problems.append("client stream without the preface")
            return [], False
        i = len(PREFACE)
    bodies = collections.defaultdict(bytes)
    ended = set()
    open_streams = set()
    interleaved = False
    last_data_stream = None
    while i < len(buf):
        if i + 9 > len(buf):
            problems.append(f"{side}: truncated frame header")
            break
        length = int.from_bytes(buf[i:i + 3], "big")
        ftype, flags = buf[i + 3], buf[i + 4]
        stream = int.from_bytes(buf[i + 5:i + 9], "big") & 0x7FFFFFFF
        payload = buf[i + 9:i + 9 + length]
        i += 9 + length
        if length > 16384:
            problems.append(f"{side}: frame of {length} bytes")
        if ftype in (0, 1):
            if stream % 2 != 1:
                problems.append(f"{side}: stream id {stream}")
            if stream in ended:
                problems.append(f"{side}: frame on stream {stream} after END_STREAM")
            open_streams.add(stream)
            if ftype == 0:
                bodies[stream] += payload
                if last_data_stream not in (None, stream) and last_data_stream in open_streams:
                    interleaved = True
                last_data_stream = stream
            if flags & 1:
                ended.add(stream)
                open_streams.discard(stream)
        elif stream != 0:
            problems.append(f"{side}: frame type {ftype} on stream {stream}")
    if open_streams:
        problems.append(f"{side}: streams never ended: {sorted(open_streams)}")
    return [bodies[s] for s in sorted(bodies)], interleaved


def check(gen, tmp, name, extra):
    problems = []
    pcap = os.path.join(tmp, name + ".pcap")
    summary_path = os.path.join(tmp, name + ".json")
    args = [gen, "-o", pcap, "--seed", "11", "--transactions", str(TRANSACTIONS), "--http2",
            *extra]
    subprocess.run([*args, "--summary-json", summary_path], check=True)
    with open(summary_path) as f:
        summary = json.load(f)

    bad = tshark(pcap, "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE", "-Y",
                 "tcp.checksum.status == 2 || ip.checksum.status == 2 || _ws.malformed || "
                 "_ws.expert.severity >= warning")
    if bad:
        problems.append(f"{len(bad)} frames with complaints, first: {bad[:3]}")
    paths = field_counts(pcap, "http2.headers.path")
    if sum(paths.values()) != summary["requests"]:
        problems.append(f"tshark found {sum(paths.values())} :path, summary {summary['requests']}")
    methods = field_counts(pcap, "http2.headers.method")
    expected = {m: n for m, n in summary["methods"].items() if n}
    if dict(methods) != expected:
        problems.append(f"tshark methods {dict(methods)} != summary {expected}")
    statuses = field_counts(pcap, "http2.headers.status")
    expected = {c: n for c, n in summary["statuses"].items() if n}
    if dict(statuses) != expected:
        problems.append(f"tshark statuses {dict(statuses)} != summary {expected}")

    interleaved = 0
    bodies = 0
    for (_, _, side), buf in tcp_streams(pcap).items():
        found, mixed = walk(buf, side, problems)
        interleaved += mixed
        if side == "server":
            for body in found:
                if body[:2] == b"\x1f\x8b":
                    body = gzip.decompress(body)
                try:
                    json.loads(body)
                    bodies += 1
                except ValueError:
                    problems.append(f"a response body is not JSON: {body[:60]!r}")
    with_body = summary["requests"] - summary["statuses"].get("204", 0)
    if bodies != with_body:
        problems.append(f"{bodies} response bodies, expected {with_body} (all but the 204s)")
    if interleaved == 0:
        problems.append("no connection interleaves its streams")

    again = os.path.join(tmp, name + "-again.pcap")
    subprocess.run([*args[:2], again, *args[3:]], check=True)
    digest = [hashlib.sha256(open(p, "rb").read()).hexdigest() for p in (pcap, again)]
    if digest[0] != digest[1]:
        problems.append("the same options gave different bytes")
    for p in problems:
        print(f"FAIL {name}: {p}")
    if not problems:
        print(f"{name}: {summary['requests']} requests, tshark agrees, {bodies} JSON bodies, "
              f"{interleaved} interleaving directions")
    return not problems


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    if shutil.which("tshark") is None:
        print("tshark not found: skipped")
        return 77
    with tempfile.TemporaryDirectory(prefix="mirador-gen-h2-") as tmp:
        ok = check(sys.argv[1], tmp, "h2", [])
        ok &= check(sys.argv[1], tmp, "h2_mixed",
                    ["--h2-streams", "3", "--requests-per-conn", "12", "--chunked-ratio", "0.5",
                     "--gzip-ratio", "0.5", "--scenario", "bulk_exposure"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
