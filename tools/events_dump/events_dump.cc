// mirador-events-dump: prints a length-delimited protobuf event file (output.protobuf_file) as
// JSON lines, one mirador.v1.Event per line, in protobuf's own proto3 JSON with the field names
// as written in event.proto. Reads stdin when no file is given.
#include <fcntl.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/util/delimited_message_util.h>
#include <google/protobuf/util/json_util.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "mirador/v1/event.pb.h"

int main(int argc, char** argv) {
  if (argc > 2 ||
      (argc == 2 && (std::strcmp(argv[1], "-h") == 0 || std::strcmp(argv[1], "--help") == 0))) {
    std::fprintf(stderr, "usage: mirador-events-dump [FILE.pb]\n");
    return 2;
  }
  const int fd = argc == 2 ? ::open(argv[1], O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
  if (fd < 0) {
    std::fprintf(stderr, "mirador-events-dump: %s: %s\n", argv[1], std::strerror(errno));
    return 1;
  }
  google::protobuf::io::FileInputStream in(fd);
  google::protobuf::util::JsonPrintOptions opt;
  opt.preserve_proto_field_names = true;
  mirador::v1::Event event;
  std::string line;
  uint64_t n = 0;
  for (;;) {
    bool clean_eof = false;
    event.Clear();  // the delimited parser merges into the message: zeros would not reset fields
    if (!google::protobuf::util::ParseDelimitedFromZeroCopyStream(&event, &in, &clean_eof)) {
      if (clean_eof) break;
      std::fprintf(stderr, "mirador-events-dump: event %llu is truncated or malformed\n",
                   static_cast<unsigned long long>(n + 1));
      return 1;
    }
    line.clear();
    if (!google::protobuf::util::MessageToJsonString(event, &line, opt).ok()) {
      std::fprintf(stderr, "mirador-events-dump: event %llu cannot be printed as JSON\n",
                   static_cast<unsigned long long>(n + 1));
      return 1;
    }
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stdout);
    ++n;
  }
  if (fd != STDIN_FILENO) ::close(fd);
  return std::fflush(stdout) == 0 ? 0 : 1;
}
