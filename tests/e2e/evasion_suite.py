#!/usr/bin/env python3
"""The evasion suite (issue 8): the sensor on every capture of tests/data/evasion (written by
tools/make_evasion_captures.py; tests/data/evasion/README.md says what each does), and per case
either the decode a server would make (method, target, body, the attack signature fired on the
decoded input) or the evasion / smuggling finding, or both. No case may be decoded wrong
silently. Prints a table; exits 1 on any failed case.

usage: evasion_suite.py MIRADOR"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mirador_run  # noqa: E402

SQLI_URI = "/search?q=1%27%20OR%20%271%27=%271"

# name: (outcome, what the records must show, rule ids that must be listed, rule ids that must
# not be). `requests` lists (method, uri) of the http events in order; `body_len` the first
# request's decoded body length; `attack` a risk class that must be found.
CASES = {
    # TCP
    "tcp_overlap_first_wins": ("decoded + flagged",
                               dict(requests=[("GET", "/search?q=hello-world-hello")]),
                               {"evasion.tcp_overlap_conflict"}, set()),
    "tcp_overlap_last_wins": ("flagged", dict(), {"evasion.tcp_overlap_conflict"}, set()),
    "tcp_tiny_segments": ("decoded", dict(requests=[("GET", SQLI_URI)], attack="sql_injection"),
                          set(), {"evasion.tcp_overlap_conflict"}),
    "tcp_out_of_order": ("decoded", dict(requests=[("GET", SQLI_URI)], attack="sql_injection"),
                         set(), {"evasion.tcp_overlap_conflict"}),
    "tcp_duplicate_segments": ("decoded",
                               dict(requests=[("GET", SQLI_URI)], attack="sql_injection"),
                               set(), {"evasion.tcp_overlap_conflict"}),
    "tcp_retransmit_different": ("decoded + flagged",
                                 dict(requests=[("GET", "/search?q=innocent-query-text")]),
                                 {"evasion.tcp_overlap_conflict"}, set()),
    # IP fragments
    "ip_fragment_overlap": ("flagged", dict(), {"evasion.ip_fragment_overlap"}, set()),
    "ip_fragments_reversed": ("decoded",
                              dict(requests=[("GET", SQLI_URI)], attack="sql_injection"), set(),
                              {"evasion.ip_fragment_overlap"}),
    "ip_fragments_tiny": ("decoded", dict(requests=[("GET", SQLI_URI)], attack="sql_injection"),
                          set(), {"evasion.ip_fragment_overlap"}),
    # URL encodings
    "double_encoding": ("decoded + flagged", dict(attack="path_traversal"),
                        {"evasion.double_encoding"}, set()),
    "double_encoding_sqli": ("decoded + flagged", dict(attack="sql_injection"),
                             {"evasion.double_encoding"}, set()),
    "overlong_utf8": ("decoded + flagged", dict(attack="path_traversal"),
                      {"evasion.overlong_utf8"}, set()),
    "percent_u": ("decoded + flagged", dict(attack="sql_injection"), {"evasion.percent_u"},
                  set()),
    "unicode_fullwidth": ("decoded + flagged", dict(attack="xss"),
                          {"evasion.unicode_fullwidth"}, set()),
    # HTTP syntax
    "method_case": ("decoded + flagged", dict(requests=[("gEt", "/admin/users")]),
                    {"evasion.method_case"}, set()),
    "header_folding": ("decoded + flagged", dict(requests=[("GET", "/profile")]),
                       {"evasion.header_folding"}, set()),
    # Smuggling: Mirador frames as RFC 9112 says (Transfer-Encoding over Content-Length), which
    # is what the back end of a CL.TE pair does: the smuggled GET /admin is a request of its own.
    "smuggling_cl_te": ("decoded + flagged",
                        dict(requests=[("POST", "/api/comments"), ("GET", "/admin")],
                             body_len=0),
                        {"smuggling.cl_and_te"}, {"evasion.te_obfuscated"}),
    "smuggling_te_cl": ("decoded + flagged",
                        dict(requests=[("POST", "/api/comments")], body_len=42),
                        {"smuggling.cl_and_te"}, {"evasion.te_obfuscated"}),
    "te_te_trailing_space": ("decoded + flagged",
                             dict(requests=[("POST", "/api/comments"), ("GET", "/admin")]),
                             {"smuggling.cl_and_te", "evasion.te_obfuscated"}, set()),
    # Framing unknown: the message ends at its head and the parser resynchronises at the next
    # request line, so the smuggled request is still decoded and inspected.
    "te_te_xchunked": ("flagged", dict(requests=[("POST", "/api/comments"), ("GET", "/admin")]),
                       {"smuggling.cl_and_te", "smuggling.te_not_chunked_last",
                        "evasion.te_obfuscated"}, set()),
    "te_te_duplicate": ("flagged", dict(requests=[("POST", "/api/comments"), ("GET", "/admin")]),
                        {"smuggling.cl_and_te", "smuggling.te_not_chunked_last",
                         "evasion.te_obfuscated"}, set()),
    # A space before the colon makes the line no header (RFC 9112 §5.1): Content-Length frames
    # the body; a lenient reader that trims the name reads chunked.
    "te_te_space_before_colon": ("decoded + flagged",
                                 dict(requests=[("POST", "/api/comments")], body_len=47),
                                 {"evasion.te_obfuscated"}, {"smuggling.cl_and_te"}),
    "chunk_extensions": ("decoded", dict(requests=[("POST", "/api/comments")], body_len=11),
                         set(), {"evasion.bad_chunk_size"}),
    "bad_chunk_size": ("flagged", dict(requests=[("POST", "/api/comments")]),
                       {"evasion.bad_chunk_size"}, set()),
    # Real clients (tools/make_evasion_live_captures.sh): curl and a raw socket against
    # python3's http.server, recorded on a veth.
    "live_curl_double_encoding": ("decoded + flagged",
                                  dict(requests=[("GET", "/files/%252e%252e%252f%252e%252e%252f"
                                                  "etc%252fpasswd")], attack="path_traversal"),
                                  {"evasion.double_encoding"}, set()),
    "live_curl_overlong_utf8": ("decoded + flagged", dict(attack="path_traversal"),
                                {"evasion.overlong_utf8"}, set()),
    "live_tiny_segments": ("decoded", dict(requests=[("GET", SQLI_URI)], attack="sql_injection"),
                           set(), {"evasion.tcp_overlap_conflict"}),
    "live_method_case": ("decoded + flagged", dict(requests=[("gEt", "/index.json")]),
                         {"evasion.method_case"}, set()),
    "live_smuggling_cl_te": ("decoded + flagged",
                             dict(requests=[("POST", "/index.json"), ("GET", "/admin")],
                                  body_len=0),
                             {"smuggling.cl_and_te"}, set()),
}


def check_case(sensor, path, want):
    outcome, decode, must, must_not = want
    findings = []
    records = mirador_run.run_sensor(sensor, path, findings=findings)
    problems = []
    got_requests = [(r.get("method", ""), r.get("uri", "")) for r in records]
    if "requests" in decode and got_requests != decode["requests"]:
        problems.append("requests %s, expected %s" % (got_requests, decode["requests"]))
    if "body_len" in decode:
        n = records[0].get("request_body_len", 0) if records else None
        if n != decode["body_len"]:
            problems.append("request body %s bytes, expected %d" % (n, decode["body_len"]))
    rule_ids = set()
    classes = set()
    for f in findings:
        rule_ids.update(f.get("rule_ids", []))
        classes.add(f.get("risk_class", ""))
    if "attack" in decode and decode["attack"] not in classes:
        problems.append("no %s finding (classes %s)" % (decode["attack"], sorted(classes)))
    if must - rule_ids:
        problems.append("missing %s" % sorted(must - rule_ids))
    if must_not & rule_ids:
        problems.append("unexpected %s" % sorted(must_not & rule_ids))
    # Every case is decoded (an attack found or the decode asserted) or flagged.
    flagged = any(r.startswith(("evasion.", "smuggling.")) for r in rule_ids)
    if not flagged and not decode:
        problems.append("neither decoded nor flagged")
    shown = sorted(r for r in rule_ids if r.startswith(("evasion.", "smuggling.")))
    first = "%s %s" % got_requests[0] if got_requests else "-"
    return problems, outcome, first, shown, sorted(c for c in classes if c not in
                                                    ("evasion", "request_smuggling"))


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    sensor = sys.argv[1]
    folder = os.path.join(mirador_run.data_dir(), "evasion")
    present = sorted(f[:-5] for f in os.listdir(folder) if f.endswith(".pcap"))
    failures = 0
    unknown = [p for p in present if p not in CASES]
    missing = [c for c in CASES if c not in present]
    print("%-26s %-18s %-40s %-22s %s" % ("case", "outcome", "first request (as decoded)",
                                         "attack found", "evasion / smuggling rule ids"))
    for name, want in CASES.items():
        if name in missing:
            continue
        try:
            problems, outcome, first, shown, attacks = check_case(
                sensor, os.path.join(folder, name + ".pcap"), want)
        except mirador_run.SensorError as exc:
            problems, outcome, first, shown, attacks = [str(exc)], want[0], "-", [], []
        status = "ok" if not problems else "FAIL"
        print("%-26s %-18s %-40s %-22s %s  %s" % (name, outcome, first[:40], ",".join(attacks),
                                                 ",".join(shown), status))
        for p in problems:
            print("    " + p)
        failures += bool(problems)
    for p in unknown:
        print("capture %s.pcap has no expectation" % p)
    for c in missing:
        print("case %s has no capture" % c)
    total = len(CASES) - len(missing)
    print("%d/%d cases as expected" % (total - failures, total))
    return 1 if failures or unknown or missing else 0


if __name__ == "__main__":
    sys.exit(main())
