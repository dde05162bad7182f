// Application protocol detection by content: which side of a connection is the HTTP/1.x client.
// Works on the first bytes of each side's reassembled stream, so it is indifferent to ports and to
// tiny segments (the caller accumulates up to kSniffBytes).
#pragma once

#include <cstddef>
#include <cstdint>

namespace mirador {

// Longest method we accept (20) + SP + "https://".
inline constexpr size_t kSniffBytes = 32;

enum class SniffResult : uint8_t {
  need_more,      // too few bytes to tell
  http_request,   // starts like a request line: this side is the client
  http_response,  // starts like a status line: this side is the server
  not_http,
};

SniffResult sniff_http1(const uint8_t* data, size_t len);

}  // namespace mirador
