// JA3, JA3S, JA4 (see tls_fingerprint.h).
#include "decoders/tls/tls_fingerprint.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>

namespace mirador::tls {
namespace {

std::string to_hex(const unsigned char* p, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[p[i] >> 4];
    out[2 * i + 1] = kDigits[p[i] & 15];
  }
  return out;
}

std::string digest_hex(const EVP_MD* md, const void* data, size_t len) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_Digest(data, len, out, &n, md, nullptr) != 1) return {};
  return to_hex(out, n);
}

template <typename T>
void append_dashed(std::string& s, const std::vector<T>& v) {
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += '-';
    s += std::to_string(static_cast<unsigned>(v[i]));
  }
}

std::string hex4_list(const std::vector<uint16_t>& v) {
  std::string s;
  char buf[8];
  for (size_t i = 0; i < v.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%s%04x", i ? "," : "", v[i]);
    s += buf;
  }
  return s;
}

std::string ja4_version(uint16_t v) {
  switch (v) {
    case 0x0304:
      return "13";
    case 0x0303:
      return "12";
    case 0x0302:
      return "11";
    case 0x0301:
      return "10";
    case 0x0300:
      return "s3";
    case 0x0200:
      return "s2";
    default:
      return "00";
  }
}

bool alnum(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// First and last characters of the first ALPN value; hex digits when either is not alphanumeric.
std::string ja4_alpn(const std::vector<std::string>& alpn) {
  if (alpn.empty() || alpn[0].empty()) return "00";
  const std::string& a = alpn[0];
  unsigned char first = a.front(), last = a.back();
  if (alnum(first) && alnum(last))
    return std::string{static_cast<char>(first), static_cast<char>(last)};
  std::string hf = to_hex(&first, 1), hl = to_hex(&last, 1);
  return std::string{hf[0], hl[1]};
}

std::string two_digits(size_t n) {
  char buf[4];
  std::snprintf(buf, sizeof buf, "%02u", static_cast<unsigned>(std::min<size_t>(n, 99)));
  return buf;
}

std::string truncated_sha256(const std::string& s) {
  if (s.empty()) return "000000000000";
  return sha256_hex(reinterpret_cast<const uint8_t*>(s.data()), s.size()).substr(0, 12);
}

}  // namespace

std::string md5_hex(std::string_view data) {
  return digest_hex(EVP_md5(), data.data(), data.size());
}

std::string sha256_hex(const uint8_t* data, size_t len) {
  return digest_hex(EVP_sha256(), data, len);
}

std::string ja3_string(const TlsInfo& info) {
  std::string s = std::to_string(info.client_legacy_version) + ',';
  append_dashed(s, info.cipher_suites);
  s += ',';
  append_dashed(s, info.extensions);
  s += ',';
  append_dashed(s, info.groups);
  s += ',';
  append_dashed(s, info.ec_point_formats);
  return s;
}

std::string ja3s_string(uint16_t legacy_version, uint16_t suite,
                        const std::vector<uint16_t>& extensions) {
  std::string s = std::to_string(legacy_version) + ',' + std::to_string(suite) + ',';
  append_dashed(s, extensions);
  return s;
}

std::string ja4(const TlsInfo& info, char transport) {
  uint16_t version = info.client_legacy_version;
  if (!info.client_versions.empty())
    version = *std::max_element(info.client_versions.begin(), info.client_versions.end());
  bool sni = std::find(info.extensions.begin(), info.extensions.end(), 0) != info.extensions.end();

  std::string a = std::string(1, transport) + ja4_version(version) + (sni ? 'd' : 'i') +
                  two_digits(info.cipher_suites.size()) + two_digits(info.extensions.size()) +
                  ja4_alpn(info.alpn_offered);

  std::vector<uint16_t> suites = info.cipher_suites;
  std::sort(suites.begin(), suites.end());
  std::vector<uint16_t> exts;
  for (uint16_t e : info.extensions)
    if (e != 0x0000 && e != 0x0010) exts.push_back(e);
  std::sort(exts.begin(), exts.end());
  std::string c = hex4_list(exts);
  if (!c.empty() && !info.signature_algorithms.empty())
    c += '_' + hex4_list(info.signature_algorithms);
  return a + '_' + truncated_sha256(hex4_list(suites)) + '_' + truncated_sha256(c);
}

}  // namespace mirador::tls
