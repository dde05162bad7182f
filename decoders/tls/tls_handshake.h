// Parsers of the TLS handshake message bodies a passive observer reads: ClientHello (into
// TlsInfo), ServerHello (HelloRetryRequest recognised by its fixed random), Certificate (TLS <= 1.2
// and 1.3 layouts) and EncryptedExtensions (the ALPN TLS 1.3 hides there). Every length is
// checked against its enclosing one; a body that does not parse returns false.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "decoders/tls/tls_info.h"

namespace mirador::tls {

// Handshake message types (RFC 8446 section 4).
enum HandshakeType : uint8_t {
  hs_client_hello = 1,
  hs_server_hello = 2,
  hs_new_session_ticket = 4,
  hs_end_of_early_data = 5,
  hs_encrypted_extensions = 8,
  hs_certificate = 11,
  hs_server_key_exchange = 12,
  hs_certificate_request = 13,
  hs_server_hello_done = 14,
  hs_certificate_verify = 15,
  hs_client_key_exchange = 16,
  hs_finished = 20,
  hs_key_update = 24,
};

struct ClientHelloExtra {
  uint8_t random[32] = {};
  std::vector<uint8_t> session_id;  // legacy_session_id (TLS 1.2 resumption is its echo)
  bool early_data = false;          // the early_data extension was offered (0-RTT may follow)
};

// Fills the ClientHello fields of `info` (client_hello set) and computes JA3 and JA4.
bool parse_client_hello(const uint8_t* body, size_t len, TlsInfo& info, ClientHelloExtra& extra);

struct ServerHello {
  uint16_t legacy_version = 0;
  uint8_t random[32] = {};
  std::vector<uint8_t> session_id;
  uint16_t suite = 0;
  std::vector<uint16_t> extensions;  // types in order
  uint16_t selected_version = 0;     // supported_versions, 0 when absent
  std::string alpn;
  bool psk_accepted = false;  // pre_shared_key (TLS 1.3 resumption)
  bool hello_retry = false;   // the HelloRetryRequest random
};
bool parse_server_hello(const uint8_t* body, size_t len, ServerHello& out);

// The DER certificates of a Certificate message, leaf first (pointers into `body`).
using DerList = std::vector<std::pair<const uint8_t*, size_t>>;
bool parse_certificate_list(const uint8_t* body, size_t len, bool tls13, DerList& out);

// TLS 1.3 EncryptedExtensions: the selected ALPN protocol (empty when none).
bool parse_encrypted_extensions(const uint8_t* body, size_t len, std::string& alpn);

}  // namespace mirador::tls
