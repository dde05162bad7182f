// One X.509 certificate (DER, as carried in a TLS Certificate message) reduced to the fields a
// risk report needs: names, validity, key, signature algorithm, self-signature, SHA-256
// fingerprint, subjectAltName DNS entries, serial. Parsed with OpenSSL (d2i_X509, X509_*).
// OpenSSL 3.0's d2i_X509 costs about 0.4-0.7 ms a certificate while a server sends the same chain
// on every connection: results are memoised per thread by the DER's SHA-256 (at most
// kCertificateCacheEntries, oldest evicted first).
#pragma once

#include <cstddef>
#include <cstdint>

#include "decoders/tls/tls_info.h"

namespace mirador::tls {

constexpr size_t kCertificateCacheEntries = 256;

// False when `der` is not a certificate OpenSSL can parse (`out` is then untouched).
bool parse_certificate(const uint8_t* der, size_t len, TlsCertificate& out);

}  // namespace mirador::tls
