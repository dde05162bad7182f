#include "detectors/fields/json_walk.h"

#include <simdjson.h>

#include <charconv>
#include <cstring>
#include <string>

namespace mirador::detect {

namespace od = simdjson::ondemand;
using simdjson::error_code;

namespace {

bool ident_head(unsigned char c) {
  // Bytes of UTF-8 sequences count as letters: "$.姓名" reads better than "$['姓名']".
  return c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

bool identifier_like(std::string_view k) {
  if (k.empty() || !ident_head(static_cast<unsigned char>(k[0]))) return false;
  for (const char c : k) {
    if (!ident_head(static_cast<unsigned char>(c)) && !(c >= '0' && c <= '9')) return false;
  }
  return true;
}

void append_key(std::string& path, std::string_view k) {
  if (identifier_like(k)) {
    path += '.';
    path += k;
    return;
  }
  path += "['";
  for (const char c : k) {
    if (c == '\'' || c == '\\') path += '\\';
    path += c;
  }
  path += "']";
}

void append_index(std::string& path, size_t i) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, i);
  path += '[';
  path.append(buf, r.ptr);
  path += ']';
}

bool json_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && json_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && json_space(s.back())) s.remove_suffix(1);
  return s;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// RFC 8259 number grammar: the token is kept as text, so nothing else checks it.
bool valid_number(std::string_view t) {
  size_t i = 0;
  const size_t n = t.size();
  if (i < n && t[i] == '-') ++i;
  if (i >= n) return false;
  if (t[i] == '0') {
    ++i;
  } else if (is_digit(t[i])) {
    while (i < n && is_digit(t[i])) ++i;
  } else {
    return false;
  }
  if (i < n && t[i] == '.') {
    ++i;
    if (i >= n || !is_digit(t[i])) return false;
    while (i < n && is_digit(t[i])) ++i;
  }
  if (i < n && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < n && (t[i] == '+' || t[i] == '-')) ++i;
    if (i >= n || !is_digit(t[i])) return false;
    while (i < n && is_digit(t[i])) ++i;
  }
  return i == n;
}

}  // namespace

struct JsonWalker::Impl {
  explicit Impl(size_t depth) : max_depth(depth == 0 ? 1 : depth) {}

  size_t max_depth;
  od::parser parser;
  std::string padded;  // the input and SIMDJSON_PADDING readable bytes after it
  std::string path;    // "$.a.b[3]": grown and cut back as the walk descends and returns
  // The walk in progress.
  Part part = Part::request_body;
  FieldList* out = nullptr;
  JsonWalkStats stats;

  void emit(std::string_view key, std::string_view text) {
    if (!out->add(part, key, text, path)) ++stats.dropped;
  }

  // A container below the depth cap is left unconsumed: the enclosing iterator skips it.
  error_code skip_deep() {
    ++stats.too_deep;
    return simdjson::SUCCESS;
  }

  // `depth`: containers around `v`.
  error_code value(od::value v, std::string_view key, size_t depth) {
    od::json_type t;
    if (auto e = v.type().get(t)) return e;
    switch (t) {
      case od::json_type::object: {
        if (depth + 1 > max_depth) return skip_deep();
        od::object obj;
        if (auto e = v.get_object().get(obj)) return e;
        for (auto item : obj) {
          if (auto e = item.error()) return e;
          od::field& f = item.value_unsafe();
          std::string_view k;
          if (auto e = f.unescaped_key().get(k)) return e;
          const size_t mark = path.size();
          append_key(path, k);
          const error_code e = value(f.value(), k, depth + 1);
          path.resize(mark);
          if (e) return e;
        }
        return simdjson::SUCCESS;
      }
      case od::json_type::array: {
        if (depth + 1 > max_depth) return skip_deep();
        od::array arr;
        if (auto e = v.get_array().get(arr)) return e;
        size_t i = 0;
        for (auto item : arr) {
          if (auto e = item.error()) return e;
          od::value elem = item.value_unsafe();
          const size_t mark = path.size();
          append_index(path, i++);
          const error_code e = value(elem, key, depth + 1);
          path.resize(mark);
          if (e) return e;
        }
        return simdjson::SUCCESS;
      }
      case od::json_type::string: {
        std::string_view s;
        if (auto e = v.get_string().get(s)) return e;
        emit(key, s);
        return simdjson::SUCCESS;
      }
      case od::json_type::number: {
        const std::string_view tok = trim(v.raw_json_token());
        if (!valid_number(tok)) return simdjson::NUMBER_ERROR;
        emit(key, tok);
        return simdjson::SUCCESS;  // not consumed: the enclosing iterator skips it
      }
      case od::json_type::boolean: {
        bool b = false;
        if (auto e = v.get_bool().get(b)) return e;
        emit(key, b ? "true" : "false");
        return simdjson::SUCCESS;
      }
      case od::json_type::null: {
        bool is_null = false;
        if (auto e = v.is_null().get(is_null)) return e;
        return is_null ? simdjson::SUCCESS : simdjson::INCORRECT_TYPE;
      }
    }
    return simdjson::INCORRECT_TYPE;
  }

  // A scalar document ("123", "\"text\"") is one leaf at path "$".
  error_code root(od::document& doc, std::string_view whole, std::string_view key) {
    od::json_type t;
    if (auto e = doc.type().get(t)) return e;
    switch (t) {
      case od::json_type::object:
      case od::json_type::array: {
        od::value v;
        if (auto e = doc.get_value().get(v)) return e;
        if (auto e = value(v, key, 0)) return e;
        // Trailing content after the root container ("{} {}") is not one JSON document.
        const char* where = nullptr;
        return doc.current_location().get(where) == simdjson::OUT_OF_BOUNDS
                   ? simdjson::SUCCESS
                   : simdjson::TRAILING_CONTENT;
      }
      case od::json_type::string: {
        std::string_view s;
        if (auto e = doc.get_string().get(s)) return e;
        emit(key, s);
        break;
      }
      case od::json_type::number: {
        // A scalar document is its one token: the whole trimmed text must be the number.
        const std::string_view tok = trim(whole);
        if (!valid_number(tok)) return simdjson::NUMBER_ERROR;
        emit(key, tok);
        return simdjson::SUCCESS;
      }
      case od::json_type::boolean: {
        bool b = false;
        if (auto e = doc.get_bool().get(b)) return e;
        emit(key, b ? "true" : "false");
        break;
      }
      case od::json_type::null: {
        bool is_null = false;
        if (auto e = doc.is_null().get(is_null)) return e;
        if (!is_null) return simdjson::INCORRECT_TYPE;
        break;
      }
    }
    const char* where = nullptr;
    return doc.current_location().get(where) == simdjson::OUT_OF_BOUNDS
               ? simdjson::SUCCESS
               : simdjson::TRAILING_CONTENT;
  }
};

JsonWalker::JsonWalker(size_t max_depth) : impl_(std::make_unique<Impl>(max_depth)) {}
JsonWalker::~JsonWalker() = default;

bool JsonWalker::walk(std::string_view json, Part part, std::string_view root_key,
                      std::string_view path_prefix, FieldList& out, JsonWalkStats& stats) {
  Impl& m = *impl_;
  const size_t n = json.size();
  if (m.padded.size() < n + simdjson::SIMDJSON_PADDING) {
    m.padded.resize(n + simdjson::SIMDJSON_PADDING);
  }
  std::memcpy(m.padded.data(), json.data(), n);
  std::memset(m.padded.data() + n, 0, simdjson::SIMDJSON_PADDING);

  od::document doc;
  if (m.parser.iterate(m.padded.data(), n, m.padded.size()).get(doc)) return false;
  m.part = part;
  m.out = &out;
  m.stats = {};
  m.path.assign(path_prefix);
  m.path += '$';
  const size_t mark = out.size();
  if (m.root(doc, json, root_key) != simdjson::SUCCESS) {
    out.truncate(mark);
    return false;
  }
  stats.dropped += m.stats.dropped;
  stats.too_deep += m.stats.too_deep;
  return true;
}

}  // namespace mirador::detect
