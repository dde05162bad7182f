#include "sensor/output/jsonl_sink.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <utility>

#include "sensor/output/json_writer.h"

namespace mirador {

JsonLinesSink::JsonLinesSink(const std::string& path, const JsonRotation& rotation,
                             JsonSinkOptions options)
    : path_(path), rotation_(rotation), options_(std::move(options)) {
  if (path.empty() || path == "-") {
    file_ = stdout;
  } else {
    open_file();
    if (!file_) {
      throw std::runtime_error("cannot open output file '" + path + "': " + std::strerror(errno));
    }
  }
  line_.reserve(4096);
}

JsonLinesSink::~JsonLinesSink() {
  flush();
  if (owned_ && file_) std::fclose(file_);
}

void JsonLinesSink::open_file() {
  file_ = std::fopen(path_.c_str(), options_.append ? "ae" : "we");
  owned_ = file_ != nullptr;
  file_bytes_ = 0;
  if (file_ && options_.append) {
    // An appended file counts toward its rotation size from its current length.
    struct stat st {};
    if (::fstat(fileno(file_), &st) == 0) file_bytes_ = static_cast<uint64_t>(st.st_size);
  }
  opened_ = std::chrono::steady_clock::now();
}

bool JsonLinesSink::rotation_due() const {
  if (!owned_ || file_bytes_ == 0) return false;  // never rotate into an empty file
  if (rotation_.max_bytes && file_bytes_ >= rotation_.max_bytes) return true;
  return rotation_.max_seconds > 0 &&
         std::chrono::duration<double>(std::chrono::steady_clock::now() - opened_).count() >=
             rotation_.max_seconds;
}

void JsonLinesSink::rotate() {
  if (options_.before_rotate) {
    if (std::fflush(file_) != 0) ++write_errors_;
    options_.before_rotate();
  }
  if (std::fclose(file_) != 0) ++write_errors_;
  file_ = nullptr;
  owned_ = false;
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  // Several rotations in one second get a counter rather than overwrite each other. The counter
  // has a fixed width so that the names sort in rotation order (".10" would sort before ".2"),
  // and it goes on from this sink's last one in the same second (no stat() per earlier file).
  if (stamp != last_stamp_) {
    last_stamp_ = stamp;
    stamp_count_ = 0;
  }
  std::string to;
  struct stat st {};
  do {
    to = path_ + "." + stamp;
    if (stamp_count_ > 0) {
      char n[24];
      std::snprintf(n, sizeof n, ".%06llu", static_cast<unsigned long long>(stamp_count_));
      to += n;
    }
    ++stamp_count_;
  } while (::stat(to.c_str(), &st) == 0);  // a file of an earlier run in this second: skip it
  if (std::rename(path_.c_str(), to.c_str()) != 0) ++write_errors_;
  ++rotations_;
  open_file();
}

void JsonLinesSink::write(const v1::Event& e, std::string_view) {
  line_.clear();
  append_event_json(e, line_);
  line_ += '\n';
  put_line();
}

void JsonLinesSink::put_line() {
  if (!file_) {
    // A failed reopen after rotation: try again, count what is lost.
    open_file();
    if (!file_) {
      ++write_errors_;
      return;
    }
  }
  if (std::fwrite(line_.data(), 1, line_.size(), file_) != line_.size()) ++write_errors_;
  file_bytes_ += line_.size();
  ++records_;
  if (rotation_due()) rotate();
}

void JsonLinesSink::flush() {
  if (!file_) return;
  if (std::fflush(file_) != 0) ++write_errors_;
  // An idle sensor still closes its file on time.
  if (rotation_due()) rotate();
}

}  // namespace mirador
