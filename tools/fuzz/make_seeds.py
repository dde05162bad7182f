#!/usr/bin/env python3
"""Seed corpora for the libFuzzer targets (tests/fuzz), carved from tests/data at run time.

Usage: make_seeds.py SOURCE_DIR OUT_DIR

Writes OUT_DIR/<target>/<name> files in each target's input format (see tests/fuzz/*.cc and
tests/fuzz/fuzz_input.h):
  packet_decode   link-type index byte, then frames (2-byte length + bytes) from every capture
  ip_defrag       the IPv4 fragments of the captures, plus a few synthetic fragment sets
  tcp_reassembly  SYN / segment / FIN / ACK steps of each TCP flow
  http1 http2 tls stream records (op, 2-byte length, bytes) of each flow's two directions
  grpc            gRPC bodies found in the HTTP/2 captures' DATA frames, and hand-made messages
  body            bodies compressed here with gzip and zlib (br ones are committed)
  json            JSON documents of tests/data, query strings, cookies and bodies of the flows
  rules           the shipped rule files and tests/data/rules
  config          (committed seeds only: tests/fuzz/seeds/config)
Hand-written seeds under tests/fuzz/seeds/<target>/ are copied as they are.
Python 3 standard library only. Every count is capped so the corpora stay small.
"""

import gzip
import hashlib
import os
import shutil
import struct
import sys
import zlib

MAX_FLOWS_PER_CAPTURE = 12
MAX_RECORDS = 200
MAX_SEED_BYTES = 65536
LINK_TYPES = [0, 1, 12, 101, 113, 228, 229, 276]  # as in packet_decode_fuzz.cc


# ---- captures ---------------------------------------------------------------------------------

def read_capture(path):
    """Yields (linktype, frame bytes) of a pcap or pcapng file (gzip allowed)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
        linktype = struct.unpack(e + "I", data[20:24])[0] & 0xFFFF
        off = 24
        while off + 16 <= len(data):
            incl = struct.unpack(e + "I", data[off + 8:off + 12])[0]
            off += 16
            yield linktype, data[off:off + incl]
            off += incl
    elif magic == b"\x0a\x0d\x0d\x0a":
        e = "<" if data[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
        links = []
        off = 0
        while off + 12 <= len(data):
            btype, blen = struct.unpack(e + "II", data[off:off + 8])
            if blen < 12:
                break
            body = data[off + 8:off + blen - 4]
            if btype == 1:  # interface description
                links.append(struct.unpack(e + "H", body[:2])[0])
            elif btype == 6 and len(body) >= 20:  # enhanced packet
                iface, _, _, cap = struct.unpack(e + "IIII", body[:16])
                yield (links[iface] if iface < len(links) else 1), body[20:20 + cap]
            elif btype == 3 and len(body) >= 4:  # simple packet
                yield (links[0] if links else 1), body[4:]
            off += blen


def ip_of_frame(linktype, frame):
    """The IP packet inside a frame (VLAN tags skipped), or None."""
    if linktype == 1:
        off, etype = 14, frame[12:14]
        while etype in (b"\x81\x00", b"\x88\xa8") and len(frame) >= off + 4:
            etype = frame[off + 2:off + 4]
            off += 4
        return frame[off:] if etype in (b"\x08\x00", b"\x86\xdd") else None
    if linktype == 113:
        return frame[16:] if frame[14:16] in (b"\x08\x00", b"\x86\xdd") else None
    if linktype == 276:
        return frame[20:] if frame[0:2] in (b"\x08\x00", b"\x86\xdd") else None
    if linktype == 0:
        return frame[4:]
    if linktype in (12, 101, 228, 229):
        return frame
    return None


def parse_ip(ip):
    """(src, dst, proto, payload, frag) of an IPv4/IPv6 packet; frag = (id, offset, more) or None."""
    if len(ip) < 20:
        return None
    if ip[0] >> 4 == 4:
        ihl = (ip[0] & 15) * 4
        total = struct.unpack(">H", ip[2:4])[0]
        ff = struct.unpack(">H", ip[6:8])[0]
        frag = None
        if ff & 0x3FFF:
            frag = (struct.unpack(">H", ip[4:6])[0], (ff & 0x1FFF) * 8, bool(ff & 0x2000))
        return ip[12:16], ip[16:20], ip[9], ip[ihl:total], frag
    if ip[0] >> 4 == 6 and len(ip) >= 40:
        plen = struct.unpack(">H", ip[4:6])[0]
        return ip[8:24], ip[24:40], ip[6], ip[40:40 + plen], None
    return None


def tcp_packets(path):
    """Yields (src, sport, dst, dport, seq, ack, flags, payload) of each TCP packet, VXLAN inner
    frames included."""
    try:
        frames = list(read_capture(path))
    except (OSError, EOFError, struct.error):
        return
    todo = [(lt, fr) for lt, fr in frames]
    while todo:
        linktype, frame = todo.pop(0)
        ip = ip_of_frame(linktype, frame)
        parsed = parse_ip(ip) if ip else None
        if not parsed or parsed[4]:
            continue
        src, dst, proto, l4, _ = parsed
        if proto == 17 and len(l4) >= 16 and struct.unpack(">H", l4[2:4])[0] == 4789:
            todo.insert(0, (1, l4[16:]))
            continue
        if proto != 6 or len(l4) < 20:
            continue
        sport, dport, seq, ack = struct.unpack(">HHII", l4[:12])
        hl = (l4[12] >> 4) * 4
        yield src, sport, dst, dport, seq, ack, l4[13], l4[hl:]


def flows(path):
    """{key: [(dir, seq, ack, flags, payload)...]} with dir 0 = from the client (SYN sender, or
    the first talker), in capture order."""
    out = {}
    client = {}
    for src, sport, dst, dport, seq, ack, flags, payload in tcp_packets(path):
        a, b = (src, sport), (dst, dport)
        key = (min(a, b), max(a, b))
        if key not in client:
            if len(out) >= MAX_FLOWS_PER_CAPTURE:
                continue
            syn_ack = (flags & 0x12) == 0x12
            client[key] = b if syn_ack else a
            out[key] = []
        d = 0 if a == client[key] else 1
        out[key].append((d, seq, ack, flags, payload))
    return out


def in_order_payloads(packets):
    """(dir, bytes, fin) per packet, retransmitted bytes dropped: the streams as delivered."""
    nxt = [None, None]
    for d, seq, _ack, flags, payload in packets:
        if flags & 0x02:
            nxt[d] = (seq + 1) & 0xFFFFFFFF
        if payload:
            if nxt[d] is None:
                nxt[d] = seq
            skip = (nxt[d] - seq) & 0xFFFFFFFF
            if skip < len(payload):
                yield d, payload[skip:], False
                nxt[d] = (seq + len(payload)) & 0xFFFFFFFF
        if flags & 0x01:
            yield d, b"", True


def stream_records(packets):
    out = bytearray()
    n = 0
    for d, data, fin in in_order_payloads(packets):
        if n >= MAX_RECORDS or len(out) >= MAX_SEED_BYTES:
            break
        if fin:
            out += bytes([d | 4]) + b"\0\0"
        else:
            for i in range(0, len(data), 65535):
                piece = data[i:i + 65535]
                out += bytes([d]) + struct.pack(">H", len(piece)) + piece
        n += 1
    return bytes(out)


def directions(packets):
    both = [bytearray(), bytearray()]
    for d, data, _fin in in_order_payloads(packets):
        if len(both[d]) < MAX_SEED_BYTES:
            both[d] += data
    return bytes(both[0]), bytes(both[1])


# ---- per target -------------------------------------------------------------------------------

class Corpus:
    def __init__(self, root):
        self.root = root
        self.counts = {}

    def add(self, target, data, limit=400):
        if not data or self.counts.get(target, 0) >= limit:
            return
        d = os.path.join(self.root, target)
        os.makedirs(d, exist_ok=True)
        name = hashlib.sha1(data).hexdigest()
        path = os.path.join(d, name)
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.write(data[:MAX_SEED_BYTES * 2])
            self.counts[target] = self.counts.get(target, 0) + 1


def packet_seeds(corpus, path):
    frames = []
    try:
        frames = list(read_capture(path))
    except (OSError, EOFError, struct.error):
        return
    if not frames:
        return
    linktype = frames[0][0]
    if linktype not in LINK_TYPES:
        return
    for start in range(0, min(len(frames), 64), 8):
        out = bytearray([LINK_TYPES.index(linktype)])
        for _lt, fr in frames[start:start + 8]:
            fr = fr[:65535]
            out += struct.pack(">H", len(fr)) + fr
        corpus.add("packet_decode", bytes(out))
    # Fragments: each capture's IPv4 fragments in ip_defrag's format.
    out = bytearray()
    for lt, fr in frames:
        ip = ip_of_frame(lt, fr)
        parsed = parse_ip(ip) if ip else None
        if parsed and parsed[4]:
            _id, offset, more = parsed[4]
            out += fragment_record(0, offset, more, parsed[3])
    corpus.add("ip_defrag", bytes(out))


def fragment_record(key, offset, more, data):
    data = data[:255 * 8 + 7]
    sel = key | (len(data) & 7) << 5
    return bytes([sel]) + struct.pack(">H", (offset // 8) << 1 | int(more)) + \
        bytes([len(data) // 8, 1]) + data


def synthetic_fragments(corpus):
    payload = bytes(range(256)) * 6  # 1536 bytes
    parts = [(0, True, payload[:512]), (512, True, payload[512:1024]), (1024, False, payload[1024:])]
    for key in (0, 4):  # IPv4 and IPv6 keys
        corpus.add("ip_defrag", b"".join(fragment_record(key, o, m, d) for o, m, d in parts))
        corpus.add("ip_defrag", b"".join(fragment_record(key, o, m, d) for o, m, d in reversed(parts)))
    # Overlap with other bytes, and a duplicate.
    corpus.add("ip_defrag", fragment_record(1, 0, True, payload[:64]) +
               fragment_record(1, 32, True, b"X" * 64) + fragment_record(1, 96, False, payload[:8]))


def tcp_seeds(corpus, packets):
    out = bytearray()
    steps = 0
    for d, seq, ack, flags, payload in packets:
        if steps >= MAX_RECORDS:
            break
        if flags & 0x02:
            out += bytes([d | 0 << 1]) + struct.pack(">I", seq)
        for i in range(0, len(payload), 255):
            piece = payload[i:i + 255]
            out += bytes([d | 4 << 1]) + struct.pack(">I", (seq + i) & 0xFFFFFFFF) + \
                bytes([len(piece)]) + piece
        if flags & 0x01:
            out += bytes([d | 1 << 1]) + struct.pack(">I", (seq + len(payload)) & 0xFFFFFFFF)
        if flags & 0x10:
            out += bytes([d | 2 << 1]) + struct.pack(">I", ack)
        steps += 1
    corpus.add("tcp_reassembly", bytes(out))


def h2_frames(data):
    """(type, flags, stream, payload) of the HTTP/2 frames of one direction."""
    if data.startswith(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"):
        data = data[24:]
    off = 0
    while off + 9 <= len(data):
        length = int.from_bytes(data[off:off + 3], "big")
        ftype, flags = data[off + 3], data[off + 4]
        stream = int.from_bytes(data[off + 5:off + 9], "big") & 0x7FFFFFFF
        yield ftype, flags, stream, data[off + 9:off + 9 + length]
        off += 9 + length


def grpc_seeds_from(corpus, client, server):
    for data in (client, server):
        bodies = {}
        for ftype, flags, stream, payload in h2_frames(data):
            if ftype != 0:
                continue
            if flags & 0x08 and payload:  # padded
                payload = payload[1:len(payload) - payload[0]]
            bodies[stream] = bodies.get(stream, b"") + payload
        for body in bodies.values():
            if len(body) >= 5 and body[0] in (0, 1):
                corpus.add("grpc", b"\0" + body)


def http_bodies(data):
    """(content-type, body, request line) of each HTTP/1.x message in one direction (bodies by
    Content-Length only)."""
    off = 0
    while True:
        end = data.find(b"\r\n\r\n", off)
        if end < 0:
            return
        head = data[off:end].split(b"\r\n")
        ctype, length = b"", 0
        for line in head[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-type":
                ctype = value.strip()
            elif name.strip().lower() == b"content-length":
                try:
                    length = int(value.strip())
                except ValueError:
                    length = 0
        body = data[end + 4:end + 4 + min(length, MAX_SEED_BYTES)]
        yield ctype, body, head[0], head[1:]
        off = end + 4 + max(length, 0)


def json_seeds_from_http(corpus, client, server):
    for mode, data in ((4, client), (5, server)):
        for ctype, body, first, headers in http_bodies(data):
            if body:
                corpus.add("json", bytes([mode]) + ctype + b"\r\n" + body)
                corpus.add("body", b"\3\0" + body, limit=200)
            if mode == 4 and b"?" in first:
                target = first.split(b" ")[1] if first.count(b" ") >= 2 else first
                corpus.add("json", b"\1" + target.partition(b"?")[2])
            for line in headers:
                name, _, value = line.partition(b":")
                if name.strip().lower() in (b"cookie", b"set-cookie"):
                    corpus.add("json", b"\2" + value.strip())


def flow_seeds(corpus, path):
    for packets in flows(path).values():
        tcp_seeds(corpus, packets)
        client, server = directions(packets)
        records = stream_records(packets)
        if not records:
            continue
        if client.startswith(b"PRI * HTTP/2.0") or server[:9][3:4] == b"\x04":
            corpus.add("http2", b"\0" + records)
            corpus.add("http2", b"\1" + records[:4096])
            grpc_seeds_from(corpus, client, server)
        elif client[:1] == b"\x16" or server[:1] == b"\x16":
            corpus.add("tls", b"\1" + records)
        else:
            corpus.add("http1", records)
            json_seeds_from_http(corpus, client, server)


def body_seeds(corpus, texts):
    for text in texts[:40]:
        text = text[:16384]
        corpus.add("body", b"\0\0" + gzip.compress(text))
        corpus.add("body", b"\1\7" + zlib.compress(text))
        raw = zlib.compressobj(wbits=-15)
        corpus.add("body", b"\1\x21" + raw.compress(text) + raw.flush())
        corpus.add("body", b"\3\0" + text)


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def pb_field(num, value):
    if isinstance(value, int):
        return varint(num << 3) + varint(value)
    return varint(num << 3 | 2) + varint(len(value)) + value


def grpc_handmade(corpus):
    inner = pb_field(1, b"alice@example.com") + pb_field(2, 42) + pb_field(3, b"4111111111111111")
    msg = pb_field(1, inner) + pb_field(1, inner) + pb_field(4, b"\x01\x02\xff") + pb_field(5, 1 << 62)
    framed = b"\0" + struct.pack(">I", len(msg)) + msg
    corpus.add("grpc", b"\0" + framed + framed)
    z = gzip.compress(msg)
    corpus.add("grpc", b"\1" + b"\1" + struct.pack(">I", len(z)) + z)
    d = zlib.compress(msg)
    corpus.add("grpc", b"\2" + b"\1" + struct.pack(">I", len(d)) + d)
    trailer = b"grpc-status: 0\r\n"
    corpus.add("grpc", b"\0" + framed + b"\x80" + struct.pack(">I", len(trailer)) + trailer)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, out = sys.argv[1], sys.argv[2]
    if os.path.isdir(out):
        shutil.rmtree(out)
    corpus = Corpus(out)
    data_dir = os.path.join(src, "tests", "data")
    captures, texts = [], []
    for root, dirs, files in os.walk(data_dir):
        dirs.sort()
        if os.path.relpath(root, data_dir).startswith("fuzz"):
            continue
        for name in sorted(files):
            p = os.path.join(root, name)
            if name.endswith((".pcap", ".pcapng", ".pcap.gz")):
                captures.append(p)
            elif name.endswith(".json") and os.path.getsize(p) < 256 * 1024:
                with open(p, "rb") as f:
                    texts.append(f.read())
    for t in texts:
        corpus.add("json", b"\0" + t[:MAX_SEED_BYTES])
    body_seeds(corpus, texts)
    for p in captures:
        packet_seeds(corpus, p)
        flow_seeds(corpus, p)
    synthetic_fragments(corpus)
    grpc_handmade(corpus)
    for rules_dir in (os.path.join(src, "detectors", "rules"), os.path.join(data_dir, "rules")):
        for root, _dirs, files in os.walk(rules_dir):
            for name in sorted(files):
                if name.endswith((".yaml", ".yml")):
                    with open(os.path.join(root, name), "rb") as f:
                        corpus.add("rules", f.read()[:16384])
    # Hand-written seeds, and the reproducers of fixed findings (tests/data/fuzz/<target>/).
    for base in (os.path.join(src, "tests", "fuzz", "seeds"), os.path.join(data_dir, "fuzz")):
        if not os.path.isdir(base):
            continue
        for target in sorted(os.listdir(base)):
            for name in sorted(os.listdir(os.path.join(base, target))):
                with open(os.path.join(base, target, name), "rb") as f:
                    corpus.add(target, f.read(), limit=10**6)
    for target in sorted(corpus.counts):
        print(f"seeds: {target} {corpus.counts[target]}")


if __name__ == "__main__":
    main()
