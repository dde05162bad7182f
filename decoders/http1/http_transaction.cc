#include "decoders/http1/http_transaction.h"

#include "decoders/http1/http1_syntax.h"

namespace mirador {

std::string_view http_anomaly_name(HttpAnomaly a) {
  switch (a) {
    case HttpAnomaly::gap_request:
      return "gap_request";
    case HttpAnomaly::gap_response:
      return "gap_response";
    case HttpAnomaly::request_truncated:
      return "request_truncated";
    case HttpAnomaly::response_truncated:
      return "response_truncated";
    case HttpAnomaly::no_response:
      return "no_response";
    case HttpAnomaly::line_too_long:
      return "line_too_long";
    case HttpAnomaly::headers_too_large:
      return "headers_too_large";
    case HttpAnomaly::too_many_headers:
      return "too_many_headers";
    case HttpAnomaly::malformed_request_line:
      return "malformed_request_line";
    case HttpAnomaly::malformed_status_line:
      return "malformed_status_line";
    case HttpAnomaly::malformed_header:
      return "malformed_header";
    case HttpAnomaly::obs_fold:
      return "obs_fold";
    case HttpAnomaly::duplicate_content_length:
      return "duplicate_content_length";
    case HttpAnomaly::cl_and_te:
      return "cl_and_te";
    case HttpAnomaly::bad_content_length:
      return "bad_content_length";
    case HttpAnomaly::bad_chunk_size:
      return "bad_chunk_size";
    case HttpAnomaly::unknown_transfer_encoding:
      return "unknown_transfer_encoding";
    case HttpAnomaly::body_truncated:
      return "body_truncated";
    case HttpAnomaly::decompression_failed:
      return "decompression_failed";
    case HttpAnomaly::decompression_bomb:
      return "decompression_bomb";
    case HttpAnomaly::unknown_content_encoding:
      return "unknown_content_encoding";
    case HttpAnomaly::unsolicited_response:
      return "unsolicited_response";
    case HttpAnomaly::missing_version:
      return "missing_version";
    case HttpAnomaly::bare_lf:
      return "bare_lf";
    case HttpAnomaly::resync:
      return "resync";
    case HttpAnomaly::te_not_chunked_last:
      return "te_not_chunked_last";
    case HttpAnomaly::h2_protocol_error:
      return "h2_protocol_error";
    case HttpAnomaly::h2_header_error:
      return "h2_header_error";
    case HttpAnomaly::h2_stream_reset:
      return "h2_stream_reset";
    case HttpAnomaly::h2_headers_unknown:
      return "h2_headers_unknown";
    case HttpAnomaly::h2_stream_refused:
      return "h2_stream_refused";
  }
  return "unknown";
}

std::vector<std::string_view> http_anomaly_names(uint32_t bits) {
  std::vector<std::string_view> out;
  for (uint32_t bit = 1; bit != 0; bit <<= 1) {
    if (!(bits & bit)) continue;
    std::string_view name = http_anomaly_name(static_cast<HttpAnomaly>(bit));
    if (name != "unknown") out.push_back(name);  // bits with no anomaly defined are ignored
  }
  return out;
}

std::string_view http_evasion_name(HttpEvasion e) {
  switch (e) {
    case HttpEvasion::tcp_overlap_conflict:
      return "tcp_overlap_conflict";
    case HttpEvasion::ip_fragment_overlap:
      return "ip_fragment_overlap";
    case HttpEvasion::method_case:
      return "method_case";
    case HttpEvasion::te_obfuscated:
      return "te_obfuscated";
  }
  return "unknown";
}

std::string_view HttpTransaction::header(const std::vector<HttpHeader>& h, std::string_view name) {
  for (const auto& e : h) {
    if (http1::iequals(e.name, name)) return e.value;
  }
  return {};
}

}  // namespace mirador
