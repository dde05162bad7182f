#!/usr/bin/env python3
"""Sensor -> Kafka -> two mirador-collectors sharing a consumer group, with the real binaries.

A librdkafka mock cluster runs as its own process (kafka-mock); the sensor produces to it through
output.kafka_brokers; two collectors (--no-grpc, --kafka-brokers, one group) read the topics.
Every event the sensor numbered is in the union of the collectors' outputs, byte for byte the
sensor's own JSON line, and each collector's output has no duplicate.

Usage: collector_kafka.py MIRADOR MIRADOR_COLLECTOR MIRADOR_GEN KAFKA_MOCK"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time

TOPICS = ["mirador.http", "mirador.finding", "mirador.endpoint", "mirador.stats"]


def read_lines(path):
    """Complete lines only: a collector still writing may have half a line at the end."""
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [x.rstrip("\n") for x in f if x.strip() and x.endswith("\n")]


def key(line):
    e = json.loads(line)
    return (e["sensor_id"], int(e["sequence"]))


def main():
    sensor, collector, gen, mock = sys.argv[1:5]
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        cap = os.path.join(tmp, "k.pcap")
        subprocess.run([gen, "-o", cap, "--seed", "7", "--transactions", "3000"], check=True,
                       capture_output=True)
        mproc = subprocess.Popen([mock, "--partitions", "4", "--seconds", "120"] + TOPICS,
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        collectors = []
        try:
            line = mproc.stdout.readline()
            if not line.startswith("bootstrap "):
                print("FAIL kafka-mock did not start: %r" % line)
                return 1
            brokers = line.split()[1]
            # Two members of one group, started before the sensor produces.
            for i in range(2):
                out = os.path.join(tmp, "c%d.jsonl" % i)
                err = open(os.path.join(tmp, "c%d.err" % i), "w", encoding="utf-8")
                collectors.append((subprocess.Popen(
                    [collector, "--no-grpc", "--kafka-brokers", brokers, "--kafka-group", "e2e",
                     "--json", out, "--state-dir", os.path.join(tmp, "state%d" % i),
                     "--stats-interval", "0",
                     "--kafka-config", "session.timeout.ms=4000",
                     "--kafka-config", "heartbeat.interval.ms=500",
                     "--kafka-config", "topic.metadata.refresh.interval.ms=1000",
                     "--kafka-config", "fetch.wait.max.ms=50"],
                    stdout=subprocess.DEVNULL, stderr=err), out, err))
                os.makedirs(os.path.join(tmp, "state%d" % i), exist_ok=True)
            jsonl = os.path.join(tmp, "sensor.jsonl")
            proc = subprocess.run(
                [sensor, "-r", cap, "--no-progress", "-w", jsonl,
                 "--set", "output.sensor_id=s-kafka",
                 "--set", "output.kafka_brokers=" + brokers,
                 "--set", "output.spool_dir=" + os.path.join(tmp, "spool"),
                 "--set", "stats.interval=0"],
                capture_output=True, timeout=120)
            if proc.returncode != 0:
                print("FAIL sensor exit %d: %s" % (proc.returncode, proc.stderr[-2000:]))
                return 1
            stats = {}
            for l in proc.stderr.decode(errors="replace").splitlines():
                if l.startswith('{"stats"'):
                    stats = json.loads(l)["stats"].get("output_kafka", {})
            expected = read_lines(jsonl)
            want = {key(x): x for x in expected}
            # Wait (bounded) until the collectors together hold every event.
            deadline = time.time() + 60
            while time.time() < deadline:
                got = [read_lines(out) for _, out, _ in collectors]
                if len({key(x) for lines in got for x in lines}) >= len(want):
                    break
                time.sleep(0.2)
        finally:
            for p, _, err in collectors:
                p.send_signal(signal.SIGTERM)
            for p, _, err in collectors:
                try:
                    rc = p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
                    rc = "killed"
                if rc != 0:
                    problems.append("collector exit status %s" % rc)
                err.close()
            mproc.send_signal(signal.SIGTERM)
            mproc.wait(timeout=10)
        got = [read_lines(out) for _, out, _ in collectors]
        union = {}
        for i, lines in enumerate(got):
            keys = [key(x) for x in lines]
            if len(keys) != len(set(keys)):
                problems.append("collector %d wrote a duplicate" % i)
            for x in lines:
                union[key(x)] = x
        missing = sorted(set(want) - set(union))
        if missing:
            problems.append("%d events missing, first %s" % (len(missing), missing[:3]))
        differ = [k for k in want if k in union and union[k] != want[k]]
        if differ:
            problems.append("%d events differ from the sensor's line, first %s" % (
                len(differ), differ[:1]))
        if stats.get("acked") != len(expected):
            problems.append("sensor output_kafka.acked %s, %d events" % (stats.get("acked"),
                                                                       len(expected)))
        print("kafka: sensor %d events (output_kafka %s); collectors wrote %s" % (
            len(expected), json.dumps(stats, sort_keys=True), [len(x) for x in got]))
        if len(got) == 2 and (not got[0] or not got[1]):
            # Both members are assigned partitions; with 4 partitions per topic and events spread
            # over many connections, each reads some.
            problems.append("one collector read nothing: the group did not share the partitions")
    for p in problems:
        print("FAIL " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
