#!/usr/bin/python3
"""Writes the evasion suite's captures (tests/data/evasion/*.pcap) with scapy, offline: packets
are built and written to files, nothing is sent.

Every case is one TCP connection from 198.18.0.1 to 198.18.0.2:80 (RFC 2544 benchmark space):
handshake, the client's bytes cut, reordered, repeated, overlapped or fragmented as the case
says, the server's answer, then FIN/ACK both ways. The README beside the captures says, per case,
what the client does, what a server sees and what Mirador must report; tests/e2e/evasion_suite.py
checks it.

usage: make_evasion_captures.py [OUTDIR]   (default: tests/data/evasion next to this tool)
Needs python3-scapy (tools/setup.sh)."""

import os
import sys

from scapy.all import IP, TCP, Ether, Raw, wrpcap

CLIENT, SERVER = "198.18.0.1", "198.18.0.2"
CMAC, SMAC = "02:00:00:00:00:01", "02:00:00:00:00:02"
T0 = 1_800_000_000.0  # a fixed capture time: the files do not change from run to run

OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"
BAD = b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nbad"


class Conn:
    """One TCP connection; packets are appended in the order they are to appear in the file."""

    def __init__(self, sport, ip_id=1000):
        self.sport = sport
        self.cisn, self.sisn = 1_000_000 + sport * 7, 5_000_000 + sport * 11
        self.pkts = []
        self.t = T0 + sport  # each case its own second
        self.ip_id = ip_id

    def _ip(self, from_client, **kw):
        self.ip_id += 1
        src, dst = (CLIENT, SERVER) if from_client else (SERVER, CLIENT)
        return IP(src=src, dst=dst, id=self.ip_id, ttl=64, **kw)

    def _eth(self, from_client):
        return Ether(src=CMAC, dst=SMAC) if from_client else Ether(src=SMAC, dst=CMAC)

    def _add(self, pkt):
        self.t += 0.001
        pkt.time = self.t
        self.pkts.append(pkt)

    def tcp(self, from_client, flags, seq_off=0, data=b"", ack=None):
        """A segment at `seq_off` bytes after the sender's ISN + 1 (the SYN at -1)."""
        if from_client:
            seq, sport, dport = self.cisn + 1 + seq_off, self.sport, 80
            default_ack = self.sisn + 1
        else:
            seq, sport, dport = self.sisn + 1 + seq_off, 80, self.sport
            default_ack = self.cisn + 1
        a = default_ack if ack is None else ack
        seg = TCP(sport=sport, dport=dport, seq=seq, ack=a if "A" in flags else 0, flags=flags,
                  window=65535)
        pkt = self._eth(from_client) / self._ip(from_client) / seg
        if data:
            pkt = pkt / Raw(load=data)
        self._add(pkt)
        return pkt

    def handshake(self):
        self.tcp(True, "S", -1)
        self.tcp(False, "SA", -1, ack=self.cisn + 1)
        self.tcp(True, "A")

    def client(self, off, data):
        self.tcp(True, "PA", off, data)

    def client_fragments(self, off, data, pieces):
        """One client segment sent as IP fragments: `pieces` lists (offset, bytes) of the IP
        payload (the TCP header and data), each offset a multiple of 8; MF set on all but the
        one that ends the datagram."""
        seg = TCP(sport=self.sport, dport=80, seq=self.cisn + 1 + off, ack=self.sisn + 1,
                  flags="PA", window=65535) / Raw(load=data)
        ip = IP(src=CLIENT, dst=SERVER, ttl=64) / seg
        raw = bytes(ip)  # checksums and lengths computed
        ip_payload = raw[20:]
        self.ip_id += 1
        ident = self.ip_id
        for frag_off, payload in pieces(ip_payload):
            last = frag_off + len(payload) >= len(ip_payload)
            f = IP(src=CLIENT, dst=SERVER, ttl=64, id=ident, proto=6, frag=frag_off // 8,
                   flags=0 if last else "MF") / Raw(load=payload)
            self._add(self._eth(True) / f)

    def answer(self, request_len, response=OK):
        """The server acknowledges the request, answers, and both sides close."""
        self.tcp(False, "A", ack=self.cisn + 1 + request_len)
        self.tcp(False, "PA", 0, response, ack=self.cisn + 1 + request_len)
        self.tcp(True, "A", request_len, ack=self.sisn + 1 + len(response))
        self.tcp(True, "FA", request_len, ack=self.sisn + 1 + len(response))
        self.tcp(False, "FA", len(response), ack=self.cisn + 2 + request_len)
        self.tcp(True, "A", request_len + 1, ack=self.sisn + 2 + len(response))


def get(target, extra=b""):
    return (b"GET " + target + b" HTTP/1.1\r\nHost: api.example\r\nUser-Agent: evasion-suite\r\n"
            + extra + b"\r\n")


SQLI = b"/search?q=1%27%20OR%20%271%27=%271"  # q=1' OR '1'='1


def simple(port, request, response=OK):
    c = Conn(port)
    c.handshake()
    c.client(0, request)
    c.answer(len(request), response)
    return c


# --- TCP ------------------------------------------------------------------------------------


def tcp_overlap_first_wins(port):
    # The request arrives whole; then a copy of its middle with other bytes. Every receiver keeps
    # bytes it already delivered to the socket: the server reads the first copy.
    req = get(b"/search?q=hello-world-hello")
    c = Conn(port)
    c.handshake()
    c.client(0, req)
    i = req.index(b"hello")
    c.client(i, b"1'--or-1=1-'")  # same length as "hello-world-"
    c.answer(len(req))
    return c


def tcp_overlap_last_wins(port):
    # Out of order: bytes 10.. arrive holding a benign query, then a longer segment covering them
    # (from byte 10 on) with an injection, then bytes 0..10. Linux's out-of-order queue drops a
    # held segment that a later one covers entirely: the server reads the LAST copy (attack);
    # Mirador keeps the first (benign) and must flag the conflict.
    req_benign = get(b"/search?q=aaaaaaaaaaaaaaaaaaaaaa")
    req_attack = get(b"/search?q=1'%20OR%20'1'='1'--%20")
    assert len(req_benign) == len(req_attack), (len(req_benign), len(req_attack))
    c = Conn(port)
    c.handshake()
    c.client(10, req_benign[10:40])
    c.client(10, req_attack[10:])
    c.client(0, req_attack[:10])
    c.answer(len(req_attack))
    return c


def tcp_tiny_segments(port):
    req = get(SQLI)
    c = Conn(port)
    c.handshake()
    for i in range(len(req)):
        c.client(i, req[i:i + 1])
    c.answer(len(req))
    return c


def tcp_out_of_order(port):
    req = get(SQLI)
    c = Conn(port)
    c.handshake()
    cuts = list(range(0, len(req), 16))
    for off in reversed(cuts):
        c.client(off, req[off:off + 16])
    c.answer(len(req))
    return c


def tcp_duplicate_segments(port):
    req = get(SQLI)
    c = Conn(port)
    c.handshake()
    for off in range(0, len(req), 20):
        c.client(off, req[off:off + 20])
        c.client(off, req[off:off + 20])  # the same bytes again: a plain retransmission
    c.answer(len(req))
    return c


def tcp_retransmit_different(port):
    # The same range sent twice with different bytes (the classic insertion attack when the
    # first copy never reaches the host, e.g. a short TTL): flagged.
    first = get(b"/search?q=innocent-query-text")
    second = get(b"/search?q=1'%20OR%201=1--%20-")
    assert len(first) == len(second)
    c = Conn(port)
    c.handshake()
    c.client(0, first)
    c.client(0, second)
    c.answer(len(first))
    return c


# --- IP fragments ---------------------------------------------------------------------------


def split(step):
    def pieces(payload):
        return [(o, payload[o:o + step]) for o in range(0, len(payload), step)]
    return pieces


def ip_fragment_overlap(port):
    req = get(b"/search?q=benign-value-heree")
    evil = get(b"/search?q=1'%20OR%201=1--%20")
    assert len(req) == len(evil)

    def pieces(payload):
        # Fragment 2 (bytes 48..96 of the IP payload) sent twice: first benign, then with the
        # injection's bytes. Linux (since 4.19) drops a datagram with overlapping fragments.
        evil_payload = payload[:20] + evil  # the TCP header is the same; its checksum is not
        out = [(0, payload[0:48]), (48, payload[48:96]), (48, evil_payload[48:96])]
        out.append((96, payload[96:]))
        return out
    c = Conn(port)
    c.handshake()
    c.client_fragments(0, req, pieces)
    c.answer(len(req))
    return c


def ip_fragments_reversed(port):
    req = get(SQLI)

    def pieces(payload):
        return list(reversed(split(24)(payload)))
    c = Conn(port)
    c.handshake()
    c.client_fragments(0, req, pieces)
    c.answer(len(req))
    return c


def ip_fragments_tiny(port):
    req = get(SQLI)
    c = Conn(port)
    c.handshake()
    c.client_fragments(0, req, split(8))  # 8 bytes each: even the TCP header is split
    c.answer(len(req))
    return c


# --- URL encodings --------------------------------------------------------------------------


def double_encoding(port):
    # %2527 -> %27 -> ': the server decodes once, the application a second time.
    return simple(port, get(b"/files?name=%252e%252e%252f%252e%252e%252fetc%252fpasswd"))


def double_encoding_sqli(port):
    return simple(port, get(b"/search?q=1%2527%2520OR%2520%25271%2527%253D%25271"))


def overlong_utf8(port):
    # C0 AF is an overlong '/': old IIS and some Java decoders accepted it.
    return simple(port, get(b"/static/..%c0%af..%c0%af..%c0%afetc%c0%afpasswd"))


def percent_u(port):
    # IIS-style %uXXXX: %u0027 is '.
    return simple(port, get(b"/search?q=1%u0027%u0020OR%u0020%u00271%u0027=%u00271"))


def unicode_fullwidth(port):
    # Full-width < > (U+FF1C, U+FF1E), percent-encoded UTF-8: NFKC folds them to < and >.
    return simple(port, get(b"/search?q=%EF%BC%9Cscript%EF%BC%9Ealert(1)%EF%BC%9C/script%EF%BC%9E"))


# --- HTTP syntax ----------------------------------------------------------------------------


def method_case(port):
    return simple(port, b"gEt /admin/users HTTP/1.1\r\nHost: api.example\r\n\r\n", BAD)


def header_folding(port):
    req = (b"GET /profile HTTP/1.1\r\nHost: api.example\r\nX-Forwarded-For: 203.0.113.9,\r\n"
           b" 198.18.0.1\r\nAccept: */*\r\n\r\n")
    return simple(port, req, BAD)


def post(headers, body):
    return (b"POST /api/comments HTTP/1.1\r\nHost: api.example\r\n" + headers + b"\r\n" + body)


SMUGGLED = b"GET /admin HTTP/1.1\r\nHost: api.example\r\n\r\n"


def smuggling_cl_te(port):
    # The front end reads Content-Length (the whole body), the back end chunked: "0" ends the
    # body and "GET /admin" is a second request to it.
    body = b"0\r\n\r\n" + SMUGGLED
    return simple(port, post(b"Content-Length: %d\r\nTransfer-Encoding: chunked\r\n" % len(body),
                             body))


def smuggling_te_cl(port):
    # The front end reads chunked (one chunk holding a request), the back end Content-Length: 4.
    chunk = SMUGGLED
    body = b"%x\r\n" % len(chunk) + chunk + b"\r\n0\r\n\r\n"
    return simple(port, post(b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n", body))


def te_te(port, te_lines):
    body = b"0\r\n\r\n" + SMUGGLED
    return simple(port, post(b"Content-Length: %d\r\n" % len(body) + te_lines, body), BAD)


def te_te_trailing_space(port):
    return te_te(port, b"Transfer-Encoding: chunked \r\n")


def te_te_xchunked(port):
    return te_te(port, b"Transfer-Encoding: xchunked\r\n")


def te_te_duplicate(port):
    return te_te(port, b"Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n")


def te_te_space_before_colon(port):
    return te_te(port, b"Transfer-Encoding : chunked\r\n")


def chunk_extensions(port):
    body = b"5;name=value\r\nhello\r\n6;x=\"q\"\r\n world\r\n0;last\r\n\r\n"
    return simple(port, post(b"Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n", body))


def bad_chunk_size(port):
    body = b"5\r\nhello\r\nzz\r\n world\r\n0\r\n\r\n"
    return simple(port, post(b"Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n", body),
                  BAD)


CASES = [
    tcp_overlap_first_wins, tcp_overlap_last_wins, tcp_tiny_segments, tcp_out_of_order,
    tcp_duplicate_segments, tcp_retransmit_different,
    ip_fragment_overlap, ip_fragments_reversed, ip_fragments_tiny,
    double_encoding, double_encoding_sqli, overlong_utf8, percent_u, unicode_fullwidth,
    method_case, header_folding,
    smuggling_cl_te, smuggling_te_cl, te_te_trailing_space, te_te_xchunked, te_te_duplicate,
    te_te_space_before_colon, chunk_extensions, bad_chunk_size,
]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "tests", "data", "evasion")
    os.makedirs(out, exist_ok=True)
    for i, case in enumerate(CASES):
        conn = case(40000 + i)
        path = os.path.join(out, case.__name__ + ".pcap")
        wrpcap(path, conn.pkts)
        print("%-28s %4d packets %6d bytes" % (case.__name__, len(conn.pkts), os.path.getsize(path)))


if __name__ == "__main__":
    main()
