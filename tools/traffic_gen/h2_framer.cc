#include "tools/traffic_gen/h2_framer.h"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <stdexcept>

namespace mirador::gen {
namespace {

constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
constexpr uint8_t kData = 0x0, kHeaders = 0x1, kSettings = 0x4, kWindowUpdate = 0x8,
                  kContinuation = 0x9;
constexpr uint8_t kEndStream = 0x1, kAck = 0x1, kEndHeaders = 0x4;
// Both ends open the connection window to 1 GiB, as curl and browsers do, and top it up again
// once half of it is used.
constexpr uint32_t kConnectionWindow = 1u << 30;
constexpr uint32_t kDefaultWindow = 65535;
constexpr size_t kHpackTableSize = 4096;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Splits the head of an HTTP/1.1 message (as HttpBuilder writes it: CRLF lines, "Name: value")
// into its start line and fields, and returns the body that follows the blank line.
std::string_view split_head(std::string_view text, std::string_view& start_line,
                            std::vector<std::pair<std::string_view, std::string_view>>& fields) {
  fields.clear();
  size_t end = text.find("\r\n");
  start_line = text.substr(0, end);
  size_t pos = end + 2;
  while (pos < text.size()) {
    size_t eol = text.find("\r\n", pos);
    if (eol == std::string_view::npos) eol = text.size();
    if (eol == pos) return text.substr(pos + 2);
    std::string_view line = text.substr(pos, eol - pos);
    size_t colon = line.find(':');
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    fields.emplace_back(line.substr(0, colon), value);
    pos = eol + 2;
  }
  return {};
}

std::string dechunk(std::string_view body) {
  std::string out;
  while (!body.empty()) {
    size_t eol = body.find("\r\n");
    const size_t n = std::strtoul(std::string(body.substr(0, eol)).c_str(), nullptr, 16);
    if (n == 0) break;
    out.append(body.substr(eol + 2, n));
    body.remove_prefix(eol + 2 + n + 2);
  }
  return out;
}

void append_u32(std::string& out, uint32_t v) {
  out.push_back(static_cast<char>(v >> 24));
  out.push_back(static_cast<char>(v >> 16));
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}

}  // namespace

H2Framer::H2Framer() = default;

H2Framer::~H2Framer() {
  // nghttp2_hd_deflate_del does not accept null.
  if (client_.deflater) nghttp2_hd_deflate_del(client_.deflater);
  if (server_.deflater) nghttp2_hd_deflate_del(server_.deflater);
}

void H2Framer::reset() {
  for (Side* side : {&client_, &server_}) {
    if (side->deflater) nghttp2_hd_deflate_del(side->deflater);
    side->deflater = nullptr;
    if (nghttp2_hd_deflate_new(&side->deflater, kHpackTableSize) != 0) {
      throw std::runtime_error("nghttp2_hd_deflate_new failed");
    }
    side->window_used = 0;
  }
  next_stream_ = 1;
  started_ = false;
  client_settings_ack_due_ = false;
}

void H2Framer::parse_request(std::string_view text, Message& m) {
  std::string_view start;
  std::vector<std::pair<std::string_view, std::string_view>> fields;
  std::string_view body = split_head(text, start, fields);
  const size_t sp1 = start.find(' ');
  const size_t sp2 = start.find(' ', sp1 + 1);
  std::string_view authority;
  for (const auto& [name, value] : fields) {
    if (iequals(name, "host")) authority = value;
  }
  m.names = {":method", ":scheme", ":authority", ":path"};
  m.values = {std::string(start.substr(0, sp1)), "http", std::string(authority),
              std::string(start.substr(sp1 + 1, sp2 - sp1 - 1))};
  for (const auto& [name, value] : fields) {
    if (iequals(name, "host") || iequals(name, "connection")) continue;
    m.names.push_back(lower(name));
    m.values.emplace_back(value);
  }
  m.body.assign(body);  // requests always carry Content-Length bodies
}

void H2Framer::parse_response(std::string_view text, Message& m) {
  std::string_view start;
  std::vector<std::pair<std::string_view, std::string_view>> fields;
  std::string_view body = split_head(text, start, fields);
  m.names = {":status"};
  m.values = {std::string(start.substr(9, 3))};  // "HTTP/1.1 200 OK"
  bool chunked = false;
  for (const auto& [name, value] : fields) {
    if (iequals(name, "transfer-encoding")) {
      chunked = true;
      continue;
    }
    if (iequals(name, "connection")) continue;
    m.names.push_back(lower(name));
    m.values.emplace_back(value);
  }
  m.body = chunked ? dechunk(body) : std::string(body);
}

void H2Framer::append_frame_header(std::string& out, uint32_t len, uint8_t type, uint8_t flags,
                                   uint32_t stream) {
  out.push_back(static_cast<char>(len >> 16));
  out.push_back(static_cast<char>(len >> 8));
  out.push_back(static_cast<char>(len));
  out.push_back(static_cast<char>(type));
  out.push_back(static_cast<char>(flags));
  append_u32(out, stream & 0x7fffffffu);
}

void H2Framer::append_settings(std::string& out, bool client) {
  // (identifier, value): MAX_CONCURRENT_STREAMS, INITIAL_WINDOW_SIZE, and the client also
  // ENABLE_PUSH = 0, as browsers and curl send them.
  const std::pair<uint16_t, uint32_t> client_settings[] = {{0x3, 100}, {0x4, 1u << 24}, {0x2, 0}};
  const std::pair<uint16_t, uint32_t> server_settings[] = {{0x3, 128}, {0x4, 1u << 20}};
  const auto* begin = client ? client_settings : server_settings;
  const size_t n = client ? std::size(client_settings) : std::size(server_settings);
  append_frame_header(out, static_cast<uint32_t>(6 * n), kSettings, 0, 0);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(static_cast<char>(begin[i].first >> 8));
    out.push_back(static_cast<char>(begin[i].first));
    append_u32(out, begin[i].second);
  }
}

void H2Framer::append_window_update(std::string& out, uint32_t stream, uint32_t increment) {
  append_frame_header(out, 4, kWindowUpdate, 0, stream);
  append_u32(out, increment & 0x7fffffffu);
}

void H2Framer::append_headers(std::string& out, Side& side, uint32_t stream, const Message& m,
                              bool end_stream) {
  std::vector<nghttp2_nv> nva(m.names.size());
  for (size_t i = 0; i < nva.size(); ++i) {
    nva[i].name = reinterpret_cast<uint8_t*>(const_cast<char*>(m.names[i].data()));
    nva[i].namelen = m.names[i].size();
    nva[i].value = reinterpret_cast<uint8_t*>(const_cast<char*>(m.values[i].data()));
    nva[i].valuelen = m.values[i].size();
    nva[i].flags = NGHTTP2_NV_FLAG_NONE;
  }
  hpack_.resize(nghttp2_hd_deflate_bound(side.deflater, nva.data(), nva.size()));
  const ssize_t n =
      nghttp2_hd_deflate_hd(side.deflater, hpack_.data(), hpack_.size(), nva.data(), nva.size());
  if (n < 0) throw std::runtime_error("nghttp2_hd_deflate_hd failed");
  // A block over one frame continues in CONTINUATION frames (END_STREAM stays on HEADERS).
  const auto* block = reinterpret_cast<const char*>(hpack_.data());
  size_t left = static_cast<size_t>(n);
  bool first = true;
  do {
    const uint32_t len = static_cast<uint32_t>(std::min<size_t>(left, kMaxFrame));
    const bool last = len == left;
    uint8_t flags = last ? kEndHeaders : 0;
    if (first && end_stream) flags |= kEndStream;
    append_frame_header(out, len, first ? kHeaders : kContinuation, flags, stream);
    out.append(block, len);
    block += len;
    left -= len;
    first = false;
  } while (left > 0);
}

void H2Framer::frame_batch(const std::vector<Exchange>& batch, Rng& rng, std::string& client_out,
                           std::string& server_out) {
  // Connection set-up and flow-control bookkeeping at the head of each flight.
  if (!started_) {
    started_ = true;
    client_out.append(kPreface);
    append_settings(client_out, true);
    append_window_update(client_out, 0, kConnectionWindow - kDefaultWindow);
    append_settings(server_out, false);
    append_window_update(server_out, 0, kConnectionWindow - kDefaultWindow);
    append_frame_header(server_out, 0, kSettings, kAck, 0);  // ACKs the client's SETTINGS
    client_settings_ack_due_ = true;
  } else if (client_settings_ack_due_) {
    append_frame_header(client_out, 0, kSettings, kAck, 0);
    client_settings_ack_due_ = false;
  }
  // The client tops up what the server's DATA used, and the server what the client's used.
  if (server_.window_used >= kConnectionWindow / 2) {
    append_window_update(client_out, 0, static_cast<uint32_t>(server_.window_used));
    server_.window_used = 0;
  }
  if (client_.window_used >= kConnectionWindow / 2) {
    append_window_update(server_out, 0, static_cast<uint32_t>(client_.window_used));
    client_.window_used = 0;
  }

  const size_t n = batch.size();
  requests_.resize(n);
  responses_.resize(n);
  std::vector<uint32_t> ids(n);
  for (size_t i = 0; i < n; ++i) {
    parse_request(batch[i].request, requests_[i]);
    parse_response(batch[i].response, responses_[i]);
    ids[i] = next_stream_;
    next_stream_ += 2;
  }

  // Emits one side's streams round-robin: each turn one frame of the next unfinished stream
  // (its HEADERS first, then a DATA frame). `headers_first`: every HEADERS before any DATA.
  auto emit = [&](std::string& out, Side& side, const std::vector<Message>& msgs,
                  bool headers_first) {
    std::vector<size_t> sent(n, 0);
    std::vector<bool> headers_done(n, false), finished(n, false);
    if (headers_first) {
      for (size_t i = 0; i < n; ++i) {
        append_headers(out, side, ids[i], msgs[i], msgs[i].body.empty());
        headers_done[i] = true;
        finished[i] = msgs[i].body.empty();
      }
    }
    size_t left = static_cast<size_t>(std::count(finished.begin(), finished.end(), false));
    for (size_t i = 0; left > 0; i = (i + 1) % n) {
      if (finished[i]) continue;
      const Message& m = msgs[i];
      if (!headers_done[i]) {
        append_headers(out, side, ids[i], m, m.body.empty());
        headers_done[i] = true;
        if (m.body.empty()) {
          finished[i] = true;
          --left;
        }
        continue;
      }
      const size_t len = std::min<size_t>(m.body.size() - sent[i], rng.range(2048, kMaxFrame));
      const bool last = sent[i] + len == m.body.size();
      append_frame_header(out, static_cast<uint32_t>(len), kData, last ? kEndStream : 0, ids[i]);
      out.append(m.body, sent[i], len);
      sent[i] += len;
      side.window_used += len;
      if (last) {
        finished[i] = true;
        --left;
      }
    }
  };
  emit(client_out, client_, requests_, true);
  emit(server_out, server_, responses_, false);
}

}  // namespace mirador::gen
