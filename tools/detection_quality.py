#!/usr/bin/env python3
"""Scores the sensor's attack findings on real tools' traffic (issue 4, must-show 2).

Inputs, per tool: a capture made by tools/detection_quality.sh (sqlmap.pcap, wfuzz.pcap,
benign.pcap) or an existing JSON-lines file of the sensor's events for it (*.jsonl). For a
capture, the sensor is run as `mirador -r CAP -w WORK/NAME.jsonl --no-progress
--set output.mask_sensitive=false` (the URI whole), and every request is read from the capture
with tshark (method, URI, User-Agent, Referer, Cookie, Content-Type, body), because the http
event carries no parameters or bodies. Given an events file instead, the requests are the http
events themselves and their parameters come from the URI alone (no bodies, no cookies).

Join. A request is keyed by its connection's Community ID v1 (computed here from the 5-tuple, as
the sensor does) and its position on the connection (1, 2, ...), which is the http event's
http.flow.community_id + http.trans_depth and the finding's finding.flow.community_id +
finding.trans_depth. When a key repeats (a client port reused later in the capture) the event
nearest in time is taken. A request is FLAGGED when at least one finding joined to it has an
attack risk_class: any class except "sensitive_data" and "broken_authentication" (data
findings are about exposure and authentication-hygiene findings about how the API is built, not
attacks: neither counts), from a signature (abuse.* and inventory.* findings are behaviour and
inventory facts, scored by their own tests: tests/e2e/abuse_scenarios.py). proto3 JSON omits defaults: a missing field is 0 / "" / [].

Labelling.
- sqlmap request: its User-Agent starts with "sqlmap/" (sqlmap's default; the harness keeps it).
- Its parameters: every query and form field, JSON leaf (by path), cookie, path segment, and the
  User-Agent and Referer headers (sqlmap injects into those from --level 3), percent-decoded.
- Baseline: sqlmap's first request to an endpoint (method + first two path segments) is its
  "testing connection" request, sent with the original values; those are the baseline values. A
  request whose first two path segments carry a payload (a URI injection point, e.g.
  /api/profile%20AND%201=1 or /api/(CASE WHEN ...)) is compared with the most recent endpoint of
  the same method and the same clean leading segments, sqlmap testing one target at a time.
- INJECTION request: at least one parameter whose value is not its baseline value and is not a
  stability/dynamicity token. sqlmap replaces a value with a random integer (e.g. "5424", "-6093")
  to test whether the parameter is dynamic, and with random letters (e.g. "qkvjb") when comparing
  pages; every payload it injects contains whitespace or punctuation (quotes, parentheses,
  operators, comments) — so a value that is a plain number (optionally signed, decimal) or
  consists only of letters and digits is NOT an injection. Everything else that changed is.
  (A new parameter that sqlmap adds, e.g. its WAF probe "NziY=5424 AND 1=1 UNION ALL SELECT ...",
  is a change from the baseline and is judged by the same rule.)
- wfuzz request: User-Agent starts with "Wfuzz/"; it belongs to the wordlist (Injections/SQL,
  XSS, Traversal, XML, bad_chars, All_attack, looked up in that order) one of whose lines equals
  one of its decoded parameter values or path tails (a payload with "/" spans path segments).
  Requests with no wordlist value are counted apart.
- benign request: every request in the benign capture.

Output: per tool the requests, injection requests, flagged ones and the percentage, the top
unflagged payloads (to tune rules), per wordlist and risk class the flag counts for wfuzz, and for
benign every flagged request with its rule ids. --check exits 1 unless at least 95% of sqlmap's
injection requests and at most 0.1% of benign requests are flagged. --json FILE writes the figures.

Usage: detection_quality.py [--mirador BIN] [--sqlmap CAP|JSONL] [--wfuzz CAP|JSONL]
                            [--benign CAP|JSONL] [--work DIR] [--check] [--json FILE]
"""
import argparse
import base64
import collections
import datetime
import hashlib
import ipaddress
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse

SQLMAP_MIN_PCT = 95.0
BENIGN_MAX_PCT = 0.1
WORDLIST_DIR = "/usr/share/wfuzz/wordlist/Injections"
WORDLISTS = ["SQL", "XSS", "Traversal", "XML", "bad_chars", "All_attack"]
NOT_ATTACK_CLASSES = {"", "sensitive_data", "broken_authentication"}
PLAIN_TOKEN = re.compile(r"^(?:[+-]?\d+(?:\.\d+)?|[A-Za-z0-9]+)$")
CLEAN_SEGMENT = re.compile(r"^[A-Za-z0-9._~-]*$")  # a path segment with no payload in it
SENSOR_TIMEOUT_S = 1800
TSHARK_TIMEOUT_S = 1800


# ----------------------------------------------------------------------------------------------
# Community ID v1 (https://github.com/corelight/community-id-spec), TCP, seed 0.

def community_id(src_ip, src_port, dst_ip, dst_port, proto=6, seed=0):
    a, b = ipaddress.ip_address(src_ip).packed, ipaddress.ip_address(dst_ip).packed
    pa, pb = int(src_port), int(dst_port)
    if (a, pa) > (b, pb):
        a, b, pa, pb = b, a, pb, pa
    data = (seed.to_bytes(2, "big") + a + b + bytes([proto, 0]) + pa.to_bytes(2, "big") +
            pb.to_bytes(2, "big"))
    return "1:" + base64.b64encode(hashlib.sha1(data).digest()).decode()


def parse_time(text):
    """RFC 3339 (as the sensor writes it, Z or offset, any fraction) -> epoch seconds."""
    if not text:
        return 0.0
    m = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$", text)
    if not m:
        return 0.0
    base = datetime.datetime.fromisoformat(m.group(1) + ("+00:00" if m.group(3) == "Z" else m.group(3)))
    frac = float("0." + m.group(2)) if m.group(2) else 0.0
    return base.timestamp() + frac


# ----------------------------------------------------------------------------------------------
# Requests: what was sent, with its parameters.

class Request:
    __slots__ = ("key", "time", "method", "uri", "user_agent", "referer", "cookie", "content_type",
                 "body", "findings", "seen_by_sensor")

    def __init__(self, key, time, method, uri, user_agent="", referer="", cookie="", content_type="",
                 body=""):
        self.key, self.time, self.method, self.uri = key, time, method, uri
        self.user_agent, self.referer, self.cookie = user_agent, referer, cookie
        self.content_type, self.body = content_type, body
        self.findings = []
        self.seen_by_sensor = False

    def path(self):
        return self.uri.split("?", 1)[0]

    def segments(self):
        return [urllib.parse.unquote(seg, errors="replace") for seg in self.path().split("/")[1:]]

    def params(self):
        """(location, name, decoded value) for every parameter the request carries."""
        out = []
        path, _, query = self.uri.partition("?")
        for i, seg in enumerate(path.split("/")[1:]):
            out.append(("path", str(i), urllib.parse.unquote(seg, errors="replace")))
        for name, value in urllib.parse.parse_qsl(query, keep_blank_values=True, errors="replace"):
            out.append(("query", name, value))
        ctype = self.content_type.lower()
        if self.body:
            if "json" in ctype or self.body.lstrip().startswith(("{", "[")):
                try:
                    walk_json(json.loads(self.body), "$", out)
                except ValueError:
                    out.append(("body", "", self.body))
            elif "x-www-form-urlencoded" in ctype or ("=" in self.body and "\n" not in self.body):
                for name, value in urllib.parse.parse_qsl(self.body, keep_blank_values=True,
                                                          errors="replace"):
                    out.append(("form", name, value))
            else:
                out.append(("body", "", self.body))
        for part in self.cookie.split(";"):
            if part.strip():
                name, _, value = part.strip().partition("=")
                out.append(("cookie", name, urllib.parse.unquote(value, errors="replace")))
        out.append(("header", "user-agent", self.user_agent))
        if self.referer:
            out.append(("header", "referer", self.referer))
        return out


def walk_json(node, where, out):
    if isinstance(node, dict):
        for k, v in node.items():
            walk_json(v, f"{where}.{k}", out)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            walk_json(v, f"{where}[{i}]", out)
    elif node is None:
        out.append(("json", where, "null"))
    elif isinstance(node, bool):
        out.append(("json", where, "true" if node else "false"))
    else:
        out.append(("json", where, str(node)))


TSHARK_FIELDS = ["tcp.stream", "frame.time_epoch", "ip.src", "ipv6.src", "tcp.srcport", "ip.dst",
                 "ipv6.dst", "tcp.dstport", "http.request.method", "http.request.uri",
                 "http.user_agent", "http.referer", "http.cookie", "http.content_type",
                 "http.file_data"]


def requests_from_capture(cap):
    """Every HTTP request in the capture, in order, keyed by (community id, position)."""
    cmd = ["tshark", "-n", "-r", cap, "-Y", "http.request", "-T", "json"]
    for f in TSHARK_FIELDS:
        cmd += ["-e", f]
    proc = subprocess.run(cmd, capture_output=True, timeout=TSHARK_TIMEOUT_S)
    if proc.returncode != 0:
        raise SystemExit(f"detection_quality: tshark failed on {cap}: {proc.stderr.decode()[-500:]}")
    packets = json.loads(proc.stdout.decode("utf-8", errors="replace") or "[]")
    depth = collections.Counter()
    out = []
    for pkt in packets:
        layers = pkt["_source"]["layers"]
        get = lambda f, i=0: (layers.get(f) or [""])[i] if i < len(layers.get(f) or [""]) else ""
        src = get("ip.src") or get("ipv6.src")
        dst = get("ip.dst") or get("ipv6.dst")
        cid = community_id(src, get("tcp.srcport"), dst, get("tcp.dstport"))
        stream = get("tcp.stream")
        for i in range(len(layers.get("http.request.method") or [])):
            depth[stream] += 1
            out.append(Request((cid, depth[stream]), float(get("frame.time_epoch")),
                               get("http.request.method", i), get("http.request.uri", i),
                               get("http.user_agent", i), get("http.referer", i),
                               get("http.cookie", i), get("http.content_type", i),
                               get("http.file_data", i)))
    return out


# ----------------------------------------------------------------------------------------------
# The sensor's events and the join.

def run_sensor(mirador, cap, out_jsonl):
    cmd = [mirador, "-r", cap, "-w", out_jsonl, "--no-progress", "--set", "output.mask_sensitive=false"]
    proc = subprocess.run(cmd, capture_output=True, timeout=SENSOR_TIMEOUT_S)
    if proc.returncode != 0:
        raise SystemExit(f"detection_quality: {' '.join(cmd)} exited {proc.returncode}: "
                         f"{proc.stderr.decode(errors='replace')[-800:]}")


def read_events(path):
    http, findings = [], []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                ev = json.loads(line)
            except ValueError:
                raise SystemExit(f"detection_quality: {path}:{n}: not JSON")
            if "http" in ev:
                http.append(ev)
            elif "finding" in ev:
                findings.append(ev)
    return http, findings


def key_of(obj):
    return ((obj.get("flow") or {}).get("community_id", ""), int(obj.get("trans_depth", 0)))


def requests_from_events(http_events):
    """Requests as the sensor saw them (URI and User-Agent only): for a JSON-lines input."""
    out = []
    for ev in http_events:
        h = ev["http"]
        r = Request(key_of(h), parse_time(ev.get("time", "")), h.get("method", ""), h.get("uri", ""),
                    h.get("user_agent", ""), h.get("referrer", ""))
        r.seen_by_sensor = True
        out.append(r)
    return out


def nearest(candidates, t):
    return min(candidates, key=lambda r: abs(r.time - t)) if candidates else None


def join(requests, http_events, findings):
    """Marks the requests the sensor reported and attaches each finding to its request.
    Returns the number of findings that matched no request."""
    by_key = collections.defaultdict(list)
    for r in requests:
        by_key[r.key].append(r)
    for ev in http_events:
        r = nearest(by_key.get(key_of(ev["http"]), []), parse_time(ev.get("time", "")))
        if r is not None:
            r.seen_by_sensor = True
    orphans = 0
    for ev in findings:
        f = ev["finding"]
        r = nearest(by_key.get(key_of(f), []), parse_time(ev.get("time", "")))
        if r is None:
            orphans += 1
        else:
            r.findings.append(f)
    return orphans


def is_attack(finding):
    if finding.get("id", "").startswith(("abuse.", "inventory.")):
        return False
    return finding.get("risk_class", "") not in NOT_ATTACK_CLASSES


def flagged(r):
    return any(is_attack(f) for f in r.findings)


def attack_classes(r):
    return sorted({f.get("risk_class", "") for f in r.findings if is_attack(f)})


def rule_ids(r):
    ids = set()
    for f in r.findings:
        if is_attack(f):
            ids.update(f.get("rule_ids") or [f.get("id", "")])
    return sorted(i for i in ids if i)


# ----------------------------------------------------------------------------------------------
# Labelling.

def is_plain_token(value):
    return bool(PLAIN_TOKEN.match(value))


def is_clean_segment(seg):
    return bool(CLEAN_SEGMENT.match(seg))


def baseline_for(r, params, baselines):
    """The baseline values of the endpoint r was sent to (see the module docstring). The endpoint
    is the method and the first two path segments. A request whose path holds a payload (sqlmap
    appends to or replaces a URI parameter, e.g. /api/profile%20AND%201=1) belongs to the most
    recent endpoint with the same method and the same clean leading segments: sqlmap tests one
    target at a time, and its first request to each target is the clean one."""
    segs = r.segments()[:2]
    key = (r.method, tuple(segs))
    if key in baselines:
        return baselines[key]
    clean = 0
    while clean < len(segs) and is_clean_segment(segs[clean]):
        clean += 1
    if clean < len(segs):
        for (method, bsegs) in reversed(list(baselines)):
            if method == r.method and bsegs[:clean] == tuple(segs[:clean]):
                return baselines[(method, bsegs)]
    baselines[key] = {(loc, name): value for loc, name, value in params}
    return baselines[key]


def label_sqlmap(requests):
    """-> list of (request, injected values) for sqlmap's requests; injected empty = not injection."""
    baselines = {}  # insertion-ordered: the most recent endpoint last
    out = []
    for r in requests:
        if not r.user_agent.startswith("sqlmap/"):
            continue
        params = r.params()
        base = baseline_for(r, params, baselines)
        injected = [value for loc, name, value in params
                    if base.get((loc, name)) != value and not is_plain_token(value)]
        out.append((r, injected))
    return out


def load_wordlists(directory):
    lists = {}
    for name in WORDLISTS:
        path = os.path.join(directory, name + ".txt")
        if os.path.exists(path):
            with open(path, encoding="utf-8", errors="replace") as f:
                lists[name] = {line.rstrip("\r\n") for line in f if line.rstrip("\r\n")}
    return lists


def label_wfuzz(requests, wordlists):
    """-> list of (request, wordlist name or "", payload) for wfuzz's requests."""
    out = []
    for r in requests:
        if not r.user_agent.startswith("Wfuzz/"):
            continue
        values = [v for _, _, v in r.params()]
        # A payload with slashes in a path parameter spans segments (wfuzz's urlencode keeps "/").
        segs = r.segments()
        values += ["/".join(segs[k:]) for k in range(1, len(segs) - 1)]
        hit = ("", "")
        for name, lines in wordlists.items():
            found = next((v for v in values if v in lines), None)
            if found is not None:
                hit = (name, found)
                break
        out.append((r, hit[0], hit[1]))
    return out


# ----------------------------------------------------------------------------------------------
# Scores.

def pct(part, whole):
    return 100.0 * part / whole if whole else 0.0


def shape(value):
    """Groups payloads that differ only in sqlmap's random numbers and tokens."""
    return re.sub(r"\d+", "0", value)[:160]


def score_sqlmap(requests):
    labelled = label_sqlmap(requests)
    inj = [(r, v) for r, v in labelled if v]
    hit = sum(1 for r, _ in inj if flagged(r))
    non_inj_flagged = sum(1 for r, v in labelled if not v and flagged(r))
    unflagged = collections.Counter(shape(v[0]) for r, v in inj if not flagged(r))
    return {"requests": len(labelled), "injection_requests": len(inj), "flagged": hit,
            "percent": round(pct(hit, len(inj)), 3), "non_injection_flagged": non_inj_flagged,
            "not_seen_by_sensor": sum(1 for r, _ in labelled if not r.seen_by_sensor),
            "top_unflagged": unflagged.most_common(20)}


def score_wfuzz(requests, wordlists):
    labelled = label_wfuzz(requests, wordlists)
    per_list = {}
    for r, name, payload in labelled:
        s = per_list.setdefault(name or "(no wordlist value)",
                                {"requests": 0, "flagged": 0, "by_class": collections.Counter(),
                                 "unflagged": collections.Counter()})
        s["requests"] += 1
        if flagged(r):
            s["flagged"] += 1
            for c in attack_classes(r):
                s["by_class"][c] += 1
        else:
            s["unflagged"][payload[:120]] += 1
    for s in per_list.values():
        s["percent"] = round(pct(s["flagged"], s["requests"]), 3)
        s["by_class"] = dict(s["by_class"].most_common())
        s["unflagged"] = s["unflagged"].most_common(10)
    total = len(labelled)
    hit = sum(1 for r, _, _ in labelled if flagged(r))
    return {"requests": total, "flagged": hit, "percent": round(pct(hit, total), 3),
            "not_seen_by_sensor": sum(1 for r, _, _ in labelled if not r.seen_by_sensor),
            "lists": per_list}


def score_benign(requests):
    bad = [r for r in requests if flagged(r)]
    return {"requests": len(requests), "flagged": len(bad), "percent": round(pct(len(bad), len(requests)), 4),
            "not_seen_by_sensor": sum(1 for r in requests if not r.seen_by_sensor),
            "flagged_requests": [{"method": r.method, "uri": r.uri, "body": r.body[:300],
                                  "classes": attack_classes(r), "rule_ids": rule_ids(r),
                                  "locations": sorted({loc for f in r.findings if is_attack(f)
                                                       for loc in f.get("locations") or []})}
                                 for r in bad]}


# ----------------------------------------------------------------------------------------------

def load(path, name, mirador, work):
    """-> (requests, orphan findings) for one tool's capture or events file."""
    if path.endswith(".jsonl") or path.endswith(".json"):
        http, findings = read_events(path)
        requests = requests_from_events(http)
    else:
        if not mirador:
            raise SystemExit("detection_quality: a capture needs --mirador BIN")
        out = os.path.join(work, name + ".jsonl")
        run_sensor(mirador, path, out)
        http, findings = read_events(out)
        requests = requests_from_capture(path)
    orphans = join(requests, http, findings)
    return requests, orphans, len(http)


def report(figures, out=None):
    out = out or sys.stdout  # looked up at call time (tests redirect it)
    p = lambda *a: print(*a, file=out)
    if "sqlmap" in figures:
        s = figures["sqlmap"]
        p(f"sqlmap: {s['requests']} requests, {s['injection_requests']} injection requests, "
          f"{s['flagged']} flagged = {s['percent']:.2f}% (target >= {SQLMAP_MIN_PCT}%)")
        p(f"  non-injection sqlmap requests flagged: {s['non_injection_flagged']}; "
          f"requests the sensor did not report: {s['not_seen_by_sensor']}; "
          f"findings matching no request: {s['orphan_findings']}")
        if s["top_unflagged"]:
            p("  top unflagged payloads (count, shape with digits as 0):")
            for shape_, n in s["top_unflagged"]:
                p(f"    {n:6d}  {shape_}")
    if "wfuzz" in figures:
        s = figures["wfuzz"]
        p(f"wfuzz: {s['requests']} requests, {s['flagged']} flagged = {s['percent']:.2f}%; "
          f"not reported by the sensor: {s['not_seen_by_sensor']}")
        for name, l in s["lists"].items():
            classes = ", ".join(f"{c} {n}" for c, n in l["by_class"].items()) or "-"
            p(f"  {name:20s} {l['requests']:6d} requests, {l['flagged']:6d} flagged = "
              f"{l['percent']:6.2f}%  by class: {classes}")
            for payload, n in l["unflagged"][:5]:
                p(f"      unflagged {n:4d}  {payload}")
    if "benign" in figures:
        s = figures["benign"]
        p(f"benign: {s['requests']} requests, {s['flagged']} flagged = {s['percent']:.4f}% "
          f"(target <= {BENIGN_MAX_PCT}%); not reported by the sensor: {s['not_seen_by_sensor']}")
        for r in s["flagged_requests"]:
            p(f"  FLAGGED {r['method']} {r['uri'][:200]}  classes={','.join(r['classes'])} "
              f"rules={','.join(r['rule_ids'])} at={';'.join(r['locations'])}")
            if r["body"]:
                p(f"          body: {r['body'][:200]}")


def check(figures):
    """-> list of failures against issue 4's targets."""
    fails = []
    s = figures.get("sqlmap")
    if s is None or s["injection_requests"] == 0:
        fails.append("no sqlmap injection requests to score")
    elif s["percent"] < SQLMAP_MIN_PCT:
        fails.append(f"sqlmap: {s['percent']:.2f}% of injection requests flagged < {SQLMAP_MIN_PCT}%")
    b = figures.get("benign")
    if b is None or b["requests"] == 0:
        fails.append("no benign requests to score")
    elif b["percent"] > BENIGN_MAX_PCT:
        fails.append(f"benign: {b['percent']:.4f}% flagged > {BENIGN_MAX_PCT}%")
    return fails


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n".join(__doc__.splitlines()[1:]))
    ap.add_argument("--mirador", help="the sensor binary (needed for captures)")
    ap.add_argument("--sqlmap", help="sqlmap's capture or events (.jsonl)")
    ap.add_argument("--wfuzz", help="wfuzz's capture or events (.jsonl)")
    ap.add_argument("--benign", help="the benign client's capture or events (.jsonl)")
    ap.add_argument("--work", help="where the sensor's JSON lines go (default: a temp dir)")
    ap.add_argument("--wordlists", default=WORDLIST_DIR, help="wfuzz's Injections wordlists")
    ap.add_argument("--check", action="store_true", help="exit 1 unless the targets are met")
    ap.add_argument("--json", help="write the figures to this file")
    args = ap.parse_args(argv)
    if not (args.sqlmap or args.wfuzz or args.benign):
        ap.error("give at least one of --sqlmap, --wfuzz, --benign")

    with tempfile.TemporaryDirectory(prefix="mirador_dq.") as tmp:
        work = args.work or tmp
        os.makedirs(work, exist_ok=True)
        figures = {}
        if args.sqlmap:
            requests, orphans, _ = load(args.sqlmap, "sqlmap", args.mirador, work)
            figures["sqlmap"] = score_sqlmap(requests)
            figures["sqlmap"]["orphan_findings"] = orphans
        if args.wfuzz:
            requests, orphans, _ = load(args.wfuzz, "wfuzz", args.mirador, work)
            figures["wfuzz"] = score_wfuzz(requests, load_wordlists(args.wordlists))
            figures["wfuzz"]["orphan_findings"] = orphans
        if args.benign:
            requests, orphans, _ = load(args.benign, "benign", args.mirador, work)
            figures["benign"] = score_benign(requests)
            figures["benign"]["orphan_findings"] = orphans
    report(figures)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(figures, f, indent=1, sort_keys=True)
    if args.check:
        fails = check(figures)
        for fail in fails:
            print("CHECK FAILED: " + fail)
        if fails:
            return 1
        print("CHECK PASSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
