#include "tools/collector/cef.h"

#include <charconv>

#include "mirador/v1/event.pb.h"
#include "sensor/output/utf8_text.h"

namespace mirador::collector {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Shared walk: `esc` handles ASCII bytes; control characters become a space, invalid UTF-8
// U+FFFD and C1 controls (U+0080-U+009F, encoded C2 80-9F) a space.
template <typename Esc>
void sanitise(std::string_view in, std::string& out, Esc esc) {
  for (size_t i = 0; i < in.size();) {
    const auto c = static_cast<uint8_t>(in[i]);
    if (c < 0x80) {
      esc(static_cast<char>(c));
      ++i;
      continue;
    }
    const size_t n = utf8_len(in, i);
    if (n == 0) {
      out += kReplacement;
      ++i;
    } else if (n == 2 && c == 0xC2 && static_cast<uint8_t>(in[i + 1]) < 0xA0) {
      out += ' ';
      i += 2;
    } else {
      out.append(in.substr(i, n));
      i += n;
    }
  }
}

bool is_control(char c) {
  return static_cast<uint8_t>(c) < 0x20 || c == 0x7f;
}

void append_uint(std::string& out, uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

void append_int(std::string& out, int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

// " key=value" (the first without the space); empty values are left out.
class Extension {
 public:
  explicit Extension(std::string& out) : out_(out) {}
  void str(std::string_view key, std::string_view value) {
    if (value.empty()) return;
    sep(key);
    cef_escape_extension(value, out_);
  }
  void num(std::string_view key, uint64_t value) {
    sep(key);
    append_uint(out_, value);
  }
  void inum(std::string_view key, int64_t value) {
    sep(key);
    append_int(out_, value);
  }

 private:
  void sep(std::string_view key) {
    if (!first_) out_ += ' ';
    first_ = false;
    out_ += key;
    out_ += '=';
  }
  std::string& out_;
  bool first_ = true;
};

template <typename Strings>
std::string join(const Strings& items) {
  std::string s;
  for (const auto& x : items) {
    if (!s.empty()) s += ", ";
    s += x;
  }
  return s;
}

}  // namespace

void cef_escape_header(std::string_view in, std::string& out) {
  sanitise(in, out, [&](char c) {
    if (c == '\\' || c == '|') {
      out += '\\';
      out += c;
    } else if (is_control(c)) {
      out += ' ';  // CR, LF and every other control character
    } else {
      out += c;
    }
  });
}

void cef_escape_extension(std::string_view in, std::string& out) {
  sanitise(in, out, [&](char c) {
    if (c == '\\' || c == '=') {
      out += '\\';
      out += c;
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (is_control(c)) {
      out += ' ';
    } else {
      out += c;
    }
  });
}

int cef_severity(std::string_view s) {
  if (s == "info") return 1;
  if (s == "low") return 3;
  if (s == "medium") return 5;
  if (s == "high") return 8;
  if (s == "critical") return 10;
  return 5;
}

int syslog_severity(std::string_view s) {
  if (s == "critical") return 2;
  if (s == "high") return 3;
  if (s == "medium") return 4;
  if (s == "low") return 5;
  if (s == "info") return 6;
  return 4;
}

bool format_cef(const v1::Event& e, std::string_view product_version, std::string& out) {
  if (e.kind_case() != v1::Event::kFinding) return false;
  const v1::Finding& f = e.finding();
  out.clear();
  out += "CEF:0|Mirador|mirador|";
  cef_escape_header(product_version, out);
  out += '|';
  cef_escape_header(f.id(), out);
  out += '|';
  cef_escape_header(f.summary(), out);
  out += '|';
  append_int(out, cef_severity(f.severity()));
  out += '|';

  Extension x(out);
  if (e.has_time()) {
    x.inum("rt", e.time().seconds() * 1000 + e.time().nanos() / 1'000'000);
  }
  const v1::FlowContext& fl = f.flow();
  const bool src6 = fl.src_ip().find(':') != std::string::npos;
  const bool dst6 = fl.dst_ip().find(':') != std::string::npos;
  if (src6) {
    x.str("c6a2", fl.src_ip());
    x.str("c6a2Label", "Source IPv6 Address");
  } else {
    x.str("src", fl.src_ip());
  }
  if (f.has_flow()) x.num("spt", fl.src_port());
  if (dst6) {
    x.str("c6a3", fl.dst_ip());
    x.str("c6a3Label", "Destination IPv6 Address");
  } else {
    x.str("dst", fl.dst_ip());
  }
  if (f.has_flow()) x.num("dpt", fl.dst_port());
  x.str("app", "HTTP");
  x.str("request", f.endpoint());
  x.str("cat", f.risk_class());
  if (!f.owasp_api().empty()) {
    x.str("cs1", f.owasp_api());
    x.str("cs1Label", "owaspApi");
  }
  if (f.locations_size() > 0) {
    x.str("cs2", join(f.locations()));
    x.str("cs2Label", "locations");
  }
  if (f.masked_samples_size() > 0) {
    x.str("cs3", join(f.masked_samples()));
    x.str("cs3Label", "samples");
  }
  x.num("cnt", f.count());
  x.str("deviceExternalId", e.sensor_id());
  x.num("externalId", e.sequence());
  if (!fl.community_id().empty()) {
    x.str("cs4", fl.community_id());
    x.str("cs4Label", "communityId");
  }
  return true;
}

}  // namespace mirador::collector
