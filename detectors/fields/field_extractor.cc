#include "detectors/fields/field_extractor.h"

#include <string>

#include "decoders/ascii.h"
#include "detectors/attack/normalize.h"
#include "detectors/fields/cookie_split.h"
#include "detectors/fields/json_walk.h"
#include "detectors/fields/media_type.h"
#include "detectors/fields/multipart_walk.h"
#include "detectors/fields/query_split.h"

namespace mirador::detect {

namespace {

std::string_view find_header(const std::vector<HttpHeader>& headers, std::string_view name) {
  for (const HttpHeader& h : headers) {
    if (ascii_iequals(h.name, name)) return h.value;
  }
  return {};
}

bool looks_like_json(std::string_view body) {
  for (const char c : body) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    return c == '{' || c == '[';
  }
  return false;
}

}  // namespace

struct FieldExtractor::Impl {
  explicit Impl(const FieldLimits& limits)
      : json(limits.max_json_depth), multipart(json, limits.max_multipart_parts) {}

  JsonWalker json;
  MultipartWalker multipart;
  QueryScratch query;
  std::string decoded;  // the target, then the path, percent-decoded
  std::string path;     // "Set-Cookie sid"
};

FieldExtractor::FieldExtractor(const FieldLimits& limits)
    : impl_(std::make_unique<Impl>(limits)), limits_(limits) {}
FieldExtractor::~FieldExtractor() = default;

void FieldExtractor::extract(const HttpTransaction& t, FieldList& out) {
  Impl& m = *impl_;
  out.clear();
  out.max_fields = limits_.max_fields;
  out.max_bytes = limits_.max_field_bytes;
  ++counters_.transactions;
  uint64_t dropped = 0;
  auto add = [&](Part part, std::string_view key, std::string_view value, std::string_view path,
                 bool raw) {
    if (!out.add(part, key, value, path, raw)) ++dropped;
  };

  // One body: walked by kind, or one raw field.
  auto body = [&](std::string_view b, std::string_view content_type, Part part) {
    if (b.empty()) return;
    const BodyKind kind = body_kind(content_type);
    if (kind == BodyKind::form) {
      ++counters_.form_bodies;
      dropped += add_query_fields(b, part, out, m.query);
      return;
    }
    if (kind == BodyKind::multipart) {
      ++counters_.multipart_bodies;
      MultipartWalkStats ms;
      if (m.multipart.walk(b, content_type, part, out, ms)) {
        dropped += ms.dropped;
        counters_.json_too_deep += ms.too_deep;
        counters_.json_errors += ms.json_errors;
        counters_.multipart_parts_dropped += ms.parts_dropped;
        return;
      }
      ++counters_.multipart_errors;
    } else if (kind == BodyKind::json || looks_like_json(b)) {
      JsonWalkStats js;
      if (m.json.walk(b, part, "", "", out, js)) {
        ++counters_.json_bodies;
        dropped += js.dropped;
        counters_.json_too_deep += js.too_deep;
        return;
      }
      // A body only sniffed as JSON ("[INFO] …") that is not JSON is plain text, not an error.
      if (kind == BodyKind::json) ++counters_.json_errors;
    }
    ++counters_.raw_bodies;
    add(part, "", b, "", true);
  };

  const std::string_view target = t.uri;
  if (!target.empty()) {
    percent_decode(target, m.decoded, false);
    add(Part::request_target, "", m.decoded, "", false);
    const size_t q = target.find('?');
    percent_decode(target.substr(0, q), m.decoded, false);
    add(Part::request_path, "", m.decoded, "", false);
    if (q != std::string_view::npos) {
      dropped += add_query_fields(target.substr(q + 1), Part::request_query, out, m.query);
    }
  }
  for (const HttpHeader& h : t.request_headers) {
    if (!ascii_iequals(h.name, "Cookie")) add(Part::request_header, h.name, h.value, h.name, false);
  }
  for (const HttpHeader& h : t.request_headers) {
    if (ascii_iequals(h.name, "Cookie")) {
      dropped += add_cookie_fields(h.value, Part::request_cookie, out);
    }
  }
  body(t.request_body, find_header(t.request_headers, "Content-Type"), Part::request_body);

  if (t.has_response) {
    for (const HttpHeader& h : t.response_headers) {
      if (!ascii_iequals(h.name, "Set-Cookie")) {
        add(Part::response_header, h.name, h.value, h.name, false);
      }
    }
    for (const HttpHeader& h : t.response_headers) {
      std::string_view name, value;
      if (!ascii_iequals(h.name, "Set-Cookie") || !split_set_cookie(h.value, name, value)) continue;
      m.path.assign(h.name);
      m.path += ' ';
      m.path += name;
      add(Part::response_header, name, value, m.path, false);
    }
    body(t.response_body, find_header(t.response_headers, "Content-Type"), Part::response_body);
  }

  counters_.fields_dropped += dropped;
  counters_.fields += out.size();
}

}  // namespace mirador::detect
