#include "sensor/community_id.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cstring>

namespace mirador {

std::string community_id_v1(const IpAddress& src, uint16_t sport, const IpAddress& dst,
                            uint16_t dport, uint8_t proto, uint16_t seed) {
  const size_t alen = src.size();
  // Order the endpoints as the spec does: by address, then by port.
  int c = std::memcmp(src.bytes.data(), dst.bytes.data(), alen);
  bool swap = c > 0 || (c == 0 && sport > dport);
  const IpAddress& a = swap ? dst : src;
  const IpAddress& b = swap ? src : dst;
  uint16_t ap = swap ? dport : sport;
  uint16_t bp = swap ? sport : dport;

  uint8_t buf[2 + 16 + 16 + 2 + 4];
  size_t n = 0;
  buf[n++] = static_cast<uint8_t>(seed >> 8);
  buf[n++] = static_cast<uint8_t>(seed);
  std::memcpy(buf + n, a.bytes.data(), alen);
  n += alen;
  std::memcpy(buf + n, b.bytes.data(), alen);
  n += alen;
  buf[n++] = proto;
  buf[n++] = 0;  // padding
  buf[n++] = static_cast<uint8_t>(ap >> 8);
  buf[n++] = static_cast<uint8_t>(ap);
  buf[n++] = static_cast<uint8_t>(bp >> 8);
  buf[n++] = static_cast<uint8_t>(bp);

  uint8_t digest[SHA_DIGEST_LENGTH];
  SHA1(buf, n, digest);
  unsigned char b64[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
  int len = EVP_EncodeBlock(b64, digest, SHA_DIGEST_LENGTH);
  std::string out = "1:";
  out.append(reinterpret_cast<const char*>(b64), static_cast<size_t>(len));
  return out;
}

}  // namespace mirador
