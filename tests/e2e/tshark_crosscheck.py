#!/usr/bin/env python3
"""For every capture under tests/data (ours and the Zeek corpus), the multiset of
(method, host, uri, status) that Mirador reports must equal what tshark's HTTP dissector reads.

tshark's side comes from tshark_pairs.py: each HTTP message from the PDML output, requests paired
with answers by `http.request_in`, 1xx answers folded into their request, and an answer tshark
pairs with no request counted as (None, None, None, status). HTTP is decoded on every port a
client SYN went to, on the ports Mirador reported and, for the Zeek cases, on the server ports of
Zeek's log. Every record must also meet the general output contract (mirador_run.py).

Usage: tshark_crosscheck.py MIRADOR [CAPTURE_SUBSTRING...]
"""

import collections
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mirador_run  # noqa: E402
import tshark_pairs  # noqa: E402
import zeek_log  # noqa: E402

# Captures where tshark itself reads the traffic differently from a careful HTTP/1 parser (found
# by comparing tshark with Zeek's baseline logs, before and independently of Mirador). Their
# differences are printed but do not fail the test.
TSHARK_READS_DIFFERENTLY = {
    "zeek-http/concurrent-range-requests":
        "tshark dissects no answer for one of the three concurrent range requests (its 206 is in "
        "the stream; Zeek logs 206 for all three)",
    "zeek-http/http-09":
        "HTTP/0.9: the answer has no status line; tshark shows no answer, Zeek logs status 0",
    "zeek-http/http-09-content-length-confusion":
        "HTTP/0.9 request after an HTTP/1.1 exchange; tshark pairs the 200 with the 0.9 request",
    "zeek-http/no-version":
        "HTTP/0.9 request (no version): tshark does not dissect the request/answer pair",
    "zeek-http/http-11-request-then-cruft":
        "non-HTTP bytes after a request; tshark shows the server's 400 as an answer without a "
        "request, Zeek logs nothing for it",
    "zeek-http/http-connect":
        "request line 'CONNECT host:25 / HTTP/1.0' has three tokens before the version; tshark "
        "keeps only the first as the URI",
    "zeek-http/http-lower-case":
        "lower-case status line 'http/1.1 200 ok': tshark does not dissect it as an answer",
    "zeek-http/http-methods":
        "malformed request lines (missing URI, bare LF, 'GET /HTTP/1.1'); tshark splits and "
        "pairs them differently from Zeek",
    "zeek-http/inner-transfer-encoding-ossfuzz":
        "fuzzer-made garbage as the request line; tshark does not see an HTTP request",
    "zeek-http/no-uri":
        "request line 'GET HTTP/1.1' without a URI: tshark takes 'HTTP/1.1' as the URI",
    "zeek-http/query-method":
        "QUERY method (draft-ietf-httpbis-safe-method-w-body): tshark 4.0 does not know it and "
        "dissects only the answer",
    "zeek-http/query-method-non-standard-port":
        "QUERY method, as query-method, on a non-standard port",
}


def captures(root):
    found = []
    for dirpath, dirs, files in os.walk(root):
        # HTTP/2, gRPC and TLS captures have their own cross-check (h2_crosscheck.py); the
        # evasion captures are ambiguous on purpose (evasion_suite.py).
        dirs[:] = [d for d in dirs if not (dirpath == root and d in ("h2", "tls", "evasion"))]
        for f in files:
            if f.endswith((".pcap", ".pcapng")):
                found.append(os.path.join(dirpath, f))
    return sorted(found)


def case_name(root, capture):
    rel = os.path.relpath(capture, root)
    # Zeek cases are named by folder; our captures by file name without extension.
    return os.path.dirname(rel) if rel.startswith("zeek-http" + os.sep) else rel.rsplit(".", 1)[0]


def norm(value):
    return None if value in ("", None) else value


def tuple_of(rec):
    return (norm(rec.get("method")), norm(rec.get("host")), norm(rec.get("uri")),
            rec.get("status"))


def zeek_ports(capture):
    log = os.path.join(os.path.dirname(capture), "http.log")
    if not os.path.exists(log):
        return set()
    _, rows = zeek_log.read_http_log(log)
    return {r["id.resp_p"] for r in rows if r.get("id.resp_p")}


def check(sensor, capture):
    """(problems, diff lines): problems fail the test whatever the table says."""
    try:
        records = mirador_run.run_sensor(sensor, capture)
    except mirador_run.SensorError as exc:
        return [str(exc)], []
    problems = []
    for rec in records:
        problems += ["contract: %s %s: %s" % (rec.get("method"), rec.get("uri"), e)
                     for e in mirador_run.contract_errors(rec)]
    ports = {r["dst_port"] for r in records if isinstance(r.get("dst_port"), int)}
    ports |= zeek_ports(capture)
    txns, unpaired = tshark_pairs.tshark_transactions(capture, ports)
    theirs = collections.Counter(tuple_of(t) for t in txns)
    theirs.update((None, None, None, m["status"]) for m in unpaired)
    ours = collections.Counter(tuple_of(r) for r in records)
    diffs = []
    for t in sorted((theirs - ours).elements(), key=str):
        diffs.append("tshark has, Mirador lacks: %r" % (t,))
    for t in sorted((ours - theirs).elements(), key=str):
        diffs.append("Mirador has, tshark lacks: %r" % (t,))
    return problems, diffs


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    mirador_run.require_tools("tshark")
    sensor, only = sys.argv[1], sys.argv[2:]
    root = mirador_run.data_dir()
    caps = [c for c in captures(root) if not only or any(o in c for o in only)]
    failed = known = 0
    for capture in caps:
        name = case_name(root, capture)
        problems, diffs = check(sensor, capture)
        reason = TSHARK_READS_DIFFERENTLY.get(name)
        if problems or (diffs and not reason):
            failed += 1
            print("FAIL  %s" % name)
        elif reason:
            known += 1
            print("known %s: %s%s" % (name, reason,
                                      "" if diffs else " (Mirador reads it as tshark does)"))
        else:
            print("ok    %s" % name)
        for line in problems + diffs:
            print("        " + line)
    print("%d captures: %d agree, %d where tshark reads differently, %d FAILED" % (
        len(caps), len(caps) - failed - known, known, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
