// ProtobufFileSink: events as a length-delimited protobuf file: each mirador.v1.Event is a varint
// byte count followed by the serialised message, the framing of
// google::protobuf::util::SerializeDelimitedToZeroCopyStream / ParseDelimitedFromZeroCopyStream
// (`mirador-events-dump FILE` prints such a file as JSON lines).
#pragma once

#include <google/protobuf/io/zero_copy_stream_impl.h>

#include <memory>
#include <string>

#include "sensor/output/event_sink.h"

namespace mirador {

class ProtobufFileSink final : public EventSink {
 public:
  // Creates or truncates `path`. Throws std::runtime_error when it cannot be opened.
  explicit ProtobufFileSink(const std::string& path);
  ~ProtobufFileSink() override;
  ProtobufFileSink(const ProtobufFileSink&) = delete;
  ProtobufFileSink& operator=(const ProtobufFileSink&) = delete;

  // Writes `encoded` as it came from the worker: no second serialisation.
  void write(const v1::Event& e, std::string_view encoded) override;
  void flush() override;
  OutputCounters counters() const override {
    OutputCounters c;
    c.records = records_;
    c.write_errors = write_errors_;
    return c;
  }

 private:
  int fd_ = -1;
  // Buffered writes straight to the descriptor: no iostream in between.
  std::unique_ptr<google::protobuf::io::FileOutputStream> out_;
  uint64_t records_ = 0;
  uint64_t write_errors_ = 0;
};

}  // namespace mirador
