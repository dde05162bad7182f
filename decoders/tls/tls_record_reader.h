// Reassembly of one direction of a TLS connection: RecordReader cuts the byte stream into records
// (a record split over segments, several records per segment), MessageReader cuts the handshake
// records' payloads into handshake messages (a message split over records, several messages per
// record). Both buffer at most one unit: a record (5 + 2^14 + 2048 bytes) or a handshake message
// (max_handshake; a longer message is skipped and counted).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

namespace mirador::tls {

enum ContentType : uint8_t {
  ct_change_cipher_spec = 20,
  ct_alert = 21,
  ct_handshake = 22,
  ct_application_data = 23,
  ct_heartbeat = 24,
};

// The largest record fragment any TLS version allows (TLSCiphertext: 2^14 + 2048).
constexpr size_t kMaxRecordPayload = 16384 + 2048;

class RecordReader {
 public:
  // A header this reader accepts: a known content type, version 3.x (x <= 4), a legal length.
  static bool valid_header(const uint8_t* h) {
    return h[0] >= ct_change_cipher_spec && h[0] <= ct_heartbeat && h[1] == 3 && h[2] <= 4 &&
           ((size_t{h[3]} << 8) | h[4]) <= kMaxRecordPayload;
  }

  // Calls fn(header, payload, len) for every complete record; fn returns false to stop this
  // direction (the rest is dropped). Returns false when a header is malformed: the reader is then
  // broken and ignores all later input.
  template <typename F>
  bool feed(const uint8_t* p, size_t n, F&& fn) {
    if (broken_ || stopped_) return !broken_;
    if (!buf_.empty()) {
      if (buf_.size() < 5) {
        size_t k = std::min(n, 5 - buf_.size());
        buf_.append(reinterpret_cast<const char*>(p), k);
        p += k;
        n -= k;
        if (buf_.size() < 5) return true;
        if (!valid_header(data())) return fail();
      }
      size_t total = 5 + length(data());
      size_t k = std::min(n, total - buf_.size());
      buf_.append(reinterpret_cast<const char*>(p), k);
      p += k;
      n -= k;
      if (buf_.size() < total) return true;
      bool go = fn(data(), data() + 5, total - 5);
      buf_.clear();
      if (!go) return stop();
    }
    while (n >= 5) {
      if (!valid_header(p)) return fail();
      size_t total = 5 + length(p);
      if (n < total) break;
      if (!fn(p, p + 5, total - 5)) return stop();
      p += total;
      n -= total;
    }
    if (n && !valid_header_prefix(p, n)) return fail();
    buf_.assign(reinterpret_cast<const char*>(p), n);
    return true;
  }

  bool broken() const { return broken_; }
  size_t buffered() const { return buf_.size(); }

 private:
  static size_t length(const uint8_t* h) { return (size_t{h[3]} << 8) | h[4]; }
  // The first bytes of a header, checked as far as they go (garbage is caught early).
  static bool valid_header_prefix(const uint8_t* h, size_t n) {
    if (n >= 5) return valid_header(h);
    if (h[0] < ct_change_cipher_spec || h[0] > ct_heartbeat) return false;
    if (n >= 2 && h[1] != 3) return false;
    return n < 3 || h[2] <= 4;
  }
  const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(buf_.data()); }
  bool fail() {
    broken_ = true;
    buf_.clear();
    buf_.shrink_to_fit();
    return false;
  }
  bool stop() {
    stopped_ = true;
    buf_.clear();
    buf_.shrink_to_fit();
    return true;
  }

  std::string buf_;
  bool broken_ = false;
  bool stopped_ = false;
};

class MessageReader {
 public:
  explicit MessageReader(size_t max_message) : max_(max_message) {}

  // Calls fn(type, body, len) for every complete handshake message; a message longer than
  // max_message is skipped and `too_large` incremented.
  template <typename F>
  void feed(const uint8_t* p, size_t n, uint64_t& too_large, F&& fn) {
    while (n && skip_) {
      size_t k = std::min(n, skip_);
      p += k;
      n -= k;
      skip_ -= k;
    }
    buf_.append(reinterpret_cast<const char*>(p), n);
    size_t off = 0;
    const auto* d = reinterpret_cast<const uint8_t*>(buf_.data());
    for (;;) {
      if (skip_) {
        size_t k = std::min(buf_.size() - off, skip_);
        off += k;
        skip_ -= k;
        if (skip_) break;
      }
      if (buf_.size() - off < 4) break;
      const uint8_t* m = d + off;
      size_t len = (size_t{m[1]} << 16) | (size_t{m[2]} << 8) | m[3];
      if (len > max_) {
        ++too_large;
        skip_ = 4 + len;
        continue;
      }
      if (buf_.size() - off < 4 + len) break;
      off += 4 + len;
      fn(m[0], m + 4, len);
    }
    buf_.erase(0, off);
  }

  size_t buffered() const { return buf_.size(); }

 private:
  size_t max_;
  size_t skip_ = 0;
  std::string buf_;
};

}  // namespace mirador::tls
