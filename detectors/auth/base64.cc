#include "detectors/auth/base64.h"

#include <openssl/evp.h>

#include <climits>

namespace mirador::detect {

namespace {

bool alnum(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

}  // namespace

bool base64_decode(std::string_view in, Base64Alphabet alphabet, std::string& scratch,
                   std::string& out) {
  out.clear();
  size_t pad = 0;
  while (!in.empty() && in.back() == '=' && pad < 2) {
    in.remove_suffix(1);
    ++pad;
  }
  // Padding, when present, must make the length a multiple of 4; 1 mod 4 never encodes a byte.
  const size_t rem = in.size() % 4;
  if (rem == 1 || (pad != 0 && (in.size() + pad) % 4 != 0)) return false;
  if (in.size() > static_cast<size_t>(INT_MAX / 2)) return false;
  const char c62 = alphabet == Base64Alphabet::url ? '-' : '+';
  const char c63 = alphabet == Base64Alphabet::url ? '_' : '/';
  scratch.clear();
  for (const char c : in) {
    if (alnum(c)) {
      scratch += c;
    } else if (c == c62) {
      scratch += '+';
    } else if (c == c63) {
      scratch += '/';
    } else {
      return false;  // whitespace, '=' inside, the other alphabet, anything else
    }
  }
  const size_t added = rem == 0 ? 0 : 4 - rem;
  scratch.append(added, '=');
  if (scratch.empty()) return true;
  out.resize(scratch.size() / 4 * 3);
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(scratch.data()),
                                static_cast<int>(scratch.size()));
  if (n < 0 || static_cast<size_t>(n) < added) {
    out.clear();
    return false;
  }
  out.resize(static_cast<size_t>(n) - added);  // EVP_DecodeBlock counts the padding as zero bytes
  return true;
}

}  // namespace mirador::detect
