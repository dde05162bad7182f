// JsonLinesSink: events as JSON lines (json_writer.h) to stdout or to a file. Lines are formatted
// into one reused buffer and written with stdio's buffering; flush() pushes them out (the stats
// timer and shutdown call it).
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "sensor/output/event_sink.h"
#include "sensor/output/masking.h"
#include "sensor/output/transaction_sink.h"

namespace mirador {

class JsonLinesSink final : public EventSink {
 public:
  // `path` "-" means stdout. Throws std::runtime_error when the file cannot be opened.
  JsonLinesSink(const std::string& path, const MaskingConfig& masking);
  ~JsonLinesSink() override;
  JsonLinesSink(const JsonLinesSink&) = delete;
  JsonLinesSink& operator=(const JsonLinesSink&) = delete;

  void write_http(const EventHeader& h, const FlowContext& flow,
                  const HttpTransaction& txn) override;
  void flush() override;

  OutputCounters counters() const override { return {records_, write_errors_, masked_}; }

 private:
  std::FILE* file_ = nullptr;
  bool owned_ = false;
  std::string line_;
  uint64_t records_ = 0;
  uint64_t write_errors_ = 0;
  uint64_t masked_ = 0;
  std::unique_ptr<UriMasker> masker_;  // null when masking is off
};

// Discards records (benchmarks measure the packet path, not the disk).
class NullSink final : public TransactionSink {
 public:
  void write(const FlowContext&, const HttpTransaction&) override { ++records_; }
  void flush() override {}
  OutputCounters counters() const override { return {records_, 0}; }

 private:
  uint64_t records_ = 0;
};

}  // namespace mirador
