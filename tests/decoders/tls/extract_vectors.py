#!/usr/bin/env python3
"""Prints one entry of openssl_vectors.h from a one-connection capture and its key log.

Usage: extract_vectors.py NAME REQUEST PCAP KEYLOG. The TCP payloads are taken in order with
tshark (`follow,tcp,raw`), so the capture must hold one clean connection. Kept per direction:
the records after ChangeCipherSpec (the protected ones), as hex."""
import subprocess
import sys


def streams(pcap):
    text = subprocess.run(["tshark", "-r", pcap, "-q", "-z", "follow,tcp,raw,0"],
                          check=True, capture_output=True, text=True).stdout
    client, server = bytearray(), bytearray()
    started = False
    for line in text.splitlines():
        if line.startswith("Node 1:"):
            started = True
            continue
        if not started or line.startswith("="):
            continue
        if line.startswith("\t"):
            server += bytes.fromhex(line.strip())
        elif line.strip():
            client += bytes.fromhex(line.strip())
    return bytes(client), bytes(server)


def records(data):
    out, i = [], 0
    while i + 5 <= len(data):
        n = int.from_bytes(data[i + 3:i + 5], "big")
        out.append(data[i:i + 5 + n])
        i += 5 + n
    return out


def after_ccs(recs):
    for i, r in enumerate(recs):
        if r[0] == 20:
            return recs[i + 1:]
    return []


def cxx_strings(items, indent):
    return ",\n".join(f'{indent}"{x}"' for x in items)


def main():
    name, request, pcap, keylog = sys.argv[1:5]
    client, server = streams(pcap)
    crec, srec = records(client), records(server)
    hello = srec[0]  # ServerHello: header 5, type+length 4, version 2, random 32
    server_random = hello[11:43]
    sid_len = hello[43]
    suite = int.from_bytes(hello[44 + sid_len:46 + sid_len], "big")
    version = 0x0304 if b"\x00\x2b\x00\x02\x03\x04" in hello else 0x0303
    with open(keylog) as f:
        keys = [line.strip() for line in f if line.strip() and not line.startswith("#")]
    print(f"    {{\"{name}\", 0x{version:04x}, 0x{suite:04x}, \"{request}\",")
    print(f"     \"{crec[0][11:43].hex()}\", \"{server_random.hex()}\",")
    print("     {\n" + cxx_strings(keys, "         ") + "},")
    print("     {\n" + cxx_strings([r.hex() for r in after_ccs(crec)], "         ") + "},")
    print("     {\n" + cxx_strings([r.hex() for r in after_ccs(srec)], "         ") + "}},")


main()
