#include "sensor/output/jsonl_sink.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "sensor/output/json_writer.h"

namespace mirador {

JsonLinesSink::JsonLinesSink(const std::string& path, const MaskingConfig& masking) {
  if (masking.enabled) masker_ = std::make_unique<UriMasker>(masking);
  if (path.empty() || path == "-") {
    file_ = stdout;
  } else {
    file_ = std::fopen(path.c_str(), "we");
    if (!file_) {
      throw std::runtime_error("cannot open output file '" + path + "': " + std::strerror(errno));
    }
    owned_ = true;
  }
  line_.reserve(4096);
}

JsonLinesSink::~JsonLinesSink() {
  flush();
  if (owned_) std::fclose(file_);
}

void JsonLinesSink::write_http(const EventHeader& h, const FlowContext& flow,
                               const HttpTransaction& txn) {
  line_.clear();
  masked_ += append_event_json(h, flow, txn, line_, masker_.get());
  line_ += '\n';
  if (std::fwrite(line_.data(), 1, line_.size(), file_) != line_.size()) ++write_errors_;
  ++records_;
}

void JsonLinesSink::flush() {
  if (std::fflush(file_) != 0) ++write_errors_;
}

}  // namespace mirador
