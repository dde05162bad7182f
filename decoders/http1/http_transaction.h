// HttpTransaction: one request and its response, as the decoders saw them. It is the unit every
// detector and every output works on, whatever the protocol: HTTP/1.x messages and HTTP/2 streams
// (gRPC calls included) fill the same type, in cleartext or decrypted from TLS.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mirador {

struct HttpHeader {
  std::string name;  // as sent (case kept); compare case-insensitively
  std::string value;
};

// Protocol violations and limits hit, one bit each. Names (http_anomaly_name) are stable: they
// are written in records and stats.
enum class HttpAnomaly : uint32_t {
  gap_request = 1u << 0,         // TCP data missing inside the request
  gap_response = 1u << 1,        // TCP data missing inside the response
  request_truncated = 1u << 2,   // connection ended inside the request
  response_truncated = 1u << 3,  // connection ended inside the response
  no_response = 1u << 4,         // request never answered (connection ended)
  line_too_long = 1u << 5,       // request/status line or a header line over the cap
  headers_too_large = 1u << 6,   // header section over the cap
  too_many_headers = 1u << 7,
  malformed_request_line = 1u << 8,
  malformed_status_line = 1u << 9,
  malformed_header = 1u << 10,          // header line without a colon, space before colon…
  obs_fold = 1u << 11,                  // obsolete line folding used
  duplicate_content_length = 1u << 12,  // several Content-Length with different values
  cl_and_te = 1u << 13,  // both Content-Length and Transfer-Encoding (smuggling sign)
  bad_content_length = 1u << 14,
  bad_chunk_size = 1u << 15,
  unknown_transfer_encoding = 1u << 16,
  body_truncated = 1u << 17,  // body longer than the inspection cap (record keeps counting)
  decompression_failed = 1u << 18,
  decompression_bomb = 1u << 19,  // ratio or size cap hit: output truncated, never expanded
  unknown_content_encoding = 1u << 20,
  unsolicited_response = 1u << 21,  // response without a pending request
  missing_version = 1u << 22,       // HTTP/0.9-style request line
  bare_lf = 1u << 23,               // lines ended by LF only
  resync = 1u << 24,                // parser skipped bytes to find the next message
  te_not_chunked_last = 1u << 25,   // Transfer-Encoding whose final coding is not chunked
  // HTTP/2 (RFC 9113)
  h2_protocol_error = 1u << 26,   // a frame that breaks the protocol on this stream or connection
  h2_header_error = 1u << 27,     // a header block HPACK could not decode: its fields are unknown
  h2_stream_reset = 1u << 28,     // RST_STREAM (or GOAWAY) ended the stream before it completed
  h2_headers_unknown = 1u << 29,  // picked up midstream: the HPACK state was not seen
  h2_stream_refused = 1u << 30,   // over the streams-per-connection cap: not tracked
};
std::string_view http_anomaly_name(HttpAnomaly a);
// Every name set in `bits`, in bit order.
std::vector<std::string_view> http_anomaly_names(uint32_t bits);

// Evasion signs found below or inside HTTP that the bytes of this transaction carried: the sensor
// decoded one reading, a server (or a second device on the path) may have read another. The
// detection engine turns each bit into an `evasion.<name>` rule id. Names are stable.
enum class HttpEvasion : uint32_t {
  tcp_overlap_conflict = 1u << 0,  // TCP segments overlapping with different bytes (TcpStream)
  ip_fragment_overlap = 1u << 1,   // IP fragments overlapping with different bytes (defrag)
  method_case = 1u << 2,           // a known method in another case ("gEt")
  te_obfuscated = 1u << 3,         // Transfer-Encoding disguised: repeated, odd spacing or case,
                                   // unknown coding, folded, or a space before the colon (requests)
};
inline constexpr size_t kHttpEvasionCount = 4;
std::string_view http_evasion_name(HttpEvasion e);

struct HttpTransaction {
  // Timing: first byte of the request, last byte of the response (or of the request when none).
  int64_t request_ts_us = 0;
  int64_t end_ts_us = 0;
  uint32_t trans_depth = 0;  // 1-based index of this transaction on its connection

  // Request
  std::string method;
  std::string uri;      // request target as sent
  std::string version;  // "1.1", "1.0", "0.9", "2"
  // HTTP/2: the :authority and :scheme pseudo-headers (the Host header of HTTP/1.x stays in
  // request_headers) and the stream the exchange used; 0 on HTTP/1.x.
  std::string authority;
  std::string scheme;
  uint32_t stream_id = 0;
  std::vector<HttpHeader> request_headers;
  uint64_t request_body_wire_len = 0;  // bytes of the message body on the wire (after chunking)
  uint64_t request_body_len = 0;       // after transfer and content decoding (all, not only kept)
  std::string request_body;            // decoded, up to the inspection cap

  // Response (absent when has_response is false)
  bool has_response = false;
  std::string response_version;
  int status = 0;
  std::string status_msg;
  std::vector<HttpHeader> response_headers;
  std::vector<HttpHeader> response_trailers;  // HTTP/2 trailers (gRPC's status lives here)
  std::vector<int> info_codes;                // 1xx interim responses seen before the final one
  uint64_t response_body_wire_len = 0;
  uint64_t response_body_len = 0;
  std::string response_body;

  std::string upgrade;  // protocol the connection switched to (CONNECT tunnel: "connect")
  // gRPC (Content-Type application/grpc*): grpc-status from the trailers (or a trailers-only
  // response's headers), -1 when absent; grpc-message as sent.
  int grpc_status = -1;
  std::string grpc_message;
  uint32_t anomalies = 0;  // HttpAnomaly bits
  uint32_t evasions = 0;   // HttpEvasion bits

  void flag(HttpAnomaly a) { anomalies |= static_cast<uint32_t>(a); }
  bool has(HttpAnomaly a) const { return (anomalies & static_cast<uint32_t>(a)) != 0; }
  void flag(HttpEvasion e) { evasions |= static_cast<uint32_t>(e); }
  bool has(HttpEvasion e) const { return (evasions & static_cast<uint32_t>(e)) != 0; }

  // First value of a header, case-insensitive; empty view when absent.
  static std::string_view header(const std::vector<HttpHeader>& h, std::string_view name);
  std::string_view request_header(std::string_view name) const {
    return header(request_headers, name);
  }
  std::string_view response_header(std::string_view name) const {
    return header(response_headers, name);
  }
};

}  // namespace mirador
