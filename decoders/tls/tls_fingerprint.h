// TLS fingerprints of the hellos: JA3 (client) and JA3S (server) strings with their MD5, and JA4
// (FoxIO specification: t/q, version, SNI d/i, cipher and extension counts, ALPN first+last
// character, truncated SHA-256 of the sorted suites and of the sorted extensions without SNI and
// ALPN followed by the signature algorithms in order). GREASE values are already removed from
// TlsInfo's lists; the hashes come from OpenSSL's libcrypto.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "decoders/tls/tls_info.h"

namespace mirador::tls {

// "771,4865-4866,0-11-10,29-23,0" from the ClientHello fields of `info`.
std::string ja3_string(const TlsInfo& info);
// "771,4865,43-51": the server's legacy version, chosen suite, extension types in order.
std::string ja3s_string(uint16_t legacy_version, uint16_t suite,
                        const std::vector<uint16_t>& extensions);
// JA4 of the ClientHello fields of `info`; `transport` is 't' (TCP) or 'q' (QUIC).
std::string ja4(const TlsInfo& info, char transport = 't');

std::string md5_hex(std::string_view data);
std::string sha256_hex(const uint8_t* data, size_t len);

}  // namespace mirador::tls
