#include "decoders/grpc/grpc_message.h"

#include "decoders/ascii.h"

namespace mirador::grpc {

namespace {

constexpr size_t kPrefix = 5;

uint32_t read_be32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | uint32_t{u[3]};
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// gRPC's message encodings: only gzip and deflate are decodable here ("snappy", "zstd" and
// anything else are unknown); empty or "identity" means the flag should not have been set.
ContentEncoding message_encoding(std::string_view encoding) {
  encoding = trim(encoding);
  if (ascii_iequals(encoding, "gzip")) return ContentEncoding::gzip;
  if (ascii_iequals(encoding, "deflate")) return ContentEncoding::deflate;
  return ContentEncoding::unknown;
}

}  // namespace

uint32_t for_each_message(std::string_view body, std::string_view encoding,
                          const MessageLimits& limits, MessageCounters& counters,
                          std::string& scratch, void* ctx, MessageFn fn) {
  uint32_t seen = 0;
  size_t pos = 0;
  while (pos < body.size()) {
    if (body.size() - pos < kPrefix) {
      ++counters.truncated;  // the body ends inside a prefix: nothing of the message is there
      break;
    }
    const auto flag = static_cast<unsigned char>(body[pos]);
    const uint32_t declared = read_be32(body.data() + pos + 1);
    pos += kPrefix;
    const size_t avail = body.size() - pos;
    const bool whole = declared <= avail;
    std::string_view data = body.substr(pos, whole ? declared : avail);
    pos += data.size();
    if (flag & 0x80) {  // gRPC-Web trailers ("grpc-status:0\r\n…"): not a message
      ++counters.web_trailers;
      if (!whole) ++counters.truncated;
      continue;
    }
    const uint32_t index = seen++;
    if (index >= limits.max_messages) {
      ++counters.messages_dropped;
      if (!whole) ++counters.truncated;
      continue;
    }
    ++counters.messages;
    Message m;
    m.index = index;
    m.compressed = (flag & 0x01) != 0;
    m.complete = whole;
    if (m.compressed) {
      ++counters.compressed;
      const ContentEncoding enc = message_encoding(encoding);
      if (enc == ContentEncoding::unknown) {
        ++counters.decompression_errors;
        if (!whole) ++counters.truncated;
        continue;
      }
      BodyLimits bl;
      bl.max_output = limits.max_message;
      bl.max_ratio = limits.max_decompress_ratio;
      ContentDecoder dec(enc, bl);
      scratch.clear();
      const DecodeStatus st =
          dec.feed(reinterpret_cast<const uint8_t*>(data.data()), data.size(), scratch);
      if (st == DecodeStatus::bomb || st == DecodeStatus::error) {
        ++counters.decompression_errors;
        if (!whole) ++counters.truncated;
        continue;
      }
      // ok: the compressed stream did not end (a cut body, or a stream without its end);
      // truncated, or done with output beyond what was kept: over max_message.
      if (st != DecodeStatus::done || dec.output_bytes() > scratch.size()) m.complete = false;
      data = scratch;
    } else if (data.size() > limits.max_message) {
      data = data.substr(0, limits.max_message);
      m.complete = false;
    }
    if (!m.complete) ++counters.truncated;
    m.data = data;
    fn(ctx, m);
  }
  return seen;
}

bool is_grpc_content_type(std::string_view content_type) {
  content_type = trim(content_type);
  constexpr std::string_view kType = "application/grpc";
  if (content_type.size() < kType.size() ||
      !ascii_iequals(content_type.substr(0, kType.size()), kType)) {
    return false;
  }
  // "application/grpc", "application/grpc+proto", "application/grpc-web+proto", "…; charset"
  if (content_type.size() == kType.size()) return true;
  const char next = content_type[kType.size()];
  return next == '+' || next == '-' || next == ';' || next == ' ';
}

}  // namespace mirador::grpc
