#include "sensor/output/json_writer.h"

#include "sensor/output/masking.h"

#include "decoders/ascii.h"

#include <array>
#include <charconv>
#include <climits>
#include <cstdio>
#include <ctime>

namespace mirador {

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not valid (overlong forms,
// surrogates and code points past U+10FFFF are rejected, per RFC 3629).
size_t utf8_len(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  const uint8_t c = b(i);
  const size_t left = s.size() - i;
  auto cont = [&](size_t k) { return k < s.size() && (b(k) & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF) return left >= 2 && cont(i + 1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (left < 3 || !cont(i + 1) || !cont(i + 2)) return 0;
    if (c == 0xE0 && b(i + 1) < 0xA0) return 0;   // overlong
    if (c == 0xED && b(i + 1) >= 0xA0) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (left < 4 || !cont(i + 1) || !cont(i + 2) || !cont(i + 3)) return 0;
    if (c == 0xF0 && b(i + 1) < 0x90) return 0;   // overlong
    if (c == 0xF4 && b(i + 1) >= 0x90) return 0;  // > U+10FFFF
    return 4;
  }
  return 0;
}

void append_uint(std::string& out, uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

// Six digits of microseconds, zero-padded.
void append_fraction(std::string& out, int64_t us) {
  char buf[6];
  for (int i = 5; i >= 0; --i, us /= 10) buf[i] = static_cast<char>('0' + us % 10);
  out.append(buf, 6);
}

// Dotted quad written directly: inet_ntop goes through sprintf, which showed in profiles.
void append_ip(std::string& out, const IpAddress& ip) {
  if (ip.family != 4) {
    append_json_string(out, ip.to_string());
    return;
  }
  out += '"';
  for (int i = 0; i < 4; ++i) {
    if (i) out += '.';
    append_uint(out, ip.bytes[static_cast<size_t>(i)]);
  }
  out += '"';
}

// `k` is the whole key text, separator included (`,"method":`): one append per key.
void str_field(std::string& out, std::string_view k, std::string_view v) {
  if (v.empty()) return;
  out += k;
  append_json_string(out, v);
}

void uint_field(std::string& out, std::string_view k, uint64_t v) {
  out += k;
  append_uint(out, v);
}

// The headers a record reports, found in one pass over each list (a lookup per field scanned
// the list once per field). The first header of a name wins, as HttpTransaction::header.
struct RecordHeaders {
  std::string_view host, user_agent, referer, origin, content_type, content_encoding;
};

void find_record_headers(const std::vector<HttpHeader>& headers, bool request, RecordHeaders& r) {
  uint32_t found = 0;
  auto take = [&](uint32_t bit, std::string_view& to, const HttpHeader& h) {
    if (found & bit) return;
    found |= bit;
    to = h.value;
  };
  for (const HttpHeader& h : headers) {
    const std::string_view n = h.name;
    switch (n.size()) {
      case 4:
        if (request && ascii_iequals(n, "host")) take(1, r.host, h);
        break;
      case 6:
        if (request && ascii_iequals(n, "origin")) take(2, r.origin, h);
        break;
      case 7:
        if (request && ascii_iequals(n, "referer")) take(4, r.referer, h);
        break;
      case 10:
        if (request && ascii_iequals(n, "user-agent")) take(8, r.user_agent, h);
        break;
      case 12:
        if (ascii_iequals(n, "content-type")) take(16, r.content_type, h);
        break;
      case 16:
        if (ascii_iequals(n, "content-encoding")) take(32, r.content_encoding, h);
        break;
      default:
        break;
    }
  }
}

// JSON string bytes copied as they are: printable ASCII except '"' and '\\'.
constexpr std::array<bool, 256> kPlain = [] {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x7f; ++c) t[static_cast<size_t>(c)] = c != '"' && c != '\\';
  return t;
}();

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (size_t i = 0; i < s.size();) {
    // Copy the run of bytes that need no escaping in one append: most of a record.
    size_t j = i;
    while (j < s.size() && kPlain[static_cast<uint8_t>(s[j])]) ++j;
    if (j > i) {
      out.append(s.data() + i, j - i);
      i = j;
      if (i == s.size()) break;
    }
    const uint8_t c = static_cast<uint8_t>(s[i]);
    if (c >= 0x80) {
      size_t n = utf8_len(s, i);
      if (n) {
        out.append(s.data() + i, n);
        i += n;
      } else {
        out += "\\\\x";
        out += kHex[c >> 4];
        out += kHex[c & 15];
        ++i;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
}

void append_rfc3339(std::string& out, int64_t ts_us) {
  int64_t secs = ts_us / 1'000'000;
  int64_t us = ts_us % 1'000'000;
  if (us < 0) us += 1'000'000, secs -= 1;
  // Records of one second share the date and time: format it once (gmtime_r and a printf per
  // record showed in profiles).
  thread_local int64_t cached_secs = INT64_MIN;
  thread_local char cached[80];
  if (secs != cached_secs) {
    std::time_t t = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::snprintf(cached, sizeof cached, "%04d-%02d-%02dT%02d:%02d:%02d.", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    cached_secs = secs;
  }
  out += cached;
  append_fraction(out, us);
  out += 'Z';
}

size_t append_transaction_json(const FlowContext& flow, const HttpTransaction& t, std::string& out,
                               const UriMasker* masker) {
  RecordHeaders req, resp;
  find_record_headers(t.request_headers, true, req);
  find_record_headers(t.response_headers, false, resp);
  out += "{\"ts\":\"";
  // A response with no request seen (unsolicited) is stamped with its own time.
  append_rfc3339(out, t.request_ts_us != 0 ? t.request_ts_us : t.end_ts_us);
  out += '"';
  str_field(out, ",\"community_id\":", flow.community_id);
  if (flow.client_ip) out += ",\"src_ip\":", append_ip(out, *flow.client_ip);
  uint_field(out, ",\"src_port\":", flow.client_port);
  if (flow.server_ip) out += ",\"dst_ip\":", append_ip(out, *flow.server_ip);
  uint_field(out, ",\"dst_port\":", flow.server_port);
  if (flow.vlan_count) {
    out += ",\"vlan\":[";
    for (uint8_t i = 0; i < flow.vlan_count; ++i) {
      if (i) out += ',';
      append_uint(out, flow.vlan[i]);
    }
    out += ']';
  }
  if (flow.tunnel != TunnelKind::none) {
    out += ",\"tunnel\":{\"type\":\"";
    out += tunnel_kind_name(flow.tunnel);
    out += "\",\"id\":";
    append_uint(out, flow.tunnel_id);
    out += '}';
  }
  uint_field(out, ",\"trans_depth\":", t.trans_depth);
  str_field(out, ",\"method\":", t.method);
  str_field(out, ",\"host\":", req.host);
  size_t masked = 0;
  std::string_view uri = t.uri, referrer = req.referer;
  if (masker) {
    // Scratch buffers live per thread: masking allocates nothing in the steady state.
    thread_local std::string masked_uri, masked_referrer;
    masked += masker->mask(uri, masked_uri);
    masked += masker->mask(referrer, masked_referrer);
    uri = masked_uri;
    referrer = masked_referrer;
  }
  str_field(out, ",\"uri\":", uri);
  str_field(out, ",\"version\":", t.version);
  str_field(out, ",\"user_agent\":", req.user_agent);
  str_field(out, ",\"referrer\":", referrer);
  str_field(out, ",\"origin\":", req.origin);
  if (t.has_response) {
    uint_field(out, ",\"status\":", static_cast<uint64_t>(t.status));
    str_field(out, ",\"status_msg\":", t.status_msg);
  }
  if (!t.info_codes.empty()) {
    out += ",\"info_codes\":[";
    for (size_t i = 0; i < t.info_codes.size(); ++i) {
      if (i) out += ',';
      append_uint(out, static_cast<uint64_t>(t.info_codes[i]));
    }
    out += ']';
  }
  uint_field(out, ",\"request_body_len\":", t.request_body_len);
  uint_field(out, ",\"response_body_len\":", t.response_body_len);
  uint_field(out, ",\"request_body_wire_len\":", t.request_body_wire_len);
  uint_field(out, ",\"response_body_wire_len\":", t.response_body_wire_len);
  str_field(out, ",\"request_content_type\":", req.content_type);
  str_field(out, ",\"response_content_type\":", resp.content_type);
  str_field(out, ",\"request_content_encoding\":", req.content_encoding);
  str_field(out, ",\"response_content_encoding\":", resp.content_encoding);
  if (t.end_ts_us >= t.request_ts_us && t.request_ts_us != 0) {
    out += ",\"duration\":";
    const int64_t d = t.end_ts_us - t.request_ts_us;
    append_uint(out, static_cast<uint64_t>(d / 1'000'000));
    out += '.';
    append_fraction(out, d % 1'000'000);
  }
  str_field(out, ",\"upgrade\":", t.upgrade);
  if (t.anomalies) {
    out += ",\"anomalies\":[";
    bool first = true;
    for (std::string_view name : http_anomaly_names(t.anomalies)) {
      if (!first) out += ',';
      first = false;
      append_json_string(out, name);
    }
    out += ']';
  }
  out += '}';
  return masked;
}

}  // namespace mirador
