// Test helper: a StreamSink that writes what it receives into one readable string.
#pragma once

#include <string>
#include <vector>

#include "decoders/tcp/tcp_stream.h"

namespace mirador::test {

class RecordingSink : public StreamSink {
 public:
  void on_data(const uint8_t* data, size_t len, int64_t) override {
    log.append(reinterpret_cast<const char*>(data), len);
    pointers.push_back(data);
  }
  void on_gap(size_t len, int64_t) override { log += "<gap " + std::to_string(len) + ">"; }

  std::string log;                       // data as is, gaps as "<gap N>"
  std::vector<const uint8_t*> pointers;  // where each on_data pointed (zero-copy checks)
};

}  // namespace mirador::test
