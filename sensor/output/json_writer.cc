#include "sensor/output/json_writer.h"

#include <google/protobuf/util/json_util.h>

#include "mirador/v1/event.pb.h"
#include "sensor/output/masking.h"
#include "sensor/output/record_fields.h"
#include "sensor/output/utf8_text.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <vector>

namespace mirador {

namespace {

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

namespace {

// Stats by hand: protobuf prints maps in their hash order, which differs between two processes
// holding the same message; sorted names make a stats line the same wherever it is written. 64-bit
// counters as JSON numbers, as in http events (proto3 JSON parsers accept both spellings).
void append_stats_json(const v1::SensorStats& s, std::string& out) {
  out += "{\"final\":";
  out += s.final() ? "true" : "false";
  out += ",\"elapsed_s\":";
  char buf[40];
  const auto r = std::to_chars(buf, buf + sizeof buf, s.elapsed_s());  // shortest exact form
  out.append(buf, r.ptr);
  out += ",\"peak_rss_bytes\":";
  append_uint(out, s.peak_rss_bytes());
  out += ",\"groups\":{";
  std::vector<const std::string*> groups;
  for (const auto& [name, g] : s.groups()) groups.push_back(&name);
  std::sort(groups.begin(), groups.end(), [](auto* a, auto* b) { return *a < *b; });
  std::vector<std::pair<const std::string*, uint64_t>> counters;
  bool first_group = true;
  for (const std::string* name : groups) {
    if (!first_group) out += ',';
    first_group = false;
    append_json_string(out, *name);
    out += ":{\"counters\":{";
    counters.clear();
    for (const auto& [k, v] : s.groups().at(*name).counters()) counters.emplace_back(&k, v);
    std::sort(counters.begin(), counters.end(),
              [](const auto& a, const auto& b) { return *a.first < *b.first; });
    bool first = true;
    for (const auto& [k, v] : counters) {
      if (!first) out += ',';
      first = false;
      append_json_string(out, *k);
      out += ':';
      append_uint(out, v);
    }
    out += "}}";
  }
  out += "}}";
}

// Proto3 JSON omits a field at its default value (empty, zero): the writers below do too.
void strings_field(std::string& out, std::string_view k,
                   const google::protobuf::RepeatedPtrField<std::string>& v) {
  if (v.empty()) return;
  out += k;
  out += '[';
  for (int i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    append_json_string(out, v.Get(i));
  }
  out += ']';
}

// A FlowContext as protobuf's printer writes it: fields in number order, defaults left out.
void append_flow_proto3(const v1::FlowContext& f, std::string& out) {
  const size_t open = out.size();
  out += '{';
  auto sep = [&]() {
    if (out.size() > open + 1) out += ',';
  };
  if (!f.community_id().empty()) sep(), str_field(out, "\"community_id\":", f.community_id());
  if (!f.src_ip().empty()) sep(), str_field(out, "\"src_ip\":", f.src_ip());
  if (f.src_port() != 0) sep(), uint_field(out, "\"src_port\":", f.src_port());
  if (!f.dst_ip().empty()) sep(), str_field(out, "\"dst_ip\":", f.dst_ip());
  if (f.dst_port() != 0) sep(), uint_field(out, "\"dst_port\":", f.dst_port());
  if (f.vlan_size() > 0) {
    sep();
    out += "\"vlan\":[";
    for (int i = 0; i < f.vlan_size(); ++i) {
      if (i) out += ',';
      append_uint(out, f.vlan(i));
    }
    out += ']';
  }
  if (f.has_tunnel()) {
    sep();
    out += "\"tunnel\":{";
    const v1::Tunnel& t = f.tunnel();
    str_field(out, "\"type\":", t.type());
    if (t.id() != 0) uint_field(out, t.type().empty() ? "\"id\":" : ",\"id\":", t.id());
    out += '}';
  }
  out += '}';
}

// A Finding: one is written per finding event, hundreds of thousands an hour on a busy API, so
// by hand rather than by protobuf's reflective printer (about ten times slower).
void append_finding(const v1::Finding& x, std::string& out) {
  const size_t open = out.size();
  out += '{';
  auto sep = [&]() {
    if (out.size() > open + 1) out += ',';
  };
  if (x.has_flow()) {
    out += "\"flow\":";
    append_flow_proto3(x.flow(), out);
  }
  auto str = [&](std::string_view k, const std::string& v) {
    if (!v.empty()) sep(), str_field(out, k, v);
  };
  auto num = [&](std::string_view k, uint64_t v) {
    if (v != 0) sep(), uint_field(out, k, v);
  };
  auto list = [&](std::string_view k, const google::protobuf::RepeatedPtrField<std::string>& v) {
    if (!v.empty()) sep(), strings_field(out, k, v);
  };
  str("\"id\":", x.id());
  str("\"risk_class\":", x.risk_class());
  str("\"severity\":", x.severity());
  str("\"owasp_api\":", x.owasp_api());
  str("\"summary\":", x.summary());
  list("\"locations\":", x.locations());
  list("\"masked_samples\":", x.masked_samples());
  num("\"count\":", x.count());
  str("\"endpoint\":", x.endpoint());
  num("\"trans_depth\":", x.trans_depth());
  list("\"rule_ids\":", x.rule_ids());
  str("\"data_class\":", x.data_class());
  str("\"identity\":", x.identity());
  num("\"window_s\":", x.window_s());
  out += '}';
}

// {"sensor_id":…,"sequence":N,"time":"…"   (the object is left open for the payload)
void append_envelope(const v1::Event& e, std::string& out) {
  out += '{';
  if (!e.sensor_id().empty()) {
    out += "\"sensor_id\":";
    append_json_string(out, e.sensor_id());
    out += ',';
  }
  out += "\"sequence\":";
  append_uint(out, e.sequence());
  out += ",\"time\":\"";
  append_rfc3339(out, e.time().seconds() * 1'000'000 + e.time().nanos() / 1000);
  out += '"';
}

}  // namespace

void append_event_json(const v1::Event& e, std::string& out) {
  if (!e.has_http()) {
    // The envelope by hand (the same spelling as http events: sequence as a number), findings
    // and stats by hand, endpoints and TLS handshakes (a few per second) by protobuf's printer.
    append_envelope(e, out);
    const google::protobuf::Message* payload = nullptr;
    const char* name = nullptr;
    switch (e.kind_case()) {
      case v1::Event::kFinding:
        out += ",\"finding\":";
        append_finding(e.finding(), out);
        break;
      case v1::Event::kEndpoint:
        payload = &e.endpoint(), name = "endpoint";
        break;
      case v1::Event::kTls:
        payload = &e.tls(), name = "tls";
        break;
      case v1::Event::kStats:
        out += ",\"stats\":";
        append_stats_json(e.stats(), out);
        break;
      default:
        break;
    }
    if (payload) {
      google::protobuf::util::JsonPrintOptions opt;
      opt.preserve_proto_field_names = true;
      std::string json;
      if (google::protobuf::util::MessageToJsonString(*payload, &json, opt).ok()) {
        out += ",\"";
        out += name;
        out += "\":";
        out += json;
      }
    }
    out += '}';
    return;
  }
  // The same keys, order and omissions as the overload from a transaction; strings are already
  // valid UTF-8 and masked, so escaping is all that is left.
  append_envelope(e, out);
  out += ",\"http\":{\"flow\":{";
  const v1::HttpTransaction& x = e.http();
  const v1::FlowContext& f = x.flow();
  if (!f.community_id().empty()) {
    out += "\"community_id\":";
    append_json_string(out, f.community_id());
    out += ',';
  }
  if (!f.src_ip().empty()) {
    out += "\"src_ip\":\"";
    out += f.src_ip();
    out += "\",";
  }
  out += "\"src_port\":";
  append_uint(out, f.src_port());
  if (!f.dst_ip().empty()) {
    out += ",\"dst_ip\":\"";
    out += f.dst_ip();
    out += '"';
  }
  uint_field(out, ",\"dst_port\":", f.dst_port());
  if (f.vlan_size() > 0) {
    out += ",\"vlan\":[";
    for (int i = 0; i < f.vlan_size(); ++i) {
      if (i) out += ',';
      append_uint(out, f.vlan(i));
    }
    out += ']';
  }
  if (f.has_tunnel()) {
    out += ",\"tunnel\":{\"type\":\"";
    out += f.tunnel().type();
    out += "\",\"id\":";
    append_uint(out, f.tunnel().id());
    out += '}';
  }
  out += "},\"trans_depth\":";
  append_uint(out, x.trans_depth());
  str_field(out, ",\"method\":", x.method());
  str_field(out, ",\"host\":", x.host());
  str_field(out, ",\"uri\":", x.uri());
  str_field(out, ",\"version\":", x.version());
  str_field(out, ",\"user_agent\":", x.user_agent());
  str_field(out, ",\"referrer\":", x.referrer());
  str_field(out, ",\"origin\":", x.origin());
  if (x.has_response()) {
    out += ",\"has_response\":true";
    uint_field(out, ",\"status\":", x.status());
    str_field(out, ",\"status_msg\":", x.status_msg());
  }
  if (x.info_codes_size() > 0) {
    out += ",\"info_codes\":[";
    for (int i = 0; i < x.info_codes_size(); ++i) {
      if (i) out += ',';
      append_uint(out, x.info_codes(i));
    }
    out += ']';
  }
  uint_field(out, ",\"request_body_len\":", x.request_body_len());
  uint_field(out, ",\"response_body_len\":", x.response_body_len());
  uint_field(out, ",\"request_body_wire_len\":", x.request_body_wire_len());
  uint_field(out, ",\"response_body_wire_len\":", x.response_body_wire_len());
  str_field(out, ",\"request_content_type\":", x.request_content_type());
  str_field(out, ",\"response_content_type\":", x.response_content_type());
  str_field(out, ",\"request_content_encoding\":", x.request_content_encoding());
  str_field(out, ",\"response_content_encoding\":", x.response_content_encoding());
  if (x.has_duration()) {
    // The double is the correctly rounded microseconds / 1e6, so rounding back is exact.
    const auto d = static_cast<uint64_t>(std::llround(x.duration() * 1e6));
    out += ",\"duration\":";
    append_uint(out, d / 1'000'000);
    out += '.';
    append_fraction(out, static_cast<int64_t>(d % 1'000'000));
  }
  str_field(out, ",\"upgrade\":", x.upgrade());
  if (x.anomalies_size() > 0) {
    out += ",\"anomalies\":[";
    for (int i = 0; i < x.anomalies_size(); ++i) {
      if (i) out += ',';
      append_json_string(out, x.anomalies(i));
    }
    out += ']';
  }
  str_field(out, ",\"auth_kind\":", x.auth_kind());
  str_field(out, ",\"identity\":", x.identity());
  if (x.stream_id() != 0) uint_field(out, ",\"stream_id\":", x.stream_id());
  str_field(out, ",\"grpc_service\":", x.grpc_service());
  str_field(out, ",\"grpc_method\":", x.grpc_method());
  if (x.has_grpc_status()) {
    out += ",\"grpc_status\":";
    append_uint(out, x.grpc_status());
  }
  str_field(out, ",\"grpc_message\":", x.grpc_message());
  if (x.decrypted()) out += ",\"decrypted\":true";
  out += "}}";
}

}  // namespace mirador
