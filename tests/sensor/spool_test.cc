#include <sys/resource.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "sensor/output/spool.h"

using namespace mirador;
namespace fs = std::filesystem;

namespace {

// A fresh directory under /tmp, removed with everything in it.
struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/mirador-spool-test-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string payload(uint64_t seq) {
  return "event-" + std::to_string(seq) + std::string(seq % 7, '#');
}

SpoolConfig config(const std::string& dir, uint64_t segment_bytes = 1 << 20) {
  SpoolConfig cfg;
  cfg.dir = dir;
  cfg.segment_bytes = segment_bytes;
  return cfg;
}

// Everything the cursor returns from now on, in batches of `batch`.
std::vector<SpoolEvent> drain(Spool& s, size_t batch = 7) {
  std::vector<SpoolEvent> all, out;
  while (s.peek_batch(batch, out) > 0) all.insert(all.end(), out.begin(), out.end());
  return all;
}

// Checks that `events` are exactly first..last, each with its payload.
void check_range(const std::vector<SpoolEvent>& events, uint64_t first, uint64_t last) {
  REQUIRE(events.size() == last - first + 1);
  for (uint64_t i = 0; i < events.size(); ++i) {
    CHECK(events[i].seq == first + i);
    CHECK(events[i].bytes == payload(first + i));
  }
}

std::vector<std::string> segment_files(const std::string& dir) {
  std::vector<std::string> v;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".seg") v.push_back(e.path().string());
  }
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

TEST_CASE("spool: events are replayed in order across segment rolls, and again after rewind") {
  TempDir dir;
  Spool s(config(dir.path, 256));
  CHECK(s.empty());
  for (uint64_t seq = 1; seq <= 100; ++seq) REQUIRE(s.append(seq, payload(seq)));
  CHECK_FALSE(s.empty());
  SpoolCounters c = s.counters();
  CHECK(c.appended == 100);
  CHECK(c.segments > 5);
  CHECK(segment_files(dir.path).size() == c.segments);

  check_range(drain(s), 1, 100);
  std::vector<SpoolEvent> out;
  CHECK(s.peek_batch(10, out) == 0);  // caught up
  CHECK(out.empty());

  // New appends are seen by the same cursor; a rewind starts over from the oldest unacked.
  REQUIRE(s.append(101, payload(101)));
  check_range(drain(s), 101, 101);
  s.rewind();
  check_range(drain(s, 1000), 1, 101);
  CHECK(s.counters().replayed == 202);
}

TEST_CASE("spool: ack deletes fully acknowledged segments and moves the cursor past them") {
  TempDir dir;
  Spool s(config(dir.path, 256));
  for (uint64_t seq = 1; seq <= 100; ++seq) REQUIRE(s.append(seq, payload(seq)));
  const uint64_t segments = s.counters().segments;
  const uint64_t bytes = s.counters().bytes;

  std::vector<SpoolEvent> out;
  REQUIRE(s.peek_batch(10, out) == 10);
  s.ack(50);
  CHECK(s.acked() == 50);
  CHECK(s.counters().segments < segments);
  CHECK(s.counters().bytes < bytes);
  CHECK(segment_files(dir.path).size() == s.counters().segments);
  check_range(drain(s), 51, 100);  // the cursor skips what is acknowledged
  s.rewind();
  check_range(drain(s), 51, 100);

  s.ack(40);  // acks never go back
  CHECK(s.acked() == 50);
  s.ack(100);
  CHECK(s.empty());
  CHECK(s.counters().segments == 0);
  CHECK(s.counters().bytes == 0);
  CHECK(segment_files(dir.path).empty());

  // A drained spool takes new events in a new segment.
  REQUIRE(s.append(101, payload(101)));
  CHECK_FALSE(s.append(100, payload(100)));  // at or below the ack point: refused
  CHECK(s.counters().out_of_order == 1);
  check_range(drain(s), 101, 101);
}

TEST_CASE("spool: a restart replays the unacknowledged events only and continues numbering") {
  TempDir dir;
  {
    Spool s(config(dir.path, 300));
    for (uint64_t seq = 1; seq <= 50; ++seq) REQUIRE(s.append(seq, payload(seq)));
    s.ack(20);
  }
  {
    Spool s(config(dir.path, 300));
    CHECK(s.acked() == 20);
    CHECK(s.last_seq() == 50);
    CHECK(s.counters().corrupt_tail == 0);
    check_range(drain(s), 21, 50);
    CHECK_FALSE(s.append(50, "again"));
    REQUIRE(s.append(51, payload(51)));
    s.ack(51);
    CHECK(segment_files(dir.path).empty());
  }
  {
    Spool s(config(dir.path, 300));
    CHECK(s.empty());
    CHECK(s.last_seq() == 51);  // from the ack file alone
    CHECK(drain(s).empty());
    s.ack(1000);  // delivered from memory, never spooled
  }
  Spool s(config(dir.path));
  CHECK(s.last_seq() == 1000);
}

TEST_CASE("spool: a second process cannot open the same spool") {
  TempDir dir;
  Spool s(config(dir.path));
  CHECK_THROWS_AS(Spool(config(dir.path)), std::runtime_error);
}

TEST_CASE("spool: a record cut short by a crash is dropped and the segment truncated") {
  TempDir dir;
  {
    Spool s(config(dir.path, 1 << 20));
    for (uint64_t seq = 1; seq <= 10; ++seq) REQUIRE(s.append(seq, payload(seq)));
  }
  auto files = segment_files(dir.path);
  REQUIRE(files.size() == 1);
  const auto full = fs::file_size(files[0]);
  const auto last_record = Spool::kRecordHeader + payload(10).size();
  fs::resize_file(files[0], full - 3);  // mid-payload of record 10

  Spool s(config(dir.path));
  CHECK(s.counters().corrupt_tail == 1);
  CHECK(fs::file_size(files[0]) == full - last_record);
  CHECK(s.last_seq() == 9);
  check_range(drain(s), 1, 9);
  REQUIRE(s.append(10, payload(10)));  // the lost event can be spooled again
  check_range(drain(s), 10, 10);
}

TEST_CASE("spool: a header cut short is dropped too") {
  TempDir dir;
  {
    Spool s(config(dir.path));
    for (uint64_t seq = 1; seq <= 3; ++seq) REQUIRE(s.append(seq, payload(seq)));
  }
  auto files = segment_files(dir.path);
  REQUIRE(files.size() == 1);
  const auto two = 2 * Spool::kRecordHeader + payload(1).size() + payload(2).size();
  fs::resize_file(files[0], two + 5);
  Spool s(config(dir.path));
  CHECK(s.counters().corrupt_tail == 1);
  check_range(drain(s), 1, 2);
}

TEST_CASE("spool: a record failing its CRC ends its segment; later segments are kept") {
  TempDir dir;
  {
    Spool s(config(dir.path, 200));
    for (uint64_t seq = 1; seq <= 40; ++seq) REQUIRE(s.append(seq, payload(seq)));
  }
  auto files = segment_files(dir.path);
  REQUIRE(files.size() >= 3);
  // Flip one payload byte of the second record of the first segment.
  const auto off = Spool::kRecordHeader + payload(1).size() + Spool::kRecordHeader + 2;
  {
    std::fstream f(files[0], std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(off));
    char ch = 0;
    f.read(&ch, 1);
    ch ^= 0x20;
    f.seekp(static_cast<std::streamoff>(off));
    f.write(&ch, 1);
  }
  Spool s(config(dir.path, 200));
  CHECK(s.counters().corrupt_tail == 1);
  std::vector<SpoolEvent> all = drain(s);
  REQUIRE(!all.empty());
  CHECK(all[0].seq == 1);
  // Event 2 and the rest of the first segment are gone; the next segments are whole and ordered.
  REQUIRE(all.size() >= 2);
  CHECK(all[1].seq > 2);
  check_range(std::vector<SpoolEvent>(all.begin() + 1, all.end()), all[1].seq, 40);
}

TEST_CASE("spool: damage found while replaying skips the rest of that segment, counted") {
  TempDir dir;
  Spool s(config(dir.path, 200));
  for (uint64_t seq = 1; seq <= 40; ++seq) REQUIRE(s.append(seq, payload(seq)));
  auto files = segment_files(dir.path);
  {
    std::fstream f(files[0], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(Spool::kRecordHeader + 1));
    f.write("X", 1);  // first record's payload
  }
  std::vector<SpoolEvent> all = drain(s);
  CHECK(s.counters().read_errors == 1);
  REQUIRE(!all.empty());
  check_range(all, all[0].seq, 40);
}

TEST_CASE("spool: at the cap new events are dropped and counted, order kept; acks make room") {
  TempDir dir;
  const uint64_t rec = Spool::kRecordHeader + 32;
  SpoolConfig cfg = config(dir.path, 2 * rec);  // two records per segment
  cfg.max_bytes = 10 * rec;
  Spool s(cfg);
  std::string p(32, 'p');
  uint64_t accepted = 0;
  for (uint64_t seq = 1; seq <= 20; ++seq) accepted += s.append(seq, p) ? 1 : 0;
  CHECK(accepted == 10);
  SpoolCounters c = s.counters();
  CHECK(c.dropped_full == 10);
  CHECK(c.bytes == 10 * rec);

  s.ack(4);  // frees two segments
  CHECK(s.counters().bytes == 6 * rec);
  for (uint64_t seq = 21; seq <= 30; ++seq) accepted += s.append(seq, p) ? 1 : 0;
  CHECK(accepted == 14);
  CHECK(s.counters().dropped_full == 16);

  std::vector<SpoolEvent> all = drain(s);
  std::vector<uint64_t> seqs;
  for (const auto& e : all) seqs.push_back(e.seq);
  CHECK(seqs == std::vector<uint64_t>{5, 6, 7, 8, 9, 10, 21, 22, 23, 24});
  CHECK_FALSE(s.append(31, std::string(10 * rec, 'x')));  // larger than the cap: never fits
}

TEST_CASE("spool: write errors drop the event, are counted, and leave no partial record") {
  TempDir dir;
  // RLIMIT_FSIZE makes writes past 4 KiB fail (EFBIG, partly written first) like a full disk.
  struct rlimit old {};
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  uint64_t accepted = 0;
  uint64_t last_ok = 0;
  {
    Spool s(config(dir.path, 1 << 20));
    struct rlimit lim = old;
    lim.rlim_cur = 4096;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &lim) == 0);
    for (uint64_t seq = 1; seq <= 100; ++seq) {
      if (s.append(seq, std::string(100, 'w'))) {
        ++accepted;
        last_ok = seq;
      }
    }
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &old) == 0);
    SpoolCounters c = s.counters();
    CHECK(c.write_errors > 0);
    CHECK(c.appended == accepted);
    CHECK(accepted == 4096 / (Spool::kRecordHeader + 100));
    CHECK(c.bytes == accepted * (Spool::kRecordHeader + 100));
    std::vector<SpoolEvent> all = drain(s, 1000);
    REQUIRE(all.size() == accepted);
    CHECK(all.back().seq == last_ok);
    // The disk has room again: appends succeed.
    CHECK(s.append(101, "after"));
  }
  std::signal(SIGXFSZ, old_handler);
  Spool s(config(dir.path));
  CHECK(s.counters().corrupt_tail == 0);  // partial records were taken back at once
  CHECK(drain(s, 1000).size() == accepted + 1);
}

TEST_CASE("spool: a really full file system (set MIRADOR_TEST_FULL_FS to a small tmpfs)") {
  const char* full_fs = std::getenv("MIRADOR_TEST_FULL_FS");
  if (full_fs == nullptr) return;
  const std::string dir = std::string(full_fs) + "/spool";
  uint64_t accepted = 0;
  {
    SpoolConfig cfg = config(dir, 16 << 10);
    cfg.max_bytes = 1ull << 30;  // the cap is not what stops it
    Spool s(cfg);
    const std::string big(200, 'f');  // 2000 x 216 bytes: far more than 64 KiB
    for (uint64_t seq = 1; seq <= 2000; ++seq) accepted += s.append(seq, big) ? 1 : 0;
    CHECK(s.counters().write_errors > 0);
    CHECK(accepted < 2000);
    CHECK(drain(s, 5000).size() == accepted);
    s.ack(2000);
    CHECK(s.counters().bytes == 0);
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
}

TEST_CASE("spool: with fsync_every_n the same events come back after a restart") {
  TempDir dir;
  for (uint32_t n : {1u, 3u}) {
    SpoolConfig cfg = config(dir.path, 200);
    cfg.fsync_every_n = n;
    {
      Spool s(cfg);
      const uint64_t base = s.last_seq();
      for (uint64_t seq = base + 1; seq <= base + 20; ++seq) REQUIRE(s.append(seq, payload(seq)));
      s.sync();
      CHECK(s.counters().write_errors == 0);
    }
    Spool s(cfg);
    check_range(drain(s), s.last_seq() - 19, s.last_seq());
    s.ack(s.last_seq());
  }
}
