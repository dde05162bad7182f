#!/usr/bin/env python3
"""HTTP transactions as tshark's HTTP dissector reads them: the independent reference.

Reads the PDML output of `tshark -T pdml`, where every HTTP message is its own <proto
name="http"> element (so three pipelined requests in one segment stay three messages, which the
flat `-T fields` output would merge into comma lists). Requests and responses are paired with
`http.request_in` (the frame holding the request a response answers): answers pointing at the same
frame pair with that frame's requests in order; 1xx answers become info codes.

As a program: `tshark_pairs.py CAPTURE [--compare EXPECTED.jsonl]` prints the transactions, or
checks that the (method, uri, status) multiset of an expected file matches them.
"""

import argparse
import collections
import json
import subprocess
import sys
import xml.etree.ElementTree as ET

# Ports that tshark already decodes as HTTP; others seen in a capture are added with -d.
TSHARK_HTTP_PORTS = {80, 3128, 3132, 5985, 8080, 8088, 11371, 1900, 2869, 2710}


def _raw(field):
    """The field's bytes as text: `value` is the hex of the wire bytes, `show` is escaped."""
    value = field.get("value")
    if value is not None and len(value) == 2 * int(field.get("size", "-1")):
        try:
            return bytes.fromhex(value).decode("utf-8", "surrogateescape")
        except ValueError:
            pass
    return field.get("show")


def server_ports(capture):
    """Destination ports of the capture's client SYNs: where to decode HTTP."""
    out = subprocess.run(
        ["tshark", "-r", capture, "-Y", "tcp.flags.syn==1 && tcp.flags.ack==0",
         "-T", "fields", "-e", "tcp.dstport"],
        capture_output=True, text=True, check=False)
    return {int(p) for p in out.stdout.split() if p.isdigit()}


def frame_times(capture):
    """frame number -> capture time (epoch seconds, as a string to keep every digit)."""
    out = subprocess.run(["tshark", "-r", capture, "-T", "fields", "-e", "frame.number",
                          "-e", "frame.time_epoch"], capture_output=True, text=True, check=False)
    times = {}
    for line in out.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) == 2 and parts[0].isdigit():
            times[int(parts[0])] = parts[1]
    return times


def tshark_messages(capture, extra_ports=()):
    """Every HTTP message tshark sees, in capture order, as a dict."""
    ports = (server_ports(capture) | set(extra_ports)) - TSHARK_HTTP_PORTS
    cmd = ["tshark", "-r", capture, "-T", "pdml", "-Y", "http",
           "-o", "tcp.desegment_tcp_streams:TRUE",
           "-o", "http.desegment_headers:TRUE",
           "-o", "http.desegment_body:TRUE",
           "-o", "tcp.check_checksum:FALSE"]
    for port in sorted(ports):
        cmd += ["-d", "tcp.port==%d,http" % port]
    proc = subprocess.run(cmd, capture_output=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError("tshark failed on %s: %s" % (capture, proc.stderr.decode(errors="replace")))
    root = ET.fromstring(proc.stdout)
    messages = []
    for packet in root.iter("packet"):
        frame = stream = None
        src = dst = None
        sport = dport = 0
        segments = []  # frames a reassembled first message was gathered from
        in_packet = 0
        for proto in packet.findall("proto"):
            name = proto.get("name")
            if name == "frame":
                for f in proto.iter("field"):
                    if f.get("name") == "frame.number":
                        frame = int(f.get("show"))
            elif name in ("ip", "ipv6"):
                addrs = {f.get("name"): f.get("show") for f in proto.iter("field")}
                src = addrs.get("ip.src") or addrs.get("ipv6.src")
                dst = addrs.get("ip.dst") or addrs.get("ipv6.dst")
            elif name == "tcp":
                fields = {f.get("name"): f.get("show") for f in proto.iter("field")}
                stream = int(fields.get("tcp.stream", "-1"))
                sport, dport = fields.get("tcp.srcport"), fields.get("tcp.dstport")
            elif name == "fake-field-wrapper":
                segments = [int(f.get("show")) for f in proto.iter("field")
                            if f.get("name") == "tcp.segment"]
            elif name == "http":
                # The message's first byte: the first reassembled segment for the packet's first
                # message, else this frame (good enough for the small captures it is used on).
                first = min(segments) if segments and in_packet == 0 else frame
                in_packet += 1
                msg = {"frame": frame, "first_frame": first, "stream": stream, "src": src,
                       "dst": dst, "sport": int(sport or 0), "dport": int(dport or 0)}
                for f in proto.iter("field"):
                    fname = f.get("name")
                    if fname == "http.request.method":
                        msg["method"] = _raw(f)
                    elif fname == "http.request.uri":
                        msg["uri"] = _raw(f)
                    elif fname == "http.request.version":
                        msg["version"] = f.get("show")
                    elif fname == "http.host" and "host" not in msg:
                        msg["host"] = f.get("show")
                    elif fname == "http.user_agent" and "user_agent" not in msg:
                        msg["user_agent"] = f.get("show")
                    elif fname == "http.response.code":
                        msg["status"] = int(f.get("show"))
                    elif fname == "http.response.version":
                        msg["resp_version"] = f.get("show")
                    elif fname == "http.request_in":
                        msg["request_in"] = int(f.get("show"))
                if "method" in msg or "status" in msg:
                    messages.append(msg)
    return messages


def tshark_transactions(capture, extra_ports=()):
    """Requests paired with their final answer: dicts with method, host, uri, status..."""
    messages = tshark_messages(capture, extra_ports)
    requests_by_frame = collections.defaultdict(list)
    transactions = []
    for msg in messages:
        if "method" in msg:
            txn = {k: msg[k] for k in ("method", "uri", "host", "version", "user_agent")
                   if k in msg}
            txn.update(src_ip=msg["src"], src_port=msg["sport"], dst_ip=msg["dst"],
                       dst_port=msg["dport"], stream=msg["stream"], info_codes=[],
                       first_frame=msg["first_frame"])
            requests_by_frame[msg["frame"]].append(txn)
            transactions.append(txn)
    unpaired = []
    for msg in messages:
        if "status" not in msg or "method" in msg:
            continue
        candidates = requests_by_frame.get(msg.get("request_in"), [])
        target = next((t for t in candidates if "status" not in t), None)
        if target is None and "request_in" not in msg:
            # tshark leaves request_in unset on some answers (e.g. a 100 Continue sent before the
            # request body ends): take the stream's oldest request still waiting for its answer.
            target = next((t for t in transactions
                           if t["stream"] == msg["stream"] and "status" not in t), None)
        if target is None:
            unpaired.append(msg)
            continue
        if 100 <= msg["status"] < 200 and msg["status"] != 101:
            target["info_codes"].append(msg["status"])
        else:
            target["status"] = msg["status"]
    return transactions, unpaired


def key(txn):
    return (txn.get("method"), txn.get("uri"), txn.get("status"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("capture")
    ap.add_argument("--compare", help="expected .jsonl: its (method, uri, status) must match")
    args = ap.parse_args()
    txns, unpaired = tshark_transactions(args.capture)
    if not args.compare:
        for t in txns:
            print(json.dumps(t))
        for m in unpaired:
            print("unpaired answer:", json.dumps(m))
        return 0
    with open(args.compare) as f:
        expected = [json.loads(line) for line in f if line.strip()]
    want = collections.Counter(key(e) for e in expected)
    got = collections.Counter(key(t) for t in txns)
    name = args.capture.rsplit("/", 1)[-1]
    if want == got:
        print("tshark agrees: %-36s %d transaction(s)" % (name, len(txns)))
        return 0
    print("tshark DISAGREES on %s" % name)
    for k in sorted((want - got).keys(), key=str):
        print("  expected, tshark lacks:", k)
    for k in sorted((got - want).keys(), key=str):
        print("  tshark has, not expected:", k)
    return 1


if __name__ == "__main__":
    sys.exit(main())
