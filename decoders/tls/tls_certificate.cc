// X.509 fields through OpenSSL (see tls_certificate.h).
#include "decoders/tls/tls_certificate.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cctype>
#include <ctime>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>

#include "decoders/tls/tls_fingerprint.h"

namespace mirador::tls {
namespace {

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};

std::string name_string(const X509_NAME* name) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return {};
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

int64_t unix_seconds(const ASN1_TIME* t) {
  struct tm tm {};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<int64_t>(timegm(&tm));
}

std::string key_type_name(int id) {
  switch (id) {
    case EVP_PKEY_RSA:
    case EVP_PKEY_RSA_PSS:
      return "RSA";
    case EVP_PKEY_EC:
      return "EC";
    case EVP_PKEY_ED25519:
      return "Ed25519";
    case EVP_PKEY_ED448:
      return "Ed448";
    case EVP_PKEY_DSA:
      return "DSA";
    case EVP_PKEY_DH:
      return "DH";
    default:
      return id == NID_undef ? "unknown" : OBJ_nid2sn(id);
  }
}

// Per thread: sessions of one worker share it, no lock.
struct Cache {
  std::unordered_map<std::string, TlsCertificate> by_sha256;
  std::deque<std::string> order;  // insertion order, for eviction
};
thread_local Cache cache;

bool parse_uncached(const uint8_t* der, size_t len, const std::string& sha256,
                    TlsCertificate& out) {
  const unsigned char* p = der;
  std::unique_ptr<X509, X509Free> x(d2i_X509(nullptr, &p, static_cast<long>(len)));
  if (!x) return false;
  TlsCertificate c;
  c.subject = name_string(X509_get_subject_name(x.get()));
  c.issuer = name_string(X509_get_issuer_name(x.get()));
  c.not_before_s = unix_seconds(X509_get0_notBefore(x.get()));
  c.not_after_s = unix_seconds(X509_get0_notAfter(x.get()));
  if (EVP_PKEY* key = X509_get0_pubkey(x.get())) {
    c.key_type = key_type_name(EVP_PKEY_get_base_id(key));
    c.key_bits = static_cast<uint32_t>(EVP_PKEY_get_bits(key));
    // Self-signed: the names match and the certificate's own key verifies its signature.
    c.self_signed =
        X509_NAME_cmp(X509_get_subject_name(x.get()), X509_get_issuer_name(x.get())) == 0 &&
        X509_verify(x.get(), key) == 1;
  }
  int sig_nid = X509_get_signature_nid(x.get());
  c.signature_algorithm = sig_nid == NID_undef ? "unknown" : OBJ_nid2ln(sig_nid);
  c.sha256 = sha256;
  if (auto* names = static_cast<GENERAL_NAMES*>(
          X509_get_ext_d2i(x.get(), NID_subject_alt_name, nullptr, nullptr))) {
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
      const GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
      if (g->type != GEN_DNS) continue;
      const ASN1_IA5STRING* s = g->d.dNSName;
      c.dns_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                               static_cast<size_t>(ASN1_STRING_length(s)));
    }
    GENERAL_NAMES_free(names);
  }
  if (const ASN1_INTEGER* serial = X509_get0_serialNumber(x.get())) {
    if (BIGNUM* bn = ASN1_INTEGER_to_BN(serial, nullptr)) {
      if (char* hex = BN_bn2hex(bn)) {
        c.serial = hex;
        for (char& ch : c.serial)
          ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        OPENSSL_free(hex);
      }
      BN_free(bn);
    }
  }
  out = std::move(c);
  return true;
}

}  // namespace

bool parse_certificate(const uint8_t* der, size_t len, TlsCertificate& out) {
  std::string sha256 = sha256_hex(der, len);
  if (auto it = cache.by_sha256.find(sha256); it != cache.by_sha256.end()) {
    out = it->second;
    return true;
  }
  TlsCertificate c;
  if (!parse_uncached(der, len, sha256, c)) return false;
  if (cache.order.size() >= kCertificateCacheEntries) {
    cache.by_sha256.erase(cache.order.front());
    cache.order.pop_front();
  }
  cache.by_sha256.emplace(sha256, c);
  cache.order.push_back(std::move(sha256));
  out = std::move(c);
  return true;
}

}  // namespace mirador::tls
