// Fuzz target: the body and field walkers of detectors/fields: JsonWalker (simdjson), query and
// form splitting, Cookie and Set-Cookie splitting, MultipartWalker, and FieldExtractor on a
// whole transaction (which picks the walker by Content-Type or by sniffing).
// Byte 0 picks the walker; for multipart and the extractor the input's first line is the
// Content-Type and the rest the body. Checked: the field list keeps to its caps, and a failed
// JSON walk leaves the list as it was.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "decoders/http1/http_transaction.h"
#include "detectors/fields/cookie_split.h"
#include "detectors/fields/field_extractor.h"
#include "detectors/fields/json_walk.h"
#include "detectors/fields/multipart_walk.h"
#include "detectors/fields/query_split.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

using mirador::detect::FieldList;
using mirador::detect::Part;

size_t touch(const FieldList& list) {
  size_t n = 0;
  std::string loc;
  for (size_t i = 0; i < list.size(); ++i) {
    const auto f = list[i];
    n += f.key.size() + f.value.size() + f.path.size();
    list.location(i, loc);
    n += loc.size();
  }
  return n;
}

// The first line (without CR/LF) and what follows it.
void split_first_line(std::string_view text, std::string_view& line, std::string_view& rest) {
  const size_t nl = text.find('\n');
  line = text.substr(0, nl);
  rest = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mirador::fuzz::FuzzInput in(data, size);
  const uint8_t mode = in.u8() % 6;
  size_t len = 0;
  const uint8_t* bytes = in.rest(len);
  const std::string_view text(reinterpret_cast<const char*>(bytes), len);

  FieldList list;
  list.max_fields = 256;
  list.max_bytes = 64u << 10;
  volatile size_t sink = 0;
  switch (mode) {
    case 0: {
      mirador::detect::JsonWalker walker(16);
      mirador::detect::JsonWalkStats stats;
      list.add(Part::request_header, "k", "v", "p");  // must survive a failed walk
      if (!walker.walk(text, Part::request_body, "", "", list, stats) && list.size() != 1)
        std::abort();
      // Walked twice: the reused parser and padded copy must not remember the first walk.
      list.clear();
      walker.walk(text, Part::response_body, "root", "meta", list, stats);
      break;
    }
    case 1: {
      mirador::detect::QueryScratch scratch;
      mirador::detect::add_query_fields(text, Part::request_query, list, scratch);
      break;
    }
    case 2: {
      mirador::detect::add_cookie_fields(text, Part::request_cookie, list);
      std::string_view name, value;
      mirador::detect::split_set_cookie(text, name, value);
      sink = sink + name.size() + value.size();
      break;
    }
    case 3: {
      std::string_view content_type, body;
      split_first_line(text, content_type, body);
      mirador::detect::JsonWalker json(16);
      mirador::detect::MultipartWalker walker(json, 8);
      mirador::detect::MultipartWalkStats stats;
      walker.walk(body, content_type, Part::request_body, list, stats);
      break;
    }
    default: {
      // The extractor on a transaction: request (mode 4) or response (mode 5) body.
      std::string_view content_type, body;
      split_first_line(text, content_type, body);
      mirador::HttpTransaction t;
      t.method = "POST";
      t.uri = "/api/v1/items?id=1&name=a+b";
      t.version = "1.1";
      t.request_headers.push_back({"Cookie", "session=abc; theme=dark"});
      t.has_response = true;
      t.status = 200;
      auto& headers = mode == 4 ? t.request_headers : t.response_headers;
      headers.push_back({"Content-Type", std::string(content_type)});
      (mode == 4 ? t.request_body : t.response_body).assign(body);
      mirador::detect::FieldLimits limits;
      limits.max_fields = 256;
      limits.max_field_bytes = 64u << 10;
      limits.max_json_depth = 16;
      limits.max_multipart_parts = 8;
      limits.max_grpc_messages = 8;
      limits.max_grpc_message_bytes = 64u << 10;
      limits.max_grpc_depth = 8;
      limits.max_grpc_leaves = 256;
      mirador::detect::FieldExtractor extractor(limits);
      extractor.extract(t, list);
      if (list.size() > limits.max_fields) std::abort();
      break;
    }
  }
  if (list.size() > list.max_fields) std::abort();
  sink = sink + touch(list);
  return 0;
}
