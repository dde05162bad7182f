// JsonLinesSink: events as JSON lines (json_writer.h) to stdout or to a file. Lines are formatted
// into one reused buffer and written with stdio's buffering; flush() pushes them out (the output
// thread calls it when idle and at shutdown).
//
// Rotation (files only): once the file holds `max_bytes` or has been open `max_seconds`, it is
// closed, renamed NAME.<UTC time> (NAME.<UTC time>.<n> if that exists, n zero-padded to six
// digits: .000001, .000002…) and a new NAME opened, so a log shipper can take whole files. The
// names sort (as bytes) in the order the files were written, however many rotations one second
// holds, as long as the wall clock does not step back.
#pragma once

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>

#include "sensor/output/event_sink.h"

namespace mirador {

struct JsonRotation {
  uint64_t max_bytes = 0;  // output.json_rotate_bytes; 0 = off
  double max_seconds = 0;  // output.json_rotate_seconds; 0 = off
};

// Options the collector needs and the sensor does not.
struct JsonSinkOptions {
  // Append to an existing file instead of truncating it (a restarted collector keeps its file).
  bool append = false;
  // Runs just before the file is closed for a rotation, with everything written so far flushed
  // into it (the collector persists its de-duplication state there).
  std::function<void()> before_rotate;
};

class JsonLinesSink final : public EventSink {
 public:
  // `path` "-" means stdout (never rotated). Throws std::runtime_error when the file cannot be
  // opened.
  explicit JsonLinesSink(const std::string& path, const JsonRotation& rotation = {},
                         JsonSinkOptions options = {});
  ~JsonLinesSink() override;
  JsonLinesSink(const JsonLinesSink&) = delete;
  JsonLinesSink& operator=(const JsonLinesSink&) = delete;

  void write(const v1::Event& e, std::string_view encoded) override;
  void flush() override;

  OutputCounters counters() const override {
    OutputCounters c;
    c.records = records_;
    c.write_errors = write_errors_;
    c.rotations = rotations_;
    return c;
  }

 private:
  void open_file();
  void rotate();
  bool rotation_due() const;
  void put_line();

  std::string path_;
  JsonRotation rotation_;
  JsonSinkOptions options_;
  std::FILE* file_ = nullptr;
  bool owned_ = false;
  std::string line_;
  uint64_t file_bytes_ = 0;
  std::chrono::steady_clock::time_point opened_;
  uint64_t records_ = 0;
  uint64_t write_errors_ = 0;
  uint64_t rotations_ = 0;
  std::string last_stamp_;    // UTC second of the last rotation
  uint64_t stamp_count_ = 0;  // the next counter for a rotation within last_stamp_
};

// Discards records (benchmarks measure the packet path, not the disk).
class NullSink final : public TransactionSink {
 public:
  void write(const FlowContext&, const HttpTransaction&) override { ++records_; }
  void flush() override {}
  OutputCounters counters() const override {
    OutputCounters c;
    c.records = records_;
    return c;
  }

 private:
  uint64_t records_ = 0;
};

}  // namespace mirador
