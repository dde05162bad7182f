#!/usr/bin/env python3
"""JA4 of every ClientHello of a capture, computed independently of the C++ code: the fields come
from tshark (ciphers, extension types, signature algorithms, ALPN, supported versions), the
arithmetic follows the FoxIO specification (technical_details/JA4.md) step by step. Used to check
the JA4 values the unit tests expect (tshark 4.0 has no JA4 field).

Usage: ja4_reference.py CAPTURE.pcap [PORT]
"""
import hashlib
import subprocess
import sys


def grease(v):
    return (v & 0x0F0F) == 0x0A0A and (v >> 8) == (v & 0xFF)


def ja4(ciphers, exts, sigs, alpns, versions, legacy):
    ciphers = [c for c in ciphers if not grease(c)]
    exts = [e for e in exts if not grease(e)]
    sigs = [s for s in sigs if not grease(s)]
    vers = [v for v in versions if not grease(v)]
    version = max(vers) if vers else legacy
    vname = {0x0304: "13", 0x0303: "12", 0x0302: "11", 0x0301: "10", 0x0300: "s3"}.get(version, "00")
    first = alpns[0] if alpns else ""
    alpn = (first[0] + first[-1]) if first else "00"
    a = "t%s%s%02d%02d%s" % (vname, "d" if 0 in exts else "i", min(len(ciphers), 99),
                            min(len(exts), 99), alpn)
    b_raw = ",".join("%04x" % c for c in sorted(ciphers))
    c_raw = ",".join("%04x" % e for e in sorted(e for e in exts if e not in (0x0000, 0x0010)))
    if sigs:
        c_raw += "_" + ",".join("%04x" % s for s in sigs)
    h = lambda s: hashlib.sha256(s.encode()).hexdigest()[:12] if s else "000000000000"
    return "%s_%s_%s" % (a, h(b_raw), h(c_raw))


def main():
    pcap = sys.argv[1]
    port = sys.argv[2] if len(sys.argv) > 2 else "443"
    out = subprocess.run(
        ["tshark", "-r", pcap, "-d", "tcp.port==%s,tls" % port, "-Y", "tls.handshake.type==1",
         "-T", "fields", "-E", "occurrence=a", "-e", "tls.handshake.ciphersuite",
         "-e", "tls.handshake.extension.type", "-e", "tls.handshake.sig_hash_alg",
         "-e", "tls.handshake.extensions_alpn_str", "-e", "tls.handshake.extensions.supported_version",
         "-e", "tls.handshake.version"],
        capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        c, e, s, alpn, sv, legacy = (line.split("\t") + [""] * 6)[:6]
        nums = lambda f, base: [int(x, base) for x in f.split(",") if x]
        print(ja4(nums(c, 16), nums(e, 10), nums(s, 16), [a for a in alpn.split(",") if a],
                  nums(sv, 16), int(legacy.split(",")[0], 16)))


if __name__ == "__main__":
    main()
