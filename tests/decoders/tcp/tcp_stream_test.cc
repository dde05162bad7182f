#include "decoders/tcp/tcp_stream.h"

#include <catch2/catch.hpp>
#include <string>

#include "tests/decoders/tcp/recording_sink.h"

namespace mirador {
namespace {

using test::RecordingSink;

const uint8_t* bytes(const std::string& s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}

void seg(TcpStream& s, uint32_t seq, const std::string& data, RecordingSink& sink) {
  s.on_segment(seq, bytes(data), static_cast<uint32_t>(data.size()), 0, sink);
}

struct Fixture {
  TcpStreamConfig cfg;
  ReassemblyMemory mem;
  RecordingSink sink;
};

TEST_CASE("in-order data is delivered from the caller's buffer", "[tcp]") {
  Fixture f;
  TcpStream s(f.cfg, f.mem);
  s.on_syn(1000);
  REQUIRE(s.started());
  REQUIRE(s.syn_seen());
  REQUIRE(s.next_seq() == 1001);
  const std::string a = "hello ";
  const std::string b = "world";
  seg(s, 1001, a, f.sink);
  seg(s, 1007, b, f.sink);
  REQUIRE(f.sink.log == "hello world");
  REQUIRE(f.sink.pointers.size() == 2);
  REQUIRE(f.sink.pointers[0] == bytes(a));
  REQUIRE(f.sink.pointers[1] == bytes(b));
  REQUIRE(s.held_bytes() == 0);
  REQUIRE(s.counters().segments == 2);
  REQUIRE(s.counters().bytes_delivered == 11);
  REQUIRE(s.next_seq() == 1012);
}

TEST_CASE("sequence numbers wrap around 2^32", "[tcp]") {
  Fixture f;
  TcpStream s(f.cfg, f.mem);
  s.on_syn(0xFFFFFFFAu);                 // first data byte at 0xFFFFFFFB
  seg(s, 0x00000002u, "world", f.sink);  // ahead, after the wrap: held
  REQUIRE(s.held_bytes() == 5);
  seg(s, 0xFFFFFFFBu, "hello", f.sink);  // 5 bytes: 0xFFFFFFFB..0xFFFFFFFF
  REQUIRE(f.sink.log == "hello");        // "world" starts at 0x2, hole at 0x0..0x1
  seg(s, 0x00000000u, ", ", f.sink);
  REQUIRE(f.sink.log == "hello, world");
  REQUIRE(s.next_seq() == 0x00000007u);
  REQUIRE(s.held_bytes() == 0);
  REQUIRE(s.counters().out_of_order == 1);
  REQUIRE(s.counters().gaps == 0);
}

TEST_CASE("out-of-order data is held, then delivered in order", "[tcp]") {
  Fixture f;
  TcpStream s(f.cfg, f.mem);
  s.on_syn(0);
  seg(s, 7, "CCC", f.sink);
  seg(s, 4, "BBB", f.sink);
  REQUIRE(f.sink.log.empty());
  REQUIRE(s.held_bytes() == 6);
  REQUIRE(s.held_segments() == 2);
  REQUIRE(f.mem.used == 6);
  seg(s, 1, "AAA", f.sink);
  REQUIRE(f.sink.log == "AAABBBCCC");
  REQUIRE(s.held_bytes() == 0);
  REQUIRE(f.mem.used == 0);
  REQUIRE(s.counters().out_of_order == 2);
  REQUIRE(s.counters().overlaps == 0);
}

TEST_CASE("contiguous held segments merge into one piece", "[tcp]") {
  Fixture f;
  TcpStream s(f.cfg, f.mem);
  s.on_syn(0);
  seg(s, 11, "b", f.sink);
  seg(s, 12, "c", f.sink);
  seg(s, 13, "d", f.sink);
  REQUIRE(s.held_segments() == 1);
  REQUIRE(s.held_bytes() == 3);
}

TEST_CASE("retransmissions are counted and dropped", "[tcp]") {
  Fixture f;
  TcpStream s(f.cfg, f.mem);
  s.on_syn(0);
  seg(s, 1, "abcdef", f.sink);
  seg(s, 1, "abcdef", f.sink);
  seg(s, 3, "cd", f.sink);
  REQUIRE(f.sink.log == "abcdef");
  REQUIRE(s.counters().retransmissions == 2);
  REQUIRE(s.counters().overlap_conflicts == 0);
  REQUIRE(s.counters().bytes_delivered == 6);
}

TEST_CASE("a partial overlap delivers only the new bytes", "[tcp]") {
  Fixture f;
  TcpStream s(f.cfg, f.mem);
  s.on_syn(0);
  seg(s, 1, "abcd", f.sink);
  seg(s, 3, "cdefg", f.sink);
  REQUIRE(f.sink.log == "abcdefg");
  REQUIRE(s.counters().overlaps == 1);
  REQUIRE(s.counters().overlap_conflicts == 0);
  REQUIRE(s.counters().retransmissions == 0);
}

TEST_CASE("first wins against delivered bytes; conflicts counted", "[tcp]") {
  Fixture f;
  TcpStream s(f.cfg, f.mem);
  s.on_syn(0);
  seg(s, 1, "GET /a", f.sink);
  seg(s, 1, "GET /b", f.sink);  // retransmission with other bytes
  REQUIRE(s.counters().retransmissions == 1);
  REQUIRE(s.counters().overlap_conflicts == 1);
  seg(s, 5, "/X HTTP", f.sink);  // overlaps "/a" with "/X", then new bytes
  REQUIRE(f.sink.log == "GET /a HTTP");
  REQUIRE(s.counters().overlaps == 1);
  REQUIRE(s.counters().overlap_conflicts == 2);
}

TEST_CASE("delivered bytes older than recent_bytes cannot be compared", "[tcp]") {
  Fixture f;
  f.cfg.recent_bytes = 4;
  TcpStream s(f.cfg, f.mem);
  s.on_syn(0);
  seg(s, 1, "0123456789", f.sink);  // ring keeps "6789"
  seg(s, 1, "XXXXXX", f.sink);      // bytes 0..5: gone, not compared
  REQUIRE(s.counters().overlap_conflicts == 0);
  seg(s, 6, "5X", f.sink);  // byte 5 gone, byte 6 kept and different
  REQUIRE(s.counters().overlap_conflicts == 1);
  seg(s, 7, "6789", f.sink);  // same bytes
  REQUIRE(s.counters().overlap_conflicts == 1);
  REQUIRE(s.counters().retransmissions == 3);

  Fixture g;
  g.cfg.recent_bytes = 0;
  TcpStream t(g.cfg, g.mem);
  t.on_syn(0);
  seg(t, 1, "abc", g.sink);
  seg(t, 1, "xyz", g.sink);
  REQUIRE(t.counters().retransmissions == 1);
  REQUIRE(t.counters().overlap_conflicts == 0);
}

TEST_CASE("first wins against held bytes; conflicts counted", "[tcp]") {
  Fixture f;
  TcpStream s(f.cfg, f.mem);
  s.on_syn(0);
  seg(s, 5, "EFGH", f.sink);  // held
  seg(s, 7, "xyIJ", f.sink);  // overlaps held "GH" with different bytes, adds "IJ"
  REQUIRE(s.counters().overlaps == 1);
  REQUIRE(s.counters().overlap_conflicts == 1);
  REQUIRE(s.held_bytes() == 6);
  seg(s, 6, "FG", f.sink);  // wholly inside held, same bytes
  REQUIRE(s.counters().overlaps == 2);
  REQUIRE(s.counters().overlap_conflicts == 1);
  // An in-order segment that covers held bytes: the held ones win.
  seg(s, 1, "ABCDzzzzzz", f.sink);
  REQUIRE(f.sink.log == "ABCDEFGHIJ");
  REQUIRE(s.counters().overlaps == 3);
  REQUIRE(s.counters().overlap_conflicts == 2);
  REQUIRE(s.held_bytes() == 0);
  REQUIRE(f.mem.used == 0);
}

TEST_CASE("an in-order segment fills holes between held pieces", "[tcp]") {
  Fixture f;
  TcpStream s(f.cfg, f.mem);
  s.on_syn(0);
  seg(s, 3, "c", f.sink);
  seg(s, 6, "f", f.sink);
  seg(s, 1, "abXdeYgh", f.sink);
  REQUIRE(f.sink.log == "abcdefgh");
  REQUIRE(s.counters().overlap_conflicts == 1);
  REQUIRE(f.mem.used == 0);
}

TEST_CASE("a peer ACK past missing bytes declares gaps", "[tcp]") {
  Fixture f;
  TcpStream s(f.cfg, f.mem);
  s.on_syn(0);
  seg(s, 1, "abc", f.sink);
  seg(s, 8, "hij", f.sink);     // bytes 4..7 lost
  s.on_peer_ack(4, 0, f.sink);  // nothing new acknowledged
  REQUIRE(f.sink.log == "abc");
  s.on_peer_ack(15, 0, f.sink);  // 4..7 lost, 8..10 held, 11..14 lost
  REQUIRE(f.sink.log == "abc<gap 4>hij<gap 4>");
  REQUIRE(s.next_seq() == 15);
  REQUIRE(s.counters().gaps == 2);
  REQUIRE(s.counters().gap_bytes == 8);
  REQUIRE(s.held_bytes() == 0);
  REQUIRE(f.mem.used == 0);
  seg(s, 13, "mn", f.sink);  // arrives after the ACK that covered it
  REQUIRE(s.counters().retransmissions == 1);
  seg(s, 15, "op", f.sink);
  REQUIRE(f.sink.log == "abc<gap 4>hij<gap 4>op");
}

TEST_CASE("a peer ACK of the FIN does not make a gap of the FIN", "[tcp]") {
  Fixture f;
  TcpStream s(f.cfg, f.mem);
  s.on_syn(0);
  seg(s, 1, "ab", f.sink);
  s.on_fin(5);
  s.on_peer_ack(6, 0, f.sink);  // acks data + FIN; bytes 3..4 never seen
  REQUIRE(f.sink.log == "ab<gap 2>");
  REQUIRE(s.finished());
}

TEST_CASE("a bogus peer ACK far ahead is ignored", "[tcp]") {
  Fixture f;
  TcpStream s(f.cfg, f.mem);
  s.on_syn(0);
  seg(s, 1, "ab", f.sink);
  s.on_peer_ack(0x60000000u, 0, f.sink);
  REQUIRE(f.sink.log == "ab");
  REQUIRE(s.counters().out_of_window == 1);
  REQUIRE(s.counters().gaps == 0);
}

TEST_CASE("the per-stream byte cap skips to the earliest held byte", "[tcp]") {
  Fixture f;
  f.cfg.max_held_bytes = 8;
  TcpStream s(f.cfg, f.mem);
  s.on_syn(0);
  seg(s, 1, "ab", f.sink);
  seg(s, 6, "fgh", f.sink);   // held 3
  seg(s, 12, "lmn", f.sink);  // held 6
  seg(s, 16, "pqr", f.sink);  // would be 9 > 8: skip to 6, deliver "fgh", then hold again
  REQUIRE(f.sink.log == "ab<gap 3>fgh");
  REQUIRE(s.counters().stream_cap_hits == 1);
  REQUIRE(s.held_bytes() == 6);
  REQUIRE(f.mem.used == 6);
  REQUIRE(f.mem.cap_hits == 0);
  seg(s, 9, "ijk", f.sink);
  REQUIRE(f.sink.log == "ab<gap 3>fghijklmn");
  s.flush(0, f.sink);
  REQUIRE(f.sink.log == "ab<gap 3>fghijklmn<gap 1>pqr");
  REQUIRE(f.mem.used == 0);
}

TEST_CASE("a segment larger than the cap is delivered after a gap", "[tcp]") {
  Fixture f;
  f.cfg.max_held_bytes = 4;
  TcpStream s(f.cfg, f.mem);
  s.on_syn(0);
  const std::string big = "0123456789";
  seg(s, 3, big, f.sink);  // bytes 1..2 missing; cannot be held
  REQUIRE(f.sink.log == "<gap 2>0123456789");
  REQUIRE(f.sink.pointers.back() == bytes(big));  // still zero copy
  REQUIRE(s.counters().stream_cap_hits == 1);
  REQUIRE(s.held_bytes() == 0);
}

TEST_CASE("the per-stream segment cap skips forward", "[tcp]") {
  Fixture f;
  f.cfg.max_held_segments = 2;
  TcpStream s(f.cfg, f.mem);
  s.on_syn(0);
  seg(s, 3, "c", f.sink);
  seg(s, 5, "e", f.sink);
  REQUIRE(s.held_segments() == 2);
  seg(s, 7, "g", f.sink);  // third piece: skip to 3, deliver "c", then hold "g"
  REQUIRE(f.sink.log == "<gap 2>c");
  REQUIRE(s.counters().stream_cap_hits == 1);
  REQUIRE(s.held_segments() == 2);
  seg(s, 4, "d", f.sink);
  REQUIRE(f.sink.log == "<gap 2>cde");
  seg(s, 6, "f", f.sink);
  REQUIRE(f.sink.log == "<gap 2>cdefg");
}

TEST_CASE("the global cap is shared and accounted across streams", "[tcp]") {
  Fixture f;
  f.mem.cap = 10;
  TcpStream a(f.cfg, f.mem);
  TcpStream b(f.cfg, f.mem);
  RecordingSink sink_b;
  a.on_syn(100);
  b.on_syn(5000);
  seg(a, 111, "aaaaaa", f.sink);  // held 6
  REQUIRE(f.mem.used == 6);
  seg(b, 5011, "bbbb", sink_b);  // held 4: total 10, at the cap
  REQUIRE(f.mem.used == 10);
  REQUIRE(f.mem.used == a.held_bytes() + b.held_bytes());
  seg(b, 5021, "BB", sink_b);  // would be 12: b skips to its earliest held byte
  REQUIRE(f.mem.cap_hits == 1);
  REQUIRE(sink_b.log == "<gap 10>bbbb");
  REQUIRE(b.held_bytes() == 2);
  REQUIRE(f.mem.used == 8);
  REQUIRE(f.mem.used == a.held_bytes() + b.held_bytes());
  REQUIRE(a.counters().stream_cap_hits == 0);
  REQUIRE(b.counters().stream_cap_hits == 0);
  {
    TcpStream c(f.cfg, f.mem);
    c.on_syn(0);
    seg(c, 10, "cc", f.sink);
    REQUIRE(f.mem.used == 10);
  }  // destroyed with held data: its bytes are given back
  REQUIRE(f.mem.used == 8);
  a.flush(0, f.sink);
  b.flush(0, sink_b);
  REQUIRE(f.mem.used == 0);
}

TEST_CASE("flush delivers held data with gaps for the holes, up to the FIN", "[tcp]") {
  Fixture f;
  TcpStream s(f.cfg, f.mem);
  s.on_syn(0);
  seg(s, 1, "ab", f.sink);
  seg(s, 5, "ef", f.sink);
  seg(s, 10, "jk", f.sink);
  s.on_fin(15);
  REQUIRE_FALSE(s.finished());
  s.flush(0, f.sink);
  REQUIRE(f.sink.log == "ab<gap 2>ef<gap 3>jk<gap 3>");
  REQUIRE(s.finished());
  REQUIRE(s.held_bytes() == 0);
  REQUIRE(f.mem.used == 0);
  REQUIRE(s.counters().gaps == 3);
  REQUIRE(s.counters().gap_bytes == 8);
}

TEST_CASE("flush of a stream that never started is harmless", "[tcp]") {
  Fixture f;
  TcpStream s(f.cfg, f.mem);
  s.flush(0, f.sink);
  REQUIRE(f.sink.log.empty());
  REQUIRE_FALSE(s.started());
}

TEST_CASE("midstream pickup starts at the first segment seen", "[tcp]") {
  Fixture f;
  TcpStream s(f.cfg, f.mem);
  seg(s, 5000, "middle", f.sink);
  REQUIRE(s.started());
  REQUIRE_FALSE(s.syn_seen());
  REQUIRE(f.sink.log == "middle");
  seg(s, 4990, "0123456789", f.sink);  // before the pickup point: old
  REQUIRE(s.counters().retransmissions == 1);
  seg(s, 5006, " end", f.sink);
  REQUIRE(f.sink.log == "middle end");
}

TEST_CASE("FIN: finished once all bytes are delivered; data past it is dropped", "[tcp]") {
  Fixture f;
  TcpStream s(f.cfg, f.mem);
  s.on_syn(0);
  seg(s, 8, "hijXYZ", f.sink);  // held, partly past the FIN that comes next
  REQUIRE(s.held_bytes() == 6);
  s.on_fin(11);  // last data byte is 10
  REQUIRE(s.fin_seen());
  REQUIRE(s.held_bytes() == 3);
  REQUIRE(f.mem.used == 3);
  REQUIRE(s.counters().after_fin == 1);
  seg(s, 1, "abcd", f.sink);
  REQUIRE_FALSE(s.finished());
  seg(s, 5, "efgEXTRA", f.sink);  // straddles the FIN
  REQUIRE(s.counters().after_fin == 2);
  REQUIRE(f.sink.log == "abcdefghij");
  REQUIRE(s.finished());
  seg(s, 11, "more", f.sink);
  REQUIRE(s.counters().after_fin == 3);
  REQUIRE(f.sink.log == "abcdefghij");
  s.on_fin(20);  // the first FIN wins
  REQUIRE(s.finished());
}

TEST_CASE("a FIN behind delivered data is ignored", "[tcp]") {
  Fixture f;
  TcpStream s(f.cfg, f.mem);
  s.on_syn(0);
  seg(s, 1, "abcdef", f.sink);
  s.on_fin(3);
  REQUIRE_FALSE(s.fin_seen());
  REQUIRE(s.counters().fin_ignored == 1);
  s.on_fin(7);
  REQUIRE(s.finished());
}

TEST_CASE("segments far outside the window are dropped, never held", "[tcp]") {
  Fixture f;
  TcpStream s(f.cfg, f.mem);
  s.on_syn(0);
  seg(s, 1, "ab", f.sink);
  seg(s, 3u + (1u << 30) + 1u, "bogus", f.sink);  // more than 1 GiB ahead
  seg(s, 0x90000000u, "bogus", f.sink);           // far ahead = 1.75 GiB behind: also bogus
  REQUIRE(s.counters().out_of_window == 2);
  REQUIRE(s.held_bytes() == 0);
  REQUIRE(f.mem.used == 0);
  seg(s, 3u + (1u << 20), "far", f.sink);  // 1 MiB ahead: plausible, held
  REQUIRE(s.held_bytes() == 3);
  REQUIRE(s.counters().out_of_window == 2);
  seg(s, 3, "cd", f.sink);
  REQUIRE(f.sink.log == "abcd");
}

TEST_CASE("SYN handling: new ISN before data, TFO data, ignored late SYN", "[tcp]") {
  Fixture f;
  TcpStream s(f.cfg, f.mem);
  s.on_syn(1000);
  s.on_syn(1000);  // plain retransmission
  REQUIRE(s.next_seq() == 1001);
  s.on_syn(7000);  // another ISN before any data: it is the real one
  REQUIRE(s.next_seq() == 7001);
  seg(s, 7001, "tfo", f.sink);  // SYN data, at isn + 1
  REQUIRE(f.sink.log == "tfo");
  s.on_syn(9000);  // data seen: ignored
  REQUIRE(s.counters().syn_ignored == 1);
  REQUIRE(s.next_seq() == 7004);
  s.on_syn(7000);  // the same SYN again: fine
  REQUIRE(s.counters().syn_ignored == 1);
}

TEST_CASE("a SYN after held data with another ISN is ignored", "[tcp]") {
  Fixture f;
  TcpStream s(f.cfg, f.mem);
  s.on_syn(0);
  seg(s, 10, "x", f.sink);
  s.on_syn(500);
  REQUIRE(s.counters().syn_ignored == 1);
  REQUIRE(s.next_seq() == 1);
}

TEST_CASE("empty segments are ignored", "[tcp]") {
  Fixture f;
  TcpStream s(f.cfg, f.mem);
  s.on_segment(5, nullptr, 0, 0, f.sink);
  REQUIRE_FALSE(s.started());
  REQUIRE(s.counters().segments == 0);
}

}  // namespace
}  // namespace mirador
