"""Shared by the end-to-end scripts: run the sensor on a capture, read its events, check the
parts of the output contract every record must meet (types, timestamp form, Community ID).

The sensor writes the proto3 JSON of mirador.v1.Event, one per line:
  {"sensor_id": ..., "sequence": N, "time": ..., "http": {"flow": {...}, "trans_depth": ...}}
parse_jsonl checks the envelope (sequence 1, 2, 3... without gaps, one sensor_id, an "http"
payload) and gives the scripts flat records as they were before the envelope: the keys of
event["http"] and event["http"]["flow"] side by side, "ts" from event["time"]. proto3 JSON may
omit zero counts, so the counts are filled in with 0 when absent."""

import base64
import hashlib
import ipaddress
import json
import os
import re
import struct
import subprocess

SKIP = 77  # Meson's "skipped" exit status
TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
NUMBER_KEYS = ("src_port", "dst_port", "trans_depth", "request_body_len", "response_body_len",
               "request_body_wire_len", "response_body_wire_len", "duration")
STRING_KEYS = ("ts", "community_id", "src_ip", "dst_ip", "method", "host", "uri", "version",
               "user_agent", "referrer", "origin", "status_msg", "request_content_type",
               "response_content_type", "request_content_encoding", "response_content_encoding",
               "upgrade")


class SensorError(Exception):
    pass


def require_tools(*tools):
    """Exit with Meson's skip status when a reference tool (e.g. tshark) is not installed."""
    import shutil
    import sys
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        print("SKIP: not installed: %s" % ", ".join(missing))
        sys.exit(SKIP)


def data_dir():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.environ.get("MIRADOR_TEST_DATA", os.path.join(here, "..", "data"))


def run_sensor(sensor, capture, timeout=120, extra_args=(), findings=None, tls=None):
    """The records `mirador -r capture [extra_args]` prints, one JSON object per line (findings
    and TLS handshake events go to the lists given)."""
    try:
        proc = subprocess.run([sensor, "-r", capture, *extra_args], capture_output=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise SensorError("timed out after %d s on %s" % (timeout, capture)) from exc
    except OSError as exc:
        raise SensorError("cannot run the sensor %s: %s" % (sensor, exc)) from exc
    if proc.returncode != 0:
        raise SensorError("exit status %d on %s; stderr:\n%s" % (
            proc.returncode, capture, proc.stderr.decode(errors="replace")[-2000:]))
    return parse_jsonl(proc.stdout.decode("utf-8", "surrogateescape"), capture, findings=findings,
                       tls=tls)


ENVELOPE_KEYS = {"sensor_id", "sequence", "time", "http"}
ZERO_COUNTS = ("src_port", "dst_port", "trans_depth", "request_body_len", "response_body_len",
               "request_body_wire_len", "response_body_wire_len")


def flatten_event(event):
    """The flat record of an HTTP event: http's keys, flow's keys, ts <- time."""
    http = event["http"]
    rec = {k: v for k, v in http.items() if k != "flow"}
    for k, v in http.get("flow", {}).items():
        rec[k] = v
    if "time" in event:
        rec["ts"] = event["time"]
    for k in ZERO_COUNTS:
        rec.setdefault(k, 0)
    rec.pop("has_response", None)  # implied by "status", as before the envelope
    return rec


def envelope_errors(event, want_sequence, sensor_ids):
    errors = []
    extra = set(event) - ENVELOPE_KEYS
    if extra:
        errors.append("unknown envelope keys %s" % sorted(extra))
    if event.get("sequence") != want_sequence:
        errors.append("sequence %r, expected %d" % (event.get("sequence"), want_sequence))
    sensor_ids.add(event.get("sensor_id"))
    if len(sensor_ids) != 1:
        errors.append("several sensor ids: %s" % sorted(map(str, sensor_ids)))
    if not isinstance(event.get("http"), dict) or not isinstance(
            event["http"].get("flow"), dict):
        errors.append("no http payload with a flow")
    if event.get("http", {}).get("has_response", True) is not True:
        errors.append("has_response is written only when true")
    if ("status" in event.get("http", {})) != ("has_response" in event.get("http", {})):
        errors.append("status and has_response must come together")
    return errors


def stats_event_errors(event, want_sequence, sensor_ids):
    errors = []
    if set(event) != {"sensor_id", "sequence", "time", "stats"}:
        errors.append("stats event keys %s" % sorted(event))
    if event.get("sequence") != want_sequence:
        errors.append("sequence %r, expected %d" % (event.get("sequence"), want_sequence))
    sensor_ids.add(event.get("sensor_id"))
    groups = event.get("stats", {}).get("groups", {})
    if "output" not in groups or "decode.malformed" not in groups:
        errors.append("stats event without its counter groups")
    return errors


FINDING_KEYS = {"flow", "id", "risk_class", "severity", "owasp_api", "summary", "locations",
                "masked_samples", "count", "trans_depth", "rule_ids", "data_class", "endpoint",
                "identity", "window_s"}
SEVERITIES = {"info", "low", "medium", "high", "critical"}


def http_key(flow, trans_depth, time):
    return (flow.get("community_id"), trans_depth or 0, time)


def finding_event_errors(event, want_sequence, sensor_ids, http_keys):
    """A finding belongs to an http event of the output: same flow, trans_depth and time.
    (Workers write transactions and the aggregator their findings: order between them is free.)"""
    errors = []
    if set(event) != {"sensor_id", "sequence", "time", "finding"}:
        errors.append("finding event keys %s" % sorted(event))
    if event.get("sequence") != want_sequence:
        errors.append("sequence %r, expected %d" % (event.get("sequence"), want_sequence))
    sensor_ids.add(event.get("sensor_id"))
    f = event.get("finding", {})
    extra = set(f) - FINDING_KEYS
    if extra:
        errors.append("unknown finding keys %s" % sorted(extra))
    # Abuse findings are about behaviour across transactions: no one place in this one. TLS
    # handshake findings belong to a connection, not to a transaction.
    fid = str(f.get("id", ""))
    handshake = fid.startswith("tls.") and fid != "tls.cleartext_to_tls_host"
    abuse = fid.startswith("abuse.") or handshake
    for k in ("id", "risk_class", "owasp_api", "locations", "rule_ids", "count"):
        if not f.get(k) and not (abuse and k == "locations"):
            errors.append("finding without %s" % k)
    if abuse and not handshake and (not str(f.get("identity", "")).startswith("h:") or
                                    not f.get("endpoint")):
        errors.append("abuse finding without its identity hash or endpoint")
    if f.get("severity") not in SEVERITIES:
        errors.append("severity %r" % f.get("severity"))
    if (f.get("risk_class") == "sensitive_data") != bool(f.get("data_class")):
        errors.append("data_class goes with sensitive_data findings only")
    if not handshake and http_key(f.get("flow", {}), f.get("trans_depth", 0),
                                  event.get("time")) not in http_keys:
        errors.append("finding whose transaction (flow, trans_depth, time) has no http event")
    return errors


ENDPOINT_KEYS = {"host", "method", "path_template", "first_seen", "last_seen", "count",
                 "auth_kinds", "data_classes", "sensitivity", "status_codes",
                 "request_content_types", "response_content_types", "parameters",
                 "request_data_classes", "response_data_classes"}


def endpoint_event_errors(event, want_sequence, sensor_ids):
    """An endpoint of the inventory (new, changed, or the periodic and final report)."""
    errors = []
    if set(event) != {"sensor_id", "sequence", "time", "endpoint"}:
        errors.append("endpoint event keys %s" % sorted(event))
    if event.get("sequence") != want_sequence:
        errors.append("sequence %r, expected %d" % (event.get("sequence"), want_sequence))
    sensor_ids.add(event.get("sensor_id"))
    e = event.get("endpoint", {})
    extra = set(e) - ENDPOINT_KEYS
    if extra:
        errors.append("unknown endpoint keys %s" % sorted(extra))
    for k in ("method", "path_template", "count", "first_seen", "last_seen", "sensitivity"):
        if not e.get(k):
            errors.append("endpoint without %s" % k)
    if e.get("sensitivity") not in ("low", "medium", "high"):
        errors.append("sensitivity %r" % e.get("sensitivity"))
    return errors


TLS_KEYS = {"flow", "version", "cipher_suite", "sni", "alpn_offered", "alpn", "client_versions",
            "client_cipher_suites", "ja3", "ja3s", "ja4", "resumed", "certificates", "decrypted",
            "decrypt_error", "client_bytes", "server_bytes", "last_alert"}


def tls_event_errors(event, want_sequence, sensor_ids):
    """A TLS connection's handshake (issue 6)."""
    errors = []
    if set(event) != {"sensor_id", "sequence", "time", "tls"}:
        errors.append("tls event keys %s" % sorted(event))
    if event.get("sequence") != want_sequence:
        errors.append("sequence %r, expected %d" % (event.get("sequence"), want_sequence))
    sensor_ids.add(event.get("sensor_id"))
    t = event.get("tls", {})
    extra = set(t) - TLS_KEYS
    if extra:
        errors.append("unknown tls keys %s" % sorted(extra))
    if not t.get("flow", {}).get("community_id"):
        errors.append("tls event without its flow")
    return errors


def parse_jsonl(text, origin, findings=None, endpoints=None, tls=None):
    """The flat http records of a JSON-lines output; stats, finding and endpoint events are
    checked, and findings and endpoints handed to the lists given."""
    records = []
    sequence = 0
    sensor_ids = set()
    http_keys = set()
    for line in text.splitlines():
        if '"http":' in line:
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                continue  # reported below
            if isinstance(event, dict) and isinstance(event.get("http"), dict):
                h = event["http"]
                http_keys.add(http_key(h.get("flow", {}), h.get("trans_depth", 0),
                                       event.get("time")))
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SensorError("%s: output line %d is not JSON (%s): %r" % (
                origin, n, exc, line[:200])) from exc
        if not isinstance(event, dict):
            raise SensorError("%s: output line %d is not a JSON object" % (origin, n))
        sequence += 1
        if "stats" in event:
            # The sensor's own counters (stats.events): numbered with the transactions.
            errors = stats_event_errors(event, sequence, sensor_ids)
        elif "finding" in event:
            # Findings name their transaction's http event; they are checked here and handed
            # to `findings` (a list) when the caller wants them.
            errors = finding_event_errors(event, sequence, sensor_ids, http_keys)
            if findings is not None and not errors:
                findings.append(event["finding"])
        elif "tls" in event:
            errors = tls_event_errors(event, sequence, sensor_ids)
            if tls is not None and not errors:
                tls.append(event["tls"])
        elif "endpoint" in event:
            errors = endpoint_event_errors(event, sequence, sensor_ids)
            if endpoints is not None and not errors:
                endpoints.append(event["endpoint"])
        else:
            errors = envelope_errors(event, sequence, sensor_ids)
        if errors:
            raise SensorError("%s: output line %d: %s: %r" % (
                origin, n, "; ".join(errors), line[:200]))
        if "http" in event:
            records.append(flatten_event(event))
    return records


def community_id(saddr, daddr, sport, dport, proto=6, seed=0):
    """Community ID v1 (https://github.com/corelight/community-id-spec), computed here
    independently of the sensor."""
    sa, da = ipaddress.ip_address(saddr).packed, ipaddress.ip_address(daddr).packed
    if (sa, sport) > (da, dport):  # the spec orders endpoints: smaller address (then port) first
        sa, da, sport, dport = da, sa, dport, sport
    blob = struct.pack("!H", seed) + sa + da + struct.pack("!BBHH", proto, 0, sport, dport)
    return "1:" + base64.b64encode(hashlib.sha1(blob).digest()).decode()


def contract_errors(rec):
    """What in one record breaks the output contract every record must meet."""
    errors = []
    for key in NUMBER_KEYS:
        if key not in rec:
            if key != "duration":
                errors.append("missing number %s" % key)
        elif not isinstance(rec[key], (int, float)) or isinstance(rec[key], bool):
            errors.append("%s is not a number: %r" % (key, rec[key]))
    for key in STRING_KEYS:
        if key in rec and not isinstance(rec[key], str):
            errors.append("%s is not a string: %r" % (key, rec[key]))
        elif key in rec and rec[key] == "":
            errors.append("%s is present but empty (keys must be absent when empty)" % key)
    if "status" in rec and (not isinstance(rec["status"], int) or isinstance(rec["status"], bool)):
        errors.append("status is not an int: %r" % rec["status"])
    for key in ("vlan", "info_codes", "anomalies"):
        if key in rec and (not isinstance(rec[key], list) or not rec[key]):
            errors.append("%s must be a non-empty array when present: %r" % (key, rec[key]))
    if not TS_RE.match(str(rec.get("ts", ""))):
        errors.append("ts is not RFC 3339 UTC with microseconds: %r" % rec.get("ts"))
    try:
        want = community_id(rec["src_ip"], rec["dst_ip"], int(rec["src_port"]),
                            int(rec["dst_port"]))
        if rec.get("community_id") != want:
            errors.append("community_id %r, expected %r" % (rec.get("community_id"), want))
    except (KeyError, ValueError, TypeError) as exc:
        errors.append("cannot check community_id: %s" % exc)
    return errors


def ts_to_epoch_micros(ts):
    """'2026-11-28T13:50:01.123456Z' -> integer microseconds since the epoch."""
    import calendar
    import time
    whole, frac = ts[:-1].split(".")
    secs = calendar.timegm(time.strptime(whole, "%Y-%m-%dT%H:%M:%S"))
    return secs * 1_000_000 + int(frac)


def epoch_str_to_micros(text):
    """tshark's '1795873875.818377000' -> integer microseconds (truncated, as pcap stores)."""
    whole, _, frac = text.partition(".")
    return int(whole) * 1_000_000 + int((frac + "000000")[:6])
