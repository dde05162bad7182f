// ProtobufFileSink: events as a length-delimited protobuf file: each mirador.v1.Event is a varint
// byte count followed by the serialised message, the framing of
// google::protobuf::util::SerializeDelimitedToZeroCopyStream / ParseDelimitedFromZeroCopyStream
// (`mirador-events-dump FILE` prints such a file as JSON lines).
#pragma once

#include <google/protobuf/io/zero_copy_stream_impl.h>

#include <memory>
#include <string>

#include "sensor/output/event_builder.h"
#include "sensor/output/event_sink.h"

namespace mirador {

class ProtobufFileSink final : public EventSink {
 public:
  // Creates or truncates `path`. Throws std::runtime_error when it cannot be opened.
  ProtobufFileSink(const std::string& path, const MaskingConfig& masking);
  ~ProtobufFileSink() override;
  ProtobufFileSink(const ProtobufFileSink&) = delete;
  ProtobufFileSink& operator=(const ProtobufFileSink&) = delete;

  void write_http(const EventHeader& h, const FlowContext& flow,
                  const HttpTransaction& txn) override;
  void flush() override;
  OutputCounters counters() const override {
    return {records_, write_errors_, builder_.masked_values()};
  }

 private:
  int fd_ = -1;
  // Buffered writes straight to the descriptor: no iostream in between.
  std::unique_ptr<google::protobuf::io::FileOutputStream> out_;
  EventBuilder builder_;
  uint64_t records_ = 0;
  uint64_t write_errors_ = 0;
};

}  // namespace mirador
