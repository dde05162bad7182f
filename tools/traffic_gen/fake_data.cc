#include "tools/traffic_gen/fake_data.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <charconv>
#include <cstdio>
#include <string_view>

namespace mirador::gen {
namespace {

constexpr std::string_view kFirstNames[] = {
    "James",   "Mary",   "Robert", "Patricia", "John",     "Jennifer",  "Michael", "Linda",
    "David",   "Sophie", "Lucas",  "Emma",     "Mateo",    "Olivia",    "Noah",    "Amelia",
    "Hiroshi", "Yuki",   "Wei",    "Mei",      "Arjun",    "Priya",     "Omar",    "Fatima",
    "Lars",    "Ingrid", "Pierre", "Camille",  "Giulia",   "Marco",     "Ana",     "Joao",
    "Kwame",   "Amara",  "Dmitri", "Olga",     "Santiago", "Valentina", "Liam",    "Chloe"};
constexpr std::string_view kLastNames[] = {
    "Smith",  "Johnson", "Williams", "Brown",   "Garcia",    "Miller",  "Davis",   "Martinez",
    "Lopez",  "Wilson",  "Anderson", "Thomas",  "Moore",     "Martin",  "Lee",     "Clark",
    "Tanaka", "Sato",    "Chen",     "Wang",    "Patel",     "Sharma",  "Haddad",  "Khan",
    "Larsen", "Berg",    "Dubois",   "Moreau",  "Rossi",     "Bianchi", "Silva",   "Santos",
    "Mensah", "Okafor",  "Ivanov",   "Petrova", "Fernandez", "Gomez",   "OConnor", "Schmidt"};
constexpr std::string_view kEmailDomains[] = {"example.com", "example.org", "example.net",
                                              "mail.example", "corp.example"};
constexpr std::string_view kStreets[] = {
    "Oak Street",      "Maple Avenue",    "Pine Road",      "Cedar Lane",       "Elm Street",
    "Washington Blvd", "Lake View Drive", "Hillcrest Road", "Sunset Boulevard", "Park Place",
    "Rue de la Paix",  "Via Roma",        "Hauptstrasse",   "Calle Mayor",      "King Street"};
struct City {
  std::string_view name;
  std::string_view region;
  std::string_view country;
  std::string_view phone_prefix;
};
constexpr City kCities[] = {
    {"Springfield", "IL", "US", "+1-217-555-"}, {"Portland", "OR", "US", "+1-503-555-"},
    {"Austin", "TX", "US", "+1-512-555-"},      {"Toronto", "ON", "CA", "+1-416-555-"},
    {"London", "ENG", "GB", "+44-20-7946-"},    {"Paris", "IDF", "FR", "+33-1-7010-"},
    {"Berlin", "BE", "DE", "+49-30-1234-"},     {"Madrid", "MD", "ES", "+34-91-555-"},
    {"Rome", "RM", "IT", "+39-06-6988-"},       {"Tokyo", "13", "JP", "+81-3-5555-"},
    {"Sydney", "NSW", "AU", "+61-2-5550-"},     {"Sao Paulo", "SP", "BR", "+55-11-5555-"}};
constexpr std::string_view kRoles[] = {"customer", "customer", "customer",
                                       "admin",    "support",  "merchant"};
constexpr std::string_view kOrderStatus[] = {"pending",   "paid",      "shipped",
                                             "delivered", "cancelled", "refunded"};
constexpr std::string_view kCurrencies[] = {"USD", "EUR", "GBP", "JPY"};
constexpr std::string_view kProducts[] = {
    "Wireless Mouse",   "USB-C Cable 2m", "Mechanical Keyboard",
    "27in Monitor",     "Laptop Stand",   "Noise Cancelling Headphones",
    "Webcam 1080p",     "Desk Lamp",      "Ergonomic Chair",
    "Coffee Beans 1kg", "Running Shoes",  "Water Bottle"};
void append_num(std::string& out, uint64_t v) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, res.ptr);
}

void append_padded(std::string& out, uint64_t v, int width) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%0*llu", width, static_cast<unsigned long long>(v));
  out.append(buf);
}

void append_lower(std::string& out, std::string_view s) {
  for (char c : s) out.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
}

// An ISO-8601 UTC timestamp somewhere in 2023-2025 (month/day kept valid for every month).
void append_timestamp(std::string& out, Rng& rng) {
  out.append("20");
  append_num(out, rng.range(23, 25));
  out.push_back('-');
  append_padded(out, rng.range(1, 12), 2);
  out.push_back('-');
  append_padded(out, rng.range(1, 28), 2);
  out.push_back('T');
  append_padded(out, rng.below(24), 2);
  out.push_back(':');
  append_padded(out, rng.below(60), 2);
  out.push_back(':');
  append_padded(out, rng.below(60), 2);
  out.append("Z");
}

void append_money(std::string& out, Rng& rng, uint64_t max_units) {
  append_num(out, rng.range(1, max_units));
  out.push_back('.');
  append_padded(out, rng.below(100), 2);
}

void append_address(std::string& out, Rng& rng, const City& city) {
  out.append("{\"street\":\"");
  append_num(out, rng.range(1, 9999));
  out.push_back(' ');
  out.append(rng.pick(kStreets));
  out.append("\",\"city\":\"");
  out.append(city.name);
  out.append("\",\"region\":\"");
  out.append(city.region);
  out.append("\",\"postal_code\":\"");
  append_padded(out, rng.range(1000, 99999), 5);
  out.append("\",\"country\":\"");
  out.append(city.country);
  out.append("\"}");
}

// Contact fields shared by users and order customers: names, email, phone.
void append_contact(std::string& out, Rng& rng, const City& city) {
  const auto first = rng.pick(kFirstNames);
  const auto last = rng.pick(kLastNames);
  out.append("\"first_name\":\"");
  out.append(first);
  out.append("\",\"last_name\":\"");
  out.append(last);
  out.append("\",\"email\":\"");
  append_lower(out, first);
  out.push_back('.');
  append_lower(out, last);
  if (rng.chance(0.5)) append_num(out, rng.below(100));
  out.push_back('@');
  out.append(rng.pick(kEmailDomains));
  out.append("\",\"phone\":\"");
  out.append(city.phone_prefix);
  append_padded(out, rng.below(10000), 4);
  out.push_back('"');
}

void base64url(std::string& out, const unsigned char* data, size_t len) {
  std::string tmp(4 * ((len + 2) / 3) + 1, '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(tmp.data()), data, static_cast<int>(len));
  for (int i = 0; i < n; ++i) {
    const char c = tmp[static_cast<size_t>(i)];
    if (c == '=') break;
    out.push_back(c == '+' ? '-' : c == '/' ? '_' : c);
  }
}

}  // namespace

void append_user_json(std::string& out, Rng& rng, uint64_t id) {
  const City& city = rng.pick(kCities);
  out.append("{\"id\":");
  append_num(out, id);
  out.push_back(',');
  append_contact(out, rng, city);
  out.append(",\"address\":");
  append_address(out, rng, city);
  out.append(",\"role\":\"");
  out.append(rng.pick(kRoles));
  out.append("\",\"active\":");
  out.append(rng.chance(0.9) ? "true" : "false");
  out.append(",\"created_at\":\"");
  append_timestamp(out, rng);
  out.append("\",\"last_login\":\"");
  append_timestamp(out, rng);
  out.append("\"}");
}

void append_order_json(std::string& out, Rng& rng, uint64_t id) {
  const City& city = rng.pick(kCities);
  out.append("{\"id\":");
  append_num(out, id);
  out.append(",\"status\":\"");
  out.append(rng.pick(kOrderStatus));
  out.append("\",\"currency\":\"");
  out.append(rng.pick(kCurrencies));
  out.append("\",\"total\":");
  append_money(out, rng, 900);
  out.append(",\"customer\":{\"id\":");
  append_num(out, rng.range(1000, 999999));
  out.push_back(',');
  append_contact(out, rng, city);
  out.append("},\"shipping_address\":");
  append_address(out, rng, city);
  out.append(",\"items\":[");
  const uint64_t items = rng.range(1, 4);
  for (uint64_t i = 0; i < items; ++i) {
    if (i) out.push_back(',');
    out.append("{\"sku\":\"SKU-");
    append_padded(out, rng.below(100000), 5);
    out.append("\",\"name\":\"");
    out.append(rng.pick(kProducts));
    out.append("\",\"quantity\":");
    append_num(out, rng.range(1, 5));
    out.append(",\"unit_price\":");
    append_money(out, rng, 300);
    out.push_back('}');
  }
  out.append("],\"created_at\":\"");
  append_timestamp(out, rng);
  out.append("\"}");
}

void append_user_list_json(std::string& out, Rng& rng, uint64_t first_id, int count) {
  out.append("{\"data\":[");
  for (int i = 0; i < count; ++i) {
    if (i) out.push_back(',');
    append_user_json(out, rng, first_id + static_cast<uint64_t>(i));
  }
  out.append("],\"count\":");
  append_num(out, static_cast<uint64_t>(count));
  out.push_back('}');
}

void append_order_list_json(std::string& out, Rng& rng, uint64_t first_id, int count, int page) {
  out.append("{\"data\":[");
  for (int i = 0; i < count; ++i) {
    if (i) out.push_back(',');
    append_order_json(out, rng, first_id + static_cast<uint64_t>(i));
  }
  out.append("],\"page\":");
  append_num(out, static_cast<uint64_t>(page));
  out.append(",\"limit\":50,\"total\":");
  append_num(out, static_cast<uint64_t>(page) * 50 + static_cast<uint64_t>(count) + rng.below(500));
  out.push_back('}');
}

void append_login_request_json(std::string& out, Rng& rng) {
  const auto first = rng.pick(kFirstNames);
  const auto last = rng.pick(kLastNames);
  out.append("{\"username\":\"");
  append_lower(out, first);
  out.push_back('.');
  append_lower(out, last);
  out.push_back('@');
  out.append(rng.pick(kEmailDomains));
  out.append("\",\"password\":\"");
  out.append(last);
  append_num(out, rng.range(1, 9999));
  out.append("!\",\"remember_me\":");
  out.append(rng.chance(0.5) ? "true" : "false");
  out.push_back('}');
}

void append_login_request_json(std::string& out, std::string_view username,
                               std::string_view password, bool remember_me) {
  out.append("{\"username\":\"");
  out.append(username);
  out.append("\",\"password\":\"");
  out.append(password);
  out.append("\",\"remember_me\":");
  out.append(remember_me ? "true" : "false");
  out.push_back('}');
}

void append_user_update_json(std::string& out, Rng& rng) {
  const City& city = rng.pick(kCities);
  out.push_back('{');
  append_contact(out, rng, city);
  out.append(",\"address\":");
  append_address(out, rng, city);
  out.push_back('}');
}

void append_order_create_json(std::string& out, Rng& rng) {
  out.append("{\"items\":[");
  const uint64_t items = rng.range(1, 3);
  for (uint64_t i = 0; i < items; ++i) {
    if (i) out.push_back(',');
    out.append("{\"sku\":\"SKU-");
    append_padded(out, rng.below(100000), 5);
    out.append("\",\"quantity\":");
    append_num(out, rng.range(1, 5));
    out.push_back('}');
  }
  out.append("],\"payment\":{\"method\":\"card\",\"card_last4\":\"");
  append_padded(out, rng.below(10000), 4);
  out.append("\"},\"shipping_address\":");
  append_address(out, rng, rng.pick(kCities));
  out.push_back('}');
}

void append_login_response_json(std::string& out, const std::string& token) {
  out.append("{\"access_token\":\"");
  out.append(token);
  out.append("\",\"token_type\":\"Bearer\",\"expires_in\":3600}");
}

void append_error_json(std::string& out, int status, Rng& rng) {
  std::string_view error = "internal_error";
  std::string_view message = "An unexpected error occurred";
  if (status == 404) {
    error = "not_found";
    message = "The requested resource was not found";
  } else if (status == 401) {
    error = "unauthorized";
    message = "Invalid or expired access token";
  }
  out.append("{\"error\":\"");
  out.append(error);
  out.append("\",\"message\":\"");
  out.append(message);
  out.append("\",\"request_id\":\"");
  append_hex(out, rng, 8);
  out.append("\"}");
}

namespace {

// header.payload.signature with HS256 under the fixed test secret.
std::string sign_jwt(std::string_view payload) {
  static constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";
  static constexpr std::string_view kSecret = "mirador-test-secret";
  std::string token;
  base64url(token, reinterpret_cast<const unsigned char*>(kHeader.data()), kHeader.size());
  token.push_back('.');
  base64url(token, reinterpret_cast<const unsigned char*>(payload.data()), payload.size());
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), kSecret.data(), static_cast<int>(kSecret.size()),
       reinterpret_cast<const unsigned char*>(token.data()), token.size(), mac, &mac_len);
  token.push_back('.');
  base64url(token, mac, mac_len);
  return token;
}

}  // namespace

std::string make_jwt(Rng& rng, uint64_t subject, int64_t issued_at, int64_t lifetime_s) {
  std::string payload = "{\"sub\":\"";
  append_num(payload, subject);
  payload.append("\",\"name\":\"");
  payload.append(rng.pick(kFirstNames));
  payload.push_back(' ');
  payload.append(rng.pick(kLastNames));
  payload.append("\",\"scope\":\"");
  payload.append(rng.chance(0.2) ? "read write admin" : "read write");
  payload.append("\",\"iat\":");
  append_num(payload, static_cast<uint64_t>(issued_at));
  payload.append(",\"exp\":");
  append_num(payload, static_cast<uint64_t>(issued_at + lifetime_s));
  payload.push_back('}');
  return sign_jwt(payload);
}

std::string make_user_jwt(uint64_t index, std::string_view name, int64_t issued_at,
                          int64_t lifetime_s) {
  std::string payload = "{\"sub\":\"user-";
  append_num(payload, index);
  payload.append("\",\"name\":\"");
  payload.append(name);
  payload.append("\",\"roles\":[\"user\"],\"iat\":");
  append_num(payload, static_cast<uint64_t>(issued_at));
  payload.append(",\"exp\":");
  append_num(payload, static_cast<uint64_t>(issued_at + lifetime_s));
  payload.push_back('}');
  return sign_jwt(payload);
}

void append_person_name(std::string& out, Rng& rng) {
  out.append(rng.pick(kFirstNames));
  out.push_back(' ');
  out.append(rng.pick(kLastNames));
}

void append_hex(std::string& out, Rng& rng, int bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (int i = 0; i < bytes; ++i) {
    const uint64_t b = rng.below(256);
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
}

}  // namespace mirador::gen
