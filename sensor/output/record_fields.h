// The values of an HTTP transaction record that are derived rather than copied: the headers a
// record reports, the event time and the duration. Shared by the JSON writer and the event
// builder so that both outputs always say the same thing.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "decoders/http1/http_transaction.h"
#include "decoders/packet/ip_address.h"

namespace mirador {

// The headers a record reports. The first header of a name wins, as HttpTransaction::header.
struct RecordHeaders {
  std::string_view host, user_agent, referer, origin, content_type, content_encoding;
};

// One pass over a header list (a lookup per field scanned the list once per field). Request-only
// names (host, user-agent, referer, origin) are looked for only when `request` is true.
void find_record_headers(const std::vector<HttpHeader>& headers, bool request, RecordHeaders& r);

// The address as text (dotted quad, or RFC 5952 for IPv6) in `buf`; returns its length, 0 when
// the address is unset. No allocation: IpAddress::to_string's std::string is avoided per event.
constexpr size_t kIpTextMax = 46;  // INET6_ADDRSTRLEN
size_t ip_text(const IpAddress& ip, char (&buf)[kIpTextMax]);

// When the transaction happened: its first request byte, or for a response with no request seen
// (unsolicited) the response's own time.
inline int64_t event_time_us(const HttpTransaction& t) {
  return t.request_ts_us != 0 ? t.request_ts_us : t.end_ts_us;
}

// Microseconds from the first request byte to the last response byte; -1 when unknown.
inline int64_t duration_us(const HttpTransaction& t) {
  return t.request_ts_us != 0 && t.end_ts_us >= t.request_ts_us ? t.end_ts_us - t.request_ts_us
                                                                : -1;
}

}  // namespace mirador
