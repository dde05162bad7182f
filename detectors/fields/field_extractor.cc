#include "detectors/fields/field_extractor.h"

#include <charconv>
#include <string>

#include "decoders/ascii.h"
#include "decoders/grpc/grpc_message.h"
#include "decoders/grpc/protobuf_walk.h"
#include "detectors/attack/normalize.h"
#include "detectors/auth/base64.h"
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

grpc::WalkLimits walk_limits(const FieldLimits& l) {
  grpc::WalkLimits w;
  w.max_depth = l.max_grpc_depth;
  w.max_leaves = l.max_grpc_leaves;
  return w;
}

bool json_flavour(std::string_view content_type) {
  // "application/grpc+json", "application/grpc-web+json"
  const size_t semi = content_type.find(';');
  const std::string_view type = content_type.substr(0, semi);
  return type.size() >= 5 && ascii_iequals(type.substr(type.size() - 5), "+json");
}

bool is_grpc_web_text(std::string_view content_type) {
  constexpr std::string_view kText = "application/grpc-web-text";
  size_t i = 0;
  while (i < content_type.size() && (content_type[i] == ' ' || content_type[i] == '\t')) ++i;
  content_type.remove_prefix(i);
  return content_type.size() >= kText.size() &&
         ascii_iequals(content_type.substr(0, kText.size()), kText);
}

}  // namespace

struct FieldExtractor::Impl {
  explicit Impl(const FieldLimits& limits)
      : json(limits.max_json_depth),
        multipart(json, limits.max_multipart_parts),
        protobuf(walk_limits(limits)) {}

  JsonWalker json;
  MultipartWalker multipart;
  grpc::ProtobufWalker protobuf;
  QueryScratch query;
  std::string decoded;                // the target, then the path, percent-decoded
  std::string path;                   // "Set-Cookie sid", "$[0].2.5"
  std::string message;                // a decompressed gRPC message
  std::string web_text, web_scratch;  // a gRPC-Web text body, base64-decoded
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

  // One gRPC message, walked as protobuf (or as JSON for grpc+json).
  char index_buf[16];
  auto grpc_message = [&](const grpc::Message& msg, Part part, bool json) {
    ++counters_.grpc_messages;
    const auto r = std::to_chars(index_buf, index_buf + sizeof index_buf, msg.index);
    const std::string_view index(index_buf, static_cast<size_t>(r.ptr - index_buf));
    const size_t before = out.size();
    if (json) {
      // clear + append, not assign(literal): GCC 12 -O3 -Wrestrict false positive (bug 105329).
      m.path.clear();
      m.path += '[';
      m.path += index;
      m.path += ']';
      JsonWalkStats js;
      if (m.json.walk(msg.data, part, "", m.path, out, js)) {
        dropped += js.dropped;
        counters_.json_too_deep += js.too_deep;
        return;
      }
    } else {
      const grpc::WalkCounters wc = m.protobuf.counters();
      char key_buf[16];
      const bool ok = m.protobuf.walk(msg.data, [&](const grpc::Leaf& leaf) {
        if (leaf.kind == grpc::LeafKind::bytes) return;
        const auto k = std::to_chars(key_buf, key_buf + sizeof key_buf, leaf.field);
        m.path.clear();
        m.path += "$[";
        m.path += index;
        m.path += "].";
        m.path += leaf.path;
        add(part, std::string_view(key_buf, static_cast<size_t>(k.ptr - key_buf)), leaf.value,
            m.path, false);
      });
      counters_.grpc_too_deep += m.protobuf.counters().too_deep - wc.too_deep;
      counters_.grpc_leaves_dropped += m.protobuf.counters().leaves_dropped - wc.leaves_dropped;
      // A message cut short keeps the leaves before the cut: its end is missing, not wrong.
      if (ok || !msg.complete) return;
    }
    if (!msg.complete) return;
    // Not protobuf (or not JSON): the message is scanned whole instead of what was walked.
    ++counters_.grpc_errors;
    out.truncate(before);
    m.path.assign("$[");
    m.path += index;
    m.path += ']';
    add(part, "", msg.data, m.path, true);
  };

  auto grpc_body = [&](std::string_view b, std::string_view content_type, std::string_view encoding,
                       Part part) {
    ++counters_.grpc_bodies;
    if (is_grpc_web_text(content_type)) {
      if (!base64_decode(b, Base64Alphabet::standard, m.web_scratch, m.web_text)) {
        ++counters_.grpc_errors;
        ++counters_.raw_bodies;
        add(part, "", b, "", true);
        return;
      }
      b = m.web_text;
    }
    grpc::MessageLimits ml;
    ml.max_messages = limits_.max_grpc_messages;
    ml.max_message = limits_.max_grpc_message_bytes;
    ml.max_decompress_ratio = limits_.max_grpc_decompress_ratio;
    grpc::MessageCounters mc;
    const bool json = json_flavour(content_type);
    grpc::for_each_message(b, encoding, ml, mc, m.message,
                           [&](const grpc::Message& msg) { grpc_message(msg, part, json); });
    counters_.grpc_decompression_errors += mc.decompression_errors;
    counters_.grpc_truncated += mc.truncated;
    counters_.grpc_messages_dropped += mc.messages_dropped;
  };

  // One body: walked by kind, or one raw field.
  auto body = [&](std::string_view b, std::string_view content_type, std::string_view encoding,
                  Part part) {
    if (b.empty()) return;
    if (grpc::is_grpc_content_type(content_type)) {
      grpc_body(b, content_type, encoding, part);
      return;
    }
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
  body(t.request_body, find_header(t.request_headers, "Content-Type"),
       find_header(t.request_headers, "grpc-encoding"), Part::request_body);

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
    body(t.response_body, find_header(t.response_headers, "Content-Type"),
         find_header(t.response_headers, "grpc-encoding"), Part::response_body);
  }

  counters_.fields_dropped += dropped;
  counters_.fields += out.size();
}

}  // namespace mirador::detect
