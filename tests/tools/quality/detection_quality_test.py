#!/usr/bin/env python3
"""Tests for tools/detection_quality.py: the join of findings to transactions, the labelling of
sqlmap's and wfuzz's requests, and the arithmetic, on hand-made event files (the *_events.jsonl
beside this file); and request extraction from the committed sample captures (with tshark).

Run: python3 -m unittest (MIRADOR_SOURCE_ROOT and MIRADOR_TEST_DATA set by meson test).
"""
import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.environ.get("MIRADOR_SOURCE_ROOT", os.path.join(HERE, "..", "..", ".."))
DATA = os.environ.get("MIRADOR_TEST_DATA", os.path.join(ROOT, "tests", "data"))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import detection_quality as dq  # noqa: E402


def fixture(name):
    return os.path.join(HERE, name + "_events.jsonl")


class Scored(unittest.TestCase):
    """The command line on the fixtures: figures written with --json, report on stdout."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="dq_test.")
        lists = os.path.join(cls.tmp, "lists")
        os.mkdir(lists)
        for name, lines in {"SQL": ["' or 1=1--", "'"], "XSS": ["<script>alert(1)</script>"],
                            "Traversal": ["../../etc/passwd", "../../boot.ini"]}.items():
            with open(os.path.join(lists, name + ".txt"), "w") as f:
                f.write("\n".join(lines) + "\n")
        cls.json_path = os.path.join(cls.tmp, "figures.json")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            cls.rc = dq.main(["--sqlmap", fixture("sqlmap"), "--wfuzz", fixture("wfuzz"),
                              "--benign", fixture("benign"), "--wordlists", lists,
                              "--json", cls.json_path, "--check"])
        cls.stdout = out.getvalue()
        with open(cls.json_path) as f:
            cls.fig = json.load(f)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def test_sqlmap_labelling_and_join(self):
        s = self.fig["sqlmap"]
        # 14 requests with sqlmap's User-Agent (the curl one is not sqlmap's); the three
        # baselines, the two stability tokens (5424, qkvjb) and the URI replaced by a random
        # integer (/api/1650) are not injections.
        self.assertEqual(s["requests"], 14)
        self.assertEqual(s["injection_requests"], 8)
        # Flagged: tautology, union (two findings, one request), the WAF probe (xss), the
        # time-based one joined by time on a reused key, and the payload appended to the URI
        # (/api/profile AND 1=1, compared with the /api/profile baseline). Not: the
        # sensitive_data-only one, the path injection whose reused key's finding belongs to the
        # later request, and the URI replaced by a payload (/api/(CASE WHEN ...)).
        self.assertEqual(s["flagged"], 5)
        self.assertAlmostEqual(s["percent"], 62.5, places=3)
        self.assertEqual(s["non_injection_flagged"], 0)
        self.assertEqual(s["orphan_findings"], 1)  # trans_depth omitted = 0: on no transaction
        shapes = sorted(shape for shape, _ in s["top_unflagged"])
        self.assertEqual(shapes, ["(CASE WHEN 0=0 THEN 0 END)", "0 AND 0=0", "books') OR ('0'='0"])

    def test_benign(self):
        b = self.fig["benign"]
        self.assertEqual(b["requests"], 4)
        self.assertEqual(b["flagged"], 1)  # the sensitive_data finding does not count
        self.assertAlmostEqual(b["percent"], 25.0)
        (r,) = b["flagged_requests"]
        self.assertEqual(r["uri"], "/api/products?q=select%20a%20plan")
        self.assertEqual(r["rule_ids"], ["sqli.select_keyword"])
        self.assertEqual(r["locations"], ["request.query q"])
        self.assertIn("FLAGGED GET /api/products?q=select%20a%20plan", self.stdout)

    def test_wfuzz_per_list(self):
        w = self.fig["wfuzz"]
        self.assertEqual((w["requests"], w["flagged"]), (4, 3))
        lists = w["lists"]
        self.assertEqual((lists["SQL"]["requests"], lists["SQL"]["flagged"]), (1, 1))
        self.assertEqual(lists["XSS"]["by_class"], {"xss": 1})
        self.assertEqual((lists["Traversal"]["requests"], lists["Traversal"]["flagged"]), (2, 1))
        self.assertEqual(lists["Traversal"]["by_class"], {"os_command": 1, "path_traversal": 1})
        self.assertEqual(lists["Traversal"]["unflagged"], [["../../boot.ini", 1]])

    def test_check_fails_below_targets(self):
        self.assertEqual(self.rc, 1)
        self.assertIn("CHECK FAILED: sqlmap: 62.50%", self.stdout)
        self.assertIn("CHECK FAILED: benign: 25.0000%", self.stdout)

    def test_check_passes_at_targets(self):
        ok = {"sqlmap": {"injection_requests": 20, "percent": 95.0},
              "benign": {"requests": 1000, "percent": 0.1}}
        self.assertEqual(dq.check(ok), [])
        ok["sqlmap"]["percent"] = 94.99
        ok["benign"]["percent"] = 0.1001
        self.assertEqual(len(dq.check(ok)), 2)
        self.assertEqual(len(dq.check({})), 2)  # nothing to score is a failure, not a pass


class Units(unittest.TestCase):
    def test_community_id(self):
        # The specification's example, both directions, and one from the sensor's own output.
        self.assertEqual(dq.community_id("128.232.110.120", 34855, "66.35.250.204", 80),
                         "1:LQU9qZlK+B5F3KDmev6m5PMibrg=")
        self.assertEqual(dq.community_id("66.35.250.204", 80, "128.232.110.120", 34855),
                         "1:LQU9qZlK+B5F3KDmev6m5PMibrg=")
        self.assertEqual(dq.community_id("198.18.99.2", 57602, "198.18.99.1", 8080),
                         "1:A3K7fdussrzOuOqCjeeoA28EbC8=")

    def test_plain_tokens(self):
        for v in ["5424", "-6093", "3.5", "qkvjb", "cGhcVK", "books"]:
            self.assertTrue(dq.is_plain_token(v), v)
        for v in ["", "books'", "3 AND 1=1", "-2314' UNION", "(SELECT 1)", "a b", "x--"]:
            self.assertFalse(dq.is_plain_token(v), v)

    def test_params_of_bodies_and_cookies(self):
        r = dq.Request(("c", 1), 0.0, "POST", "/api/login?x=1", "sqlmap/1.7.2", cookie="session=a%27b; t=d",
                       content_type="application/json",
                       body='{"username": "a\'", "n": {"list": [1, null, true]}}')
        p = r.params()
        self.assertIn(("json", "$.username", "a'"), p)
        self.assertIn(("json", "$.n.list[1]", "null"), p)
        self.assertIn(("cookie", "session", "a'b"), p)
        self.assertIn(("query", "x", "1"), p)
        self.assertIn(("path", "1", "login"), p)
        form = dq.Request(("c", 2), 0.0, "POST", "/api/search", "x",
                          content_type="application/x-www-form-urlencoded", body="term=a%27+b&c=")
        self.assertIn(("form", "term", "a' b"), form.params())
        self.assertIn(("form", "c", ""), form.params())

    def test_time(self):
        self.assertAlmostEqual(dq.parse_time("2026-01-01T00:00:01.5Z") - dq.parse_time("2026-01-01T00:00:00Z"), 1.5)
        self.assertAlmostEqual(dq.parse_time("2026-01-01T01:00:00+01:00"), dq.parse_time("2026-01-01T00:00:00Z"))


@unittest.skipUnless(shutil.which("tshark"), "tshark not installed")
class Captures(unittest.TestCase):
    """Request extraction and labelling on the committed samples of real tools' traffic."""

    def sample(self, name):
        path = os.path.join(DATA, "quality", name + "_sample.pcap")
        if not os.path.exists(path):
            self.skipTest(path + " missing")
        return dq.requests_from_capture(path)

    def test_sqlmap_sample(self):
        reqs = self.sample("sqlmap")
        labelled = dq.label_sqlmap(reqs)
        self.assertEqual(len(labelled), len(reqs))  # every request in it is sqlmap's
        self.assertEqual(len(reqs), 349)
        # Not injections: the 7 baselines (one per target, and /api/1691, the URI parameter
        # replaced by a random integer) and the form target's repeated baseline (stability test).
        not_inj = [r for r, v in labelled if not v]
        self.assertEqual(len(not_inj), 8)
        self.assertEqual(len(reqs) - len(not_inj), 341)
        self.assertEqual(labelled[0][1], [])  # the first is the baseline
        # Every injection location sqlmap was pointed at is in the sample.
        kinds = {loc for r, v in labelled if v for loc, _, val in r.params() if val in v}
        self.assertTrue({"query", "json", "form", "cookie", "path"} <= kinds, kinds)
        self.assertTrue(all(r.key[1] >= 1 and r.key[0].startswith("1:") for r in reqs))

    def test_wfuzz_sample(self):
        reqs = self.sample("wfuzz")
        lists = dq.load_wordlists(dq.WORDLIST_DIR)
        if not lists:
            self.skipTest("wfuzz wordlists not installed")
        labelled = dq.label_wfuzz(reqs, lists)
        self.assertEqual(len(labelled), 522)
        counts = {}
        for _, name, _ in labelled:
            counts[name] = counts.get(name, 0) + 1
        for name in ["SQL", "XSS", "Traversal", "XML", "bad_chars", "All_attack"]:
            self.assertGreater(counts.get(name, 0), 20, name)
        self.assertLessEqual(counts.get("", 0), 5)  # nearly every request carries a list's line

    def test_benign_sample(self):
        reqs = self.sample("benign")
        self.assertEqual(len(reqs), 505)
        self.assertEqual(dq.label_sqlmap(reqs), [])
        self.assertEqual(dq.label_wfuzz(reqs, {"SQL": {"x"}}), [])
        bodies = [r for r in reqs if r.method in ("POST", "PUT") and r.body]
        self.assertGreater(len(bodies), 100)
        locations = {loc for r in reqs for loc, _, _ in r.params()}
        self.assertEqual(locations, {"path", "query", "json", "form", "cookie", "header"})
        # Keep-alive: requests share connections (positions beyond 1).
        self.assertGreater(max(r.key[1] for r in reqs), 5)


if __name__ == "__main__":
    unittest.main()
