// Handshake message bodies (see tls_handshake.h).
#include "decoders/tls/tls_handshake.h"

#include <cstring>

#include "decoders/tls/tls_fingerprint.h"

namespace mirador::tls {
namespace {

// SHA-256("HelloRetryRequest"): the random of a HelloRetryRequest (RFC 8446 4.1.3).
constexpr uint8_t kHrrRandom[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};

enum : uint16_t {
  ext_server_name = 0,
  ext_supported_groups = 10,
  ext_ec_point_formats = 11,
  ext_signature_algorithms = 13,
  ext_alpn = 16,
  ext_pre_shared_key = 41,
  ext_early_data = 42,
  ext_supported_versions = 43,
};

// A bounds-checked cursor: every read past the end sets `bad` and yields zeros.
class Reader {
 public:
  Reader(const uint8_t* p, size_t n) : p_(p), n_(n) {}
  bool bad() const { return bad_; }
  size_t left() const { return bad_ ? 0 : n_ - pos_; }
  bool done() const { return !bad_ && pos_ == n_; }
  uint32_t u8() { return take(1) ? p_[pos_ - 1] : 0; }
  uint32_t u16() { return take(2) ? (p_[pos_ - 2] << 8) | p_[pos_ - 1] : 0; }
  uint32_t u24() { return take(3) ? (p_[pos_ - 3] << 16) | (p_[pos_ - 2] << 8) | p_[pos_ - 1] : 0; }
  const uint8_t* bytes(size_t k) { return take(k) ? p_ + pos_ - k : nullptr; }
  // A sub-reader over the next `k` bytes (a length-prefixed vector).
  Reader sub(size_t k) {
    const uint8_t* q = bytes(k);
    return q ? Reader(q, k) : Reader(nullptr, 0, true);
  }

 private:
  Reader(const uint8_t* p, size_t n, bool bad) : p_(p), n_(n), bad_(bad) {}
  bool take(size_t k) {
    if (bad_ || n_ - pos_ < k) {
      bad_ = true;
      return false;
    }
    pos_ += k;
    return true;
  }
  const uint8_t* p_;
  size_t n_;
  size_t pos_ = 0;
  bool bad_ = false;
};

bool read_u16_list(Reader r, std::vector<uint16_t>& out, bool drop_grease) {
  if (r.left() % 2) return false;
  while (r.left()) {
    uint16_t v = static_cast<uint16_t>(r.u16());
    if (!drop_grease || !is_grease(v)) out.push_back(v);
  }
  return !r.bad();
}

bool read_alpn_list(Reader r, std::vector<std::string>& out) {
  while (r.left()) {
    size_t n = r.u8();
    const uint8_t* p = r.bytes(n);
    if (!p) return false;
    out.emplace_back(reinterpret_cast<const char*>(p), n);
  }
  return !r.bad();
}

bool parse_client_extension(uint16_t type, Reader r, TlsInfo& info, ClientHelloExtra& extra) {
  switch (type) {
    case ext_server_name: {
      Reader list = r.sub(r.u16());
      while (list.left()) {
        uint32_t name_type = list.u8();
        size_t n = list.u16();
        const uint8_t* p = list.bytes(n);
        if (!p) return false;
        if (name_type == 0 && info.sni.empty())
          info.sni.assign(reinterpret_cast<const char*>(p), n);
      }
      return !list.bad() && !r.bad();
    }
    case ext_supported_groups:
      return read_u16_list(r.sub(r.u16()), info.groups, true) && !r.bad();
    case ext_ec_point_formats: {
      size_t n = r.u8();
      const uint8_t* p = r.bytes(n);
      if (!p) return false;
      info.ec_point_formats.assign(p, p + n);
      return true;
    }
    case ext_signature_algorithms:
      return read_u16_list(r.sub(r.u16()), info.signature_algorithms, true) && !r.bad();
    case ext_alpn:
      return read_alpn_list(r.sub(r.u16()), info.alpn_offered) && !r.bad();
    case ext_supported_versions:
      return read_u16_list(r.sub(r.u8()), info.client_versions, true) && !r.bad();
    case ext_early_data:
      extra.early_data = true;
      return true;
    default:
      return true;
  }
}

}  // namespace

bool parse_client_hello(const uint8_t* body, size_t len, TlsInfo& info, ClientHelloExtra& extra) {
  TlsInfo ch;
  ClientHelloExtra ex;
  Reader r(body, len);
  ch.client_legacy_version = static_cast<uint16_t>(r.u16());
  const uint8_t* random = r.bytes(32);
  if (!random) return false;
  std::memcpy(ex.random, random, 32);
  size_t sid_len = r.u8();
  if (const uint8_t* sid = r.bytes(sid_len)) ex.session_id.assign(sid, sid + sid_len);
  if (!read_u16_list(r.sub(r.u16()), ch.cipher_suites, true)) return false;
  r.bytes(r.u8());  // legacy_compression_methods
  if (r.bad()) return false;
  if (r.left()) {  // extensions are optional before TLS 1.2
    Reader exts = r.sub(r.u16());
    while (exts.left()) {
      uint16_t type = static_cast<uint16_t>(exts.u16());
      Reader data = exts.sub(exts.u16());
      if (exts.bad()) return false;
      if (is_grease(type)) continue;
      ch.extensions.push_back(type);
      if (!parse_client_extension(type, data, ch, ex)) return false;
    }
    if (r.bad()) return false;
  }
  ch.ja3 = ja3_string(ch);
  ch.ja3_md5 = md5_hex(ch.ja3);
  ch.ja4 = ja4(ch);
  ch.client_hello = true;
  // Only the ClientHello fields are replaced: the rest of `info` is kept.
  info.client_hello = true;
  info.client_legacy_version = ch.client_legacy_version;
  info.client_versions = std::move(ch.client_versions);
  info.cipher_suites = std::move(ch.cipher_suites);
  info.extensions = std::move(ch.extensions);
  info.groups = std::move(ch.groups);
  info.ec_point_formats = std::move(ch.ec_point_formats);
  info.signature_algorithms = std::move(ch.signature_algorithms);
  info.alpn_offered = std::move(ch.alpn_offered);
  info.sni = std::move(ch.sni);
  info.ja3 = std::move(ch.ja3);
  info.ja3_md5 = std::move(ch.ja3_md5);
  info.ja4 = std::move(ch.ja4);
  extra = ex;
  return true;
}

bool parse_server_hello(const uint8_t* body, size_t len, ServerHello& out) {
  ServerHello sh;
  Reader r(body, len);
  sh.legacy_version = static_cast<uint16_t>(r.u16());
  const uint8_t* random = r.bytes(32);
  if (!random) return false;
  std::memcpy(sh.random, random, 32);
  sh.hello_retry = std::memcmp(random, kHrrRandom, 32) == 0;
  size_t sid_len = r.u8();
  if (const uint8_t* sid = r.bytes(sid_len)) sh.session_id.assign(sid, sid + sid_len);
  sh.suite = static_cast<uint16_t>(r.u16());
  r.u8();  // compression
  if (r.bad()) return false;
  if (r.left()) {
    Reader exts = r.sub(r.u16());
    while (exts.left()) {
      uint16_t type = static_cast<uint16_t>(exts.u16());
      Reader data = exts.sub(exts.u16());
      if (exts.bad()) return false;
      sh.extensions.push_back(type);
      if (type == ext_supported_versions) {
        sh.selected_version = static_cast<uint16_t>(data.u16());
      } else if (type == ext_alpn) {
        std::vector<std::string> alpn;
        if (!read_alpn_list(data.sub(data.u16()), alpn)) return false;
        if (!alpn.empty()) sh.alpn = alpn.front();
      } else if (type == ext_pre_shared_key) {
        sh.psk_accepted = true;
      }
      if (data.bad()) return false;
    }
    if (r.bad()) return false;
  }
  out = std::move(sh);
  return true;
}

bool parse_certificate_list(const uint8_t* body, size_t len, bool tls13, DerList& out) {
  Reader r(body, len);
  if (tls13) r.bytes(r.u8());  // certificate_request_context
  Reader list = r.sub(r.u24());
  if (r.bad()) return false;
  while (list.left()) {
    size_t n = list.u24();
    const uint8_t* der = list.bytes(n);
    if (!der) return false;
    out.emplace_back(der, n);
    if (tls13) list.bytes(list.u16());  // per-certificate extensions
  }
  return !list.bad();
}

bool parse_encrypted_extensions(const uint8_t* body, size_t len, std::string& alpn) {
  Reader r(body, len);
  Reader exts = r.sub(r.u16());
  while (exts.left()) {
    uint16_t type = static_cast<uint16_t>(exts.u16());
    Reader data = exts.sub(exts.u16());
    if (exts.bad()) return false;
    if (type == ext_alpn) {
      std::vector<std::string> list;
      if (!read_alpn_list(data.sub(data.u16()), list)) return false;
      if (!list.empty()) alpn = list.front();
    }
  }
  return !r.bad();
}

}  // namespace mirador::tls
