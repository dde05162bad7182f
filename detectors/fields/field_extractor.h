// Field extraction: HttpTransaction → FieldList. Query strings and form bodies are split and
// percent-decoded ('+' is a space), the Cookie header is split into cookies, JSON bodies are
// walked with simdjson (every string, number and boolean leaf, with its key and path), multipart
// bodies are split by their boundary (each part by its name; a JSON part is walked in turn, with
// the part name as path prefix: "meta$.user.id"). gRPC bodies (Content-Type application/grpc*,
// gRPC-Web included, its -text flavour base64-decoded first) are split into their messages,
// decompressed per grpc-encoding, and each message walked as schema-less protobuf: every text
// and number leaf is a field whose key is its field number and whose path is
// "$[<message index>].<field path>" ("$[0].2.5", "$[1].3[2].1"); bytes leaves are not fields. A
// whole message that is not protobuf is one raw field at "$[i]" (and counted); a message cut by
// the end of the body keeps the leaves before the cut. application/grpc+json messages are walked
// as JSON with "[i]" as path prefix ("[0]$.user.email"). Bodies are recognised by Content-Type and,
// when it is missing or generic, by their first byte ('{' or '[' → JSON). A body that is none of
// these, or that fails to parse, is one raw field (so XML for XXE and text still get scanned); a
// parse failure is counted. Order: the request's fields (target, path, query, headers, cookies,
// body), then the response's (headers, body) — callers may stop at the first response field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "decoders/http1/http_transaction.h"
#include "detectors/fields/field.h"

namespace mirador::detect {

struct FieldLimits {
  size_t max_fields = 4096;                  // detect.max_fields: fields per transaction
  size_t max_field_bytes = 4u << 20;         // detect.max_field_bytes: arena bytes per transaction
  size_t max_json_depth = 64;                // detect.max_json_depth: deeper values are skipped
  size_t max_multipart_parts = 64;           // detect.max_multipart_parts: parts per body
  uint32_t max_grpc_messages = 64;           // detect.max_grpc_messages: messages walked per body
  size_t max_grpc_message_bytes = 4u << 20;  // detect.max_grpc_message_bytes: decoded, per message
  uint32_t max_grpc_decompress_ratio = 200;  // detect.max_grpc_decompress_ratio: bomb ratio
  uint32_t max_grpc_depth = 32;              // detect.max_grpc_depth: embedded messages walked
  uint32_t max_grpc_leaves = 4096;           // detect.max_grpc_leaves: leaves per message
};

struct FieldCounters {
  uint64_t transactions = 0;
  uint64_t fields = 0;
  uint64_t fields_dropped = 0;  // max_fields or max_field_bytes reached
  uint64_t json_bodies = 0;     // walked as JSON (declared, or sniffed by '{' / '[')
  uint64_t json_errors = 0;     // not valid JSON: scanned as one raw field
  uint64_t json_too_deep = 0;   // values skipped below max_json_depth
  uint64_t form_bodies = 0;
  uint64_t multipart_bodies = 0;
  uint64_t multipart_errors = 0;  // no boundary, or no closing delimiter: scanned as one raw field
  uint64_t multipart_parts_dropped = 0;  // parts past max_multipart_parts
  uint64_t raw_bodies = 0;               // bodies scanned as one raw field, for whatever reason
  uint64_t grpc_bodies = 0;              // split into gRPC messages
  uint64_t grpc_messages = 0;            // messages walked (or scanned raw)
  uint64_t grpc_errors = 0;  // messages not protobuf (scanned raw), or gRPC-Web text not base64
  uint64_t grpc_decompression_errors = 0;  // unknown grpc-encoding, corrupt, or a bomb: skipped
  uint64_t grpc_truncated = 0;         // messages cut by the body's end or max_grpc_message_bytes
  uint64_t grpc_messages_dropped = 0;  // past max_grpc_messages
  uint64_t grpc_too_deep = 0;          // embedded messages below max_grpc_depth (bytes, skipped)
  uint64_t grpc_leaves_dropped = 0;    // leaves past max_grpc_leaves
};

class FieldExtractor {
 public:
  explicit FieldExtractor(const FieldLimits& limits);
  ~FieldExtractor();
  FieldExtractor(const FieldExtractor&) = delete;
  FieldExtractor& operator=(const FieldExtractor&) = delete;

  // Replaces `out` with the fields of `t`. Never throws on bad input.
  void extract(const HttpTransaction& t, FieldList& out);

  const FieldCounters& counters() const { return counters_; }

 private:
  struct Impl;  // the simdjson parser and scratch buffers, reused
  std::unique_ptr<Impl> impl_;
  FieldLimits limits_;
  FieldCounters counters_;
};

}  // namespace mirador::detect
