#!/usr/bin/env python3
"""What the abuse detectors (detectors/abuse/abuse_detector.h, default thresholds) would count on
a mirador-gen capture, worked out from the capture itself: an independent check that benign
generator traffic stays under every threshold and that each injected scenario crosses its own.

Counts (whole capture; captures made here span less than every window): requests per identity
and per host+endpoint in any 60 s, distinct objects and the longest run of consecutive ids per
identity+endpoint, 404s per identity, failed logins per identity, client and account, distinct
failed user names per client, client addresses per credential, personal values per response and
per identity, foreign objects read per identity (BOLA).

Usage: gen_abuse_check.py MIRADOR_GEN   (makes its captures in a temporary directory)
       gen_abuse_check.py --pcap FILE   (prints the counts of one capture)"""

import base64
import collections
import gzip
import json
import os
import re
import struct
import subprocess
import sys
import tempfile

# Defaults of AbuseConfig.
RATE_IDENTITY, RATE_ENDPOINT, ENUM_DISTINCT, ENUM_SEQUENTIAL = 1200, 12000, 300, 50
DISCOVERY, BULK_RECORDS, BULK_RECORDS_IDENTITY = 100, 200, 5000
LOGIN_FAILURES, ACCOUNT_FAILURES, STUFFING, TOKEN_CLIENTS, BOLA = 20, 10, 20, 10, 20

# Keys the sensitive-data rules match in generated JSON (detectors/rules/sensitive_data.yaml):
# names by key, e-mail addresses, streets.
PERSONAL = re.compile(rb'"(first_name|last_name|email|street)":"')


def flows(path):
    """{(client, port): [client bytes, server bytes, first ts]} of a plain Ethernet/IPv4 capture
    without loss or reordering (segments are appended in capture order)."""
    out = collections.OrderedDict()
    with open(path, "rb") as f:
        f.read(24)
        while True:
            h = f.read(16)
            if len(h) < 16:
                return out
            sec, usec, cap, _ = struct.unpack("<IIII", h)
            d = f.read(cap)
            if d[12:14] != b"\x08\x00" or d[23] != 6:
                continue
            ip = d[14:]
            ihl = (ip[0] & 15) * 4
            tcp = ip[ihl:]
            payload = tcp[(tcp[12] >> 4) * 4:struct.unpack(">H", ip[2:4])[0] - ihl]
            sport, dport = struct.unpack(">HH", tcp[:4])
            src, dst = ".".join(map(str, ip[12:16])), ".".join(map(str, ip[16:20]))
            from_client = dport == 80
            key = (src, sport) if from_client else (dst, dport)
            entry = out.setdefault(key, [bytearray(), bytearray(), sec + usec / 1e6])
            entry[0 if from_client else 1] += payload


def messages(buf, is_request):
    """(head, body) of each HTTP/1.1 message in `buf` (Content-Length or chunked, gunzipped)."""
    pos = 0
    while pos < len(buf):
        end = buf.index(b"\r\n\r\n", pos)
        head = bytes(buf[pos:end])
        pos = end + 4
        body = b""
        m = re.search(rb"\r\nContent-Length: (\d+)", head)
        if m:
            n = int(m.group(1))
            body, pos = bytes(buf[pos:pos + n]), pos + n
        elif b"Transfer-Encoding: chunked" in head:
            parts = []
            while True:
                eol = buf.index(b"\r\n", pos)
                n = int(buf[pos:eol], 16)
                pos = eol + 2
                parts.append(bytes(buf[pos:pos + n]))
                pos += n + 2
                if n == 0:
                    break
            body = b"".join(parts)
        if b"Content-Encoding: gzip" in head:
            body = gzip.decompress(body)
        yield head, body


def transactions(path):
    for (client, _), (cbuf, sbuf, ts) in flows(path).items():
        for (req, qbody), (resp, rbody) in zip(messages(cbuf, True), messages(sbuf, False)):
            yield client, ts, req, qbody, int(resp.split(b" ")[1]), rbody


def window_max(events, window, distinct=False):
    """Largest sum of weights (or number of distinct items) of one key's (ts, x) events inside
    any `window` seconds."""
    events.sort(key=lambda e: e[0])
    best = j = total = 0
    seen = collections.Counter()
    for ts, x in events:
        if distinct:
            seen[x] += 1
        else:
            total += x
        while ts - events[j][0] >= window:
            if distinct:
                seen[events[j][1]] -= 1
                if not seen[events[j][1]]:
                    del seen[events[j][1]]
            else:
                total -= events[j][1]
            j += 1
        best = max(best, len(seen) if distinct else total)
    return best


def longest_run(numbers):
    best = run = 0
    last = None
    for n in numbers:
        run = run + 1 if last is not None and n == last + 1 else 1
        last = n
        best = max(best, run)
    return best


def label(identity):
    """user-<n> for a JWT, else the identity as is (shortened)."""
    if identity.startswith("jwt:"):
        p = identity.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))["sub"]
    return identity[:40]


def counts(path):
    """Largest value of each detector count over its window, and which key reached it."""
    E = collections.defaultdict(lambda: collections.defaultdict(list))  # metric → key → events
    objects = collections.defaultdict(list)
    first_reader = {}
    max_records = (0, None)
    for client, ts, req, qbody, status, rbody in transactions(path):
        line = req.split(b"\r\n", 1)[0].decode()
        method, target = line.split(" ")[:2]
        host = re.search(rb"\r\nHost: (\S+)", req).group(1).decode()
        auth = re.search(rb"\r\nAuthorization: Bearer (\S+)", req)
        cookie = re.search(rb"\r\nCookie: session=(\w+)", req)
        identity = ("jwt:" + auth.group(1).decode() if auth else
                    "cookie:" + cookie.group(1).decode() if cookie else "ip:" + client)
        for cred in (auth, cookie):
            if cred:
                kind = "jwt:" if cred is auth else "cookie:"
                E["token_clients"][kind + cred.group(1).decode()].append((ts, client))
        path = target.split("?")[0]
        ids = [int(x) for x in re.findall(r"/(\d+)", path)]
        endpoint = host + " " + method + " " + re.sub(r"/\d+", "/{id}", path)
        E["rate_identity"][identity].append((ts, 1))
        E["rate_endpoint"][endpoint].append((ts, 1))
        for n in ids:
            objects[(identity, endpoint)].append(n)
            E["enum_distinct"][(identity, endpoint)].append((ts, n))
        if status in (404, 405):
            E["discovery_misses"][identity].append((ts, 1))
        if path.endswith("/login") and status in (401, 403):
            name = json.loads(qbody)["username"]
            E["login_failures"][identity].append((ts, 1))
            E["login_failures"][client].append((ts, 1))
            E["account_failures"][name].append((ts, 1))
            E["stuffing_usernames"][client].append((ts, name))
        records = len(PERSONAL.findall(rbody)) if 200 <= status < 300 else 0
        E["bulk_records_identity"][identity].append((ts, records))
        if records > max_records[0]:
            max_records = (records, line)
        if records and ids:
            first = first_reader.setdefault((endpoint, ids[-1]), identity)
            if first != identity:
                E["bola_foreign"][identity].append((ts, (endpoint, ids[-1])))
    windows = {"rate_identity": 60, "rate_endpoint": 60, "enum_distinct": 600,
               "discovery_misses": 600, "bulk_records_identity": 600, "login_failures": 600,
               "account_failures": 600, "stuffing_usernames": 600, "token_clients": 3600,
               "bola_foreign": 600}
    distinct = {"enum_distinct", "stuffing_usernames", "token_clients", "bola_foreign"}
    out = {}
    for metric, window in windows.items():
        best = (0, None)
        for key, events in E[metric].items():
            v = window_max(events, window, metric in distinct)
            if v > best[0]:
                where = (label(key[0]) + " " + key[1]) if isinstance(key, tuple) else label(key)
                best = (v, where)
        out[metric] = best
    out["enum_sequential"] = max(((longest_run(v), label(k[0]) + " " + k[1])
                                  for k, v in objects.items()), default=(0, None))
    out["bulk_records"] = max_records
    return out


THRESHOLDS = {
    "rate_identity": RATE_IDENTITY, "rate_endpoint": RATE_ENDPOINT,
    "enum_distinct": ENUM_DISTINCT, "enum_sequential": ENUM_SEQUENTIAL,
    "discovery_misses": DISCOVERY, "bulk_records": BULK_RECORDS,
    "bulk_records_identity": BULK_RECORDS_IDENTITY, "login_failures": LOGIN_FAILURES,
    "account_failures": ACCOUNT_FAILURES, "stuffing_usernames": STUFFING,
    "token_clients": TOKEN_CLIENTS, "bola_foreign": BOLA,
}
# The counts each scenario must push over their threshold.
SCENARIO_COUNTS = {
    "scrape": ["rate_identity", "enum_distinct", "enum_sequential"],
    "bulk_exposure": ["bulk_records"],
    "token_shared": ["token_clients"],
    "brute_force": ["login_failures", "account_failures"],
}


def report(c):
    for k, (v, where) in c.items():
        print("  %-22s %6d / %-6d %s" % (k, v, THRESHOLDS[k], where))


def main():
    if sys.argv[1] == "--pcap":
        report(counts(sys.argv[2]))
        return 0
    gen = sys.argv[1]
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        def make(name, args):
            pcap = os.path.join(tmp, name + ".pcap")
            subprocess.run([gen, "-o", pcap, "--seed", "3"] + args, check=True,
                           capture_output=True, timeout=300)
            return counts(pcap)
        # Benign: the sizes the tests use, and a longer run with few identities.
        for name, args in [("benign_5000", ["--transactions", "5000"]),
                           ("benign_30000", ["--transactions", "30000"]),
                           ("benign_20000_50_ids", ["--transactions", "20000", "--identities", "50"]),
                           ("benign_20000_2000_ids", ["--transactions", "20000", "--clients", "2000",
                                                      "--identities", "5000"])]:
            c = make(name, args)
            print(name)
            report(c)
            over = [k for k, (v, _) in c.items() if v >= THRESHOLDS[k]]
            if over:
                failures.append("%s crosses %s" % (name, over))
        for scenario, keys in SCENARIO_COUNTS.items():
            c = make(scenario, ["--transactions", "2000", "--scenario", scenario])
            print(scenario)
            report(c)
            under = [k for k in keys if c[k][0] < THRESHOLDS[k]]
            if under:
                failures.append("%s stays under %s" % (scenario, under))
    for f in failures:
        print("FAILED:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
