#include "decoders/packet/ip_address.h"

#include <arpa/inet.h>
#include <sys/socket.h>

namespace mirador {

std::string IpAddress::to_string() const {
  // inet_ntop follows RFC 5952 for IPv6 (lower case, longest zero run compressed, ::ffff:a.b.c.d).
  char text[INET6_ADDRSTRLEN] = {};
  if (family == 4) {
    if (inet_ntop(AF_INET, bytes.data(), text, sizeof text) == nullptr) return {};
  } else if (family == 6) {
    if (inet_ntop(AF_INET6, bytes.data(), text, sizeof text) == nullptr) return {};
  } else {
    return {};
  }
  return text;
}

}  // namespace mirador
