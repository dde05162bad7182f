"""Same events from 1, 2 and 4 workers, and from the DPDK path (net_pcap vdev) and libpcap;
also with the seccomp allowlist on and (as root) after the drop to user nobody.

Every committed capture that Mirador reads (HTTP/1.x, HTTP/2, gRPC, TLS with its key log, the
abuse scenarios, tunnels, fragments) is merged into one capture by time (mergecap), so one run
carries them all; the sensor runs with every detector on and a fixed identity key. Events are
compared as multisets (order across workers is free; the sequence number is the output
thread's), stats events aside. With the stateful detectors merged in capture order, the
findings (abuse, hygiene, TLS, spec), the endpoint events and the inventory must be equal too.

usage: workers_equivalence.py MIRADOR"""

import collections
import glob
import gzip
import json
import os
import pwd
import shutil
import struct
import subprocess
import sys
import tempfile

import mirador_run

DPDK_ARGS = ("-l 0 --no-telemetry --no-huge --no-pci -m 256 --no-shconf --log-level=*:error "
             "--vdev=net_pcap0,rx_pcap=%s")


def ethernet_pcap(path):
    """True for a classic pcap file of link type Ethernet (what one merged pcap can hold)."""
    with open(path, "rb") as f:
        head = f.read(24)
    if len(head) < 24:
        return False
    for order in ("<", ">"):
        magic, = struct.unpack(order + "I", head[:4])
        if magic in (0xA1B2C3D4, 0xA1B23C4D):
            return struct.unpack(order + "I", head[20:24])[0] == 1
    return False


def captures(work):
    data = mirador_run.data_dir()
    paths = sorted(glob.glob(os.path.join(data, "*.pcap")))
    for sub in ("h2", "tls"):
        paths += sorted(glob.glob(os.path.join(data, sub, "*.pcap")))
    for gz in sorted(glob.glob(os.path.join(data, "scenarios", "*.pcap.gz"))):
        out = os.path.join(work, os.path.basename(gz)[:-3])
        with gzip.open(gz, "rb") as src, open(out, "wb") as dst:
            shutil.copyfileobj(src, dst)
        paths.append(out)
    return [p for p in paths if ethernet_pcap(p)]


def events(path):
    counts = collections.Counter()
    kinds = collections.Counter()
    with open(path, encoding="utf-8") as f:
        for line in f:
            e = json.loads(line)
            if "stats" in e:
                continue
            e.pop("sequence", None)
            kind = next(k for k in e if k not in ("sensor_id", "time"))
            kinds[kind] += 1
            counts[json.dumps(e, sort_keys=True)] += 1
    return counts, kinds


# LeakSanitizer stops the threads at exit through a ptrace()ing child: the seccomp allowlist
# (kill) and the dropped, undumpable process forbid it, so a sanitizer build checks leaks in the
# other runs only.
NO_LSAN = dict(os.environ, ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0")


def run(sensor, args, out, timeout=600, env=None):
    proc = subprocess.run([sensor, "--no-progress", "-w", out, *args], capture_output=True, env=env,
                          timeout=timeout, check=False)
    if proc.returncode != 0:
        raise SystemExit("FAIL: mirador %s exited %d:\n%s" % (" ".join(args), proc.returncode,
                                                              proc.stderr.decode()[-2000:]))
    return proc.stderr.decode()


def main():
    sensor = sys.argv[1]
    mirador_run.require_tools("mergecap")
    with tempfile.TemporaryDirectory() as work:
        merged = os.path.join(work, "all.pcap")
        subprocess.run(["mergecap", "-F", "pcap", "-w", merged, *captures(work)], check=True)
        keylog = os.path.join(work, "all.keys")
        with open(keylog, "w", encoding="utf-8") as out:
            for k in sorted(glob.glob(os.path.join(mirador_run.data_dir(), "tls", "*.keys"))):
                with open(k, encoding="utf-8") as f:
                    out.write(f.read())
        common = ["--set", "identity.hash_key=workers-equivalence",
                  "--set", "tls.keylog_file=" + keylog, "--set", "stats.events=false"]
        runs = {}
        for n in (1, 2, 4):
            out = os.path.join(work, "w%d.jsonl" % n)
            run(sensor, ["-r", merged, "--workers", str(n), *common], out)
            runs["%d worker(s)" % n] = events(out)
        help_text = subprocess.run([sensor, "--help"], capture_output=True, text=True).stdout
        dpdk = "--dpdk" in help_text and os.geteuid() == 0
        if dpdk:
            out = os.path.join(work, "dpdk.jsonl")
            stderr = run(sensor, ["--dpdk", "--workers", "2", *common,
                                  "--set", "capture.dpdk.eal_args=" + DPDK_ARGS % merged,
                                  "--set", "capture.dpdk.idle_stop=1s",
                                  "--set", "capture.dpdk.mbufs=4095"], out)
            if "this build has no DPDK" not in stderr:
                runs["DPDK net_pcap, 2 workers"] = events(out)
        # Least privilege (issue 8): the seccomp allowlist (kill on anything else) and, as root,
        # the drop to nobody change nothing in what is reported.
        secure = ["--set", "security.seccomp=true", "--set", "security.seccomp_action=kill"]
        secure_out = work
        if os.geteuid() == 0:
            os.chmod(work, 0o755)  # nobody reaches its output directory and the key log
            secure_out = os.path.join(work, "nobody")
            os.mkdir(secure_out)
            nobody = pwd.getpwnam("nobody")
            os.chown(secure_out, nobody.pw_uid, nobody.pw_gid)
            secure += ["--user", "nobody"]
        out = os.path.join(secure_out, "secure.jsonl")
        run(sensor, ["-r", merged, "--workers", "2", *common, *secure], out, env=NO_LSAN)
        runs["2 workers, seccomp%s" % (", --user nobody" if os.geteuid() == 0 else "")] = events(out)
        if dpdk:
            out = os.path.join(secure_out, "dpdk_secure.jsonl")
            stderr = run(sensor, ["--dpdk", "--workers", "2", *common, *secure,
                                  "--set", "capture.dpdk.eal_args=" + DPDK_ARGS % merged,
                                  "--set", "capture.dpdk.idle_stop=1s",
                                  "--set", "capture.dpdk.mbufs=4095"], out, env=NO_LSAN)
            if "this build has no DPDK" not in stderr:
                runs["DPDK net_pcap, 2 workers, seccomp, --user nobody"] = events(out)
        base_name = "1 worker(s)"
        base, kinds = runs[base_name]
        print("%d events from 1 worker: %s" % (sum(base.values()), dict(sorted(kinds.items()))))
        for want in ("http", "finding", "endpoint", "tls"):
            if kinds[want] == 0:
                raise SystemExit("FAIL: no %s events: the merged capture should have some" % want)
        failed = False
        for name, (got, got_kinds) in runs.items():
            if name == base_name:
                continue
            if got == base:
                print("%s: the same %d events" % (name, sum(got.values())))
                continue
            failed = True
            print("FAIL: %s differs: %s vs %s" % (name, dict(got_kinds), dict(kinds)))
            for line in list((base - got).elements())[:3]:
                print("  only with 1 worker:", line[:300])
            for line in list((got - base).elements())[:3]:
                print("  only with %s:" % name, line[:300])
        if not dpdk:
            print("DPDK comparison skipped (no --dpdk in this build, or not root)")
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
