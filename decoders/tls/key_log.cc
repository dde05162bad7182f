// KeyLog: parsing of the NSS key log format and incremental re-reading of an appended file.
#include "decoders/tls/key_log.h"

#include <cstring>
#include <fstream>

namespace mirador::tls {

namespace {

// The longest valid line is "SERVER_HANDSHAKE_TRAFFIC_SECRET" + 64 + 96 hex digits (~193
// bytes); a longer line without its newline is garbage and is not buffered further.
constexpr size_t kMaxLine = 1024;
// Read in pieces so a huge append never needs one huge buffer.
constexpr size_t kReadChunk = 64 * 1024;

struct LabelName {
  std::string_view name;
  SecretLabel label;
};
constexpr LabelName kLabels[] = {
    {"CLIENT_RANDOM", SecretLabel::client_random},
    {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", SecretLabel::client_handshake_traffic_secret},
    {"SERVER_HANDSHAKE_TRAFFIC_SECRET", SecretLabel::server_handshake_traffic_secret},
    {"CLIENT_TRAFFIC_SECRET_0", SecretLabel::client_traffic_secret_0},
    {"SERVER_TRAFFIC_SECRET_0", SecretLabel::server_traffic_secret_0},
};

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool decode_hex(std::string_view hex, uint8_t* out, size_t n) {
  if (hex.size() != 2 * n) return false;
  for (size_t i = 0; i < n; ++i) {
    int hi = hex_value(hex[2 * i]);
    int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

// Splits off the next field separated by spaces or tabs.
std::string_view next_field(std::string_view& rest) {
  size_t start = rest.find_first_not_of(" \t");
  if (start == std::string_view::npos) {
    rest = {};
    return {};
  }
  rest.remove_prefix(start);
  size_t end = rest.find_first_of(" \t");
  std::string_view field = rest.substr(0, end);
  rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
  return field;
}

}  // namespace

size_t KeyLog::Hash::operator()(const ClientRandom& r) const {
  // Client randoms are random: their first bytes are a good hash already.
  uint64_t h;
  std::memcpy(&h, r.data(), sizeof h);
  return static_cast<size_t>(h);
}

bool KeyLog::load(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open key log file '" + path + "'";
    return false;
  }
  {
    std::unique_lock lock(mu_);
    path_ = path;
    offset_ = 0;
    partial_.clear();
  }
  in.close();
  refresh();
  std::unique_lock lock(mu_);
  counters_.reloads = 0;  // the first read is not a reload
  return true;
}

size_t KeyLog::size() const {
  std::shared_lock lock(mu_);
  return entries_.size();
}

KeyLogCounters KeyLog::counters() const {
  std::shared_lock lock(mu_);
  return counters_;
}

void KeyLog::refresh() {
  std::unique_lock lock(mu_, std::try_to_lock);
  if (!lock) return;  // another worker is reading the file now
  if (path_.empty()) return;
  std::ifstream in(path_, std::ios::binary | std::ios::ate);
  if (!in) return;
  auto end = static_cast<uint64_t>(in.tellg());
  if (end < offset_) {  // truncated and rewritten: start again
    offset_ = 0;
    partial_.clear();
  }
  if (end == offset_) return;
  ++counters_.reloads;
  in.seekg(static_cast<std::streamoff>(offset_));
  std::string chunk(kReadChunk, '\0');
  while (offset_ < end) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(kReadChunk, end - offset_));
    in.read(chunk.data(), static_cast<std::streamsize>(want));
    size_t got = static_cast<size_t>(in.gcount());
    if (got == 0) break;
    offset_ += got;
    std::string_view data(chunk.data(), got);
    while (!data.empty()) {
      size_t nl = data.find('\n');
      if (nl == std::string_view::npos) {
        if (partial_.size() + data.size() <= kMaxLine) {
          partial_.append(data);
        } else {
          partial_.assign(kMaxLine + 1, 'x');  // remembered as too long; malformed at its end
        }
        break;
      }
      if (partial_.empty()) {
        add_line_locked(data.substr(0, nl));
      } else {
        if (partial_.size() + nl <= kMaxLine) {
          partial_.append(data.substr(0, nl));
        } else {
          partial_.assign(kMaxLine + 1, 'x');
        }
        add_line_locked(partial_);
        partial_.clear();
      }
      data.remove_prefix(nl + 1);
    }
  }
}

void KeyLog::add_line(std::string_view line) {
  std::unique_lock lock(mu_);
  add_line_locked(line);
}

void KeyLog::add_line_locked(std::string_view line) {
  ++counters_.lines;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.size() > kMaxLine) {
    ++counters_.malformed;
    return;
  }
  std::string_view rest = line;
  std::string_view label_text = next_field(rest);
  if (label_text.empty() || label_text.front() == '#') return;  // blank or comment
  const LabelName* known = nullptr;
  for (const auto& l : kLabels) {
    if (l.name == label_text) known = &l;
  }
  if (known == nullptr) return;  // other secrets (exporter, early traffic, RSA): not used
  std::string_view random_hex = next_field(rest);
  std::string_view secret_hex = next_field(rest);
  ClientRandom random;
  if (!next_field(rest).empty() || !decode_hex(random_hex, random.data(), random.size())) {
    ++counters_.malformed;
    return;
  }
  // CLIENT_RANDOM carries the 48-byte master secret; TLS 1.3 secrets are one hash long.
  size_t n = secret_hex.size() / 2;
  bool size_ok = known->label == SecretLabel::client_random ? n == 48 : (n == 32 || n == 48);
  std::vector<uint8_t> secret(n);
  if (!size_ok || !decode_hex(secret_hex, secret.data(), n)) {
    ++counters_.malformed;
    return;
  }
  auto it = entries_.find(random);
  if (it == entries_.end()) {
    if (entries_.size() >= max_entries_) {
      ++counters_.dropped;
      return;
    }
    it = entries_.emplace(random, Secrets{}).first;
  }
  std::vector<uint8_t>& slot = it->second[static_cast<size_t>(known->label)];
  if (!slot.empty()) return;  // known already: a pointer from find() may be in use
  slot = std::move(secret);
  ++counters_.secrets;
}

const std::vector<uint8_t>* KeyLog::find(SecretLabel label, const ClientRandom& random) const {
  if (label >= SecretLabel::count_) return nullptr;
  std::shared_lock lock(mu_);
  auto it = entries_.find(random);
  if (it == entries_.end()) return nullptr;
  const auto& secret = it->second[static_cast<size_t>(label)];
  return secret.empty() ? nullptr : &secret;
}

}  // namespace mirador::tls
