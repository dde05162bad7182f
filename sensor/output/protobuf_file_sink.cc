#include "sensor/output/protobuf_file_sink.h"

#include <fcntl.h>
#include <google/protobuf/io/coded_stream.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace mirador {

namespace {
constexpr int kBufferBytes = 64 << 10;  // fewer write(2) calls than the default 8 KiB
}

ProtobufFileSink::ProtobufFileSink(const std::string& path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    throw std::runtime_error("cannot open protobuf output file '" + path +
                             "': " + std::strerror(errno));
  }
  out_ = std::make_unique<google::protobuf::io::FileOutputStream>(fd_, kBufferBytes);
}

ProtobufFileSink::~ProtobufFileSink() {
  flush();
  out_.reset();
  ::close(fd_);
}

void ProtobufFileSink::write(const v1::Event&, std::string_view encoded) {
  {
    // The framing of SerializeDelimitedToZeroCopyStream: varint length, then the message.
    google::protobuf::io::CodedOutputStream coded(out_.get());
    coded.WriteVarint32(static_cast<uint32_t>(encoded.size()));
    coded.WriteRaw(encoded.data(), static_cast<int>(encoded.size()));
    if (coded.HadError()) ++write_errors_;
  }
  ++records_;
}

void ProtobufFileSink::flush() {
  // A stream that failed once stays failed; each later flush counts as another error.
  if (!out_->Flush()) ++write_errors_;
}

}  // namespace mirador
