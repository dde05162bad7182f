#include "tools/collector/event_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include "mirador/v1/event.pb.h"
#include "tools/collector/cef.h"
#include "tools/collector/event_json_id.h"

namespace mirador::collector {

namespace {

constexpr char kStateHeader[] =
    "# mirador-collector dedupe state v1: <highest sequence> <hex sensor id>";

std::string hex(std::string_view s) {
  static constexpr char k[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += k[c >> 4];
    out += k[c & 15];
  }
  return out;
}

bool unhex(std::string_view s, std::string& out) {
  if (s.size() % 2) return false;
  const auto v = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  out.clear();
  for (size_t i = 0; i < s.size(); i += 2) {
    const int hi = v(s[i]), lo = v(s[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out += static_cast<char>(hi * 16 + lo);
  }
  return true;
}

}  // namespace

struct EventStore::Impl {
  EventStoreConfig cfg;
  mutable std::mutex mu;
  SequenceDedupe dedupe;
  std::unique_ptr<JsonLinesSink> sink;
  std::unique_ptr<SyslogForwarder> syslog;
  std::string state_path;  // empty: no state kept
  v1::Event ev;
  std::string cef;
  std::vector<std::pair<std::string, uint64_t>> marked;  // this batch's new (sensor, seq)
  StoreCounters c;
  bool closed = false;

  explicit Impl(const EventStoreConfig& config)
      : cfg(config), dedupe(config.dedupe_window, config.max_sensors) {}

  void load_state();
  void persist_state();
  void recover_file();
  void write_event(std::string_view bytes);
};

void EventStore::Impl::load_state() {
  std::FILE* f = std::fopen(state_path.c_str(), "re");
  if (!f) return;  // first start
  char* buf = nullptr;
  size_t cap = 0;
  ssize_t n;
  std::string id;
  while ((n = ::getline(&buf, &cap, f)) > 0) {
    std::string_view l(buf, static_cast<size_t>(n));
    if (l.back() == '\n') l.remove_suffix(1);
    if (l.empty() || l[0] == '#') continue;
    const size_t sp = l.find(' ');
    if (sp == std::string_view::npos) continue;
    uint64_t seq = 0;
    bool ok = sp > 0;
    for (char ch : l.substr(0, sp)) {
      if (ch < '0' || ch > '9') ok = false;
      seq = seq * 10 + static_cast<uint64_t>(ch - '0');
    }
    if (ok && unhex(l.substr(sp + 1), id)) dedupe.set_floor(id, seq);
  }
  std::free(buf);
  std::fclose(f);
}

// Written to a temporary file, synced, then renamed over the old state: a crash leaves one or the
// other, never a half-written state.
void EventStore::Impl::persist_state() {
  if (state_path.empty()) return;
  const std::string tmp = state_path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "we");
  if (!f) {
    ++c.write_errors;
    return;
  }
  std::string out = kStateHeader;
  out += '\n';
  for (const auto& [id, seq] : dedupe.highest_all()) {
    out += std::to_string(seq);
    out += ' ';
    out += hex(id);
    out += '\n';
  }
  bool ok = std::fwrite(out.data(), 1, out.size(), f) == out.size();
  ok = std::fflush(f) == 0 && ok;
  ok = ::fsync(fileno(f)) == 0 && ok;
  ok = std::fclose(f) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), state_path.c_str()) != 0) ++c.write_errors;
}

// Learns what the current file holds (written after the last rotation). A torn last line (the
// collector was killed in the middle of a write) is cut off: its event was never acknowledged,
// so the sensor sends it again.
void EventStore::Impl::recover_file() {
  struct stat st {};
  if (::stat(cfg.json_path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return;  // no file yet
  std::FILE* f = std::fopen(cfg.json_path.c_str(), "re");
  if (!f) return;
  char* buf = nullptr;
  size_t cap = 0;
  ssize_t n;
  uint64_t complete = 0;  // bytes up to the end of the last complete line
  std::string id;
  uint64_t seq = 0;
  while ((n = ::getline(&buf, &cap, f)) > 0) {
    std::string_view l(buf, static_cast<size_t>(n));
    if (l.back() != '\n') {
      c.torn_bytes_cut = static_cast<uint64_t>(n);
      break;
    }
    complete += static_cast<uint64_t>(n);
    if (extract_event_id(l, id, seq) && !id.empty()) {
      dedupe.first_time(id, seq);
      ++c.recovered_events;
    }
  }
  std::free(buf);
  std::fclose(f);
  if (c.torn_bytes_cut && ::truncate(cfg.json_path.c_str(), static_cast<off_t>(complete)) != 0) {
    throw std::runtime_error("cannot cut the torn last line of '" + cfg.json_path +
                             "': " + std::strerror(errno));
  }
}

void EventStore::Impl::write_event(std::string_view bytes) {
  // The sensor's own writer, for every kind: the collector's lines are the sensor's lines.
  sink->write(ev, bytes);
}

EventStore::EventStore(const EventStoreConfig& cfg) : impl_(std::make_unique<Impl>(cfg)) {
  Impl& m = *impl_;
  const bool to_stdout = cfg.json_path.empty() || cfg.json_path == "-";
  std::filesystem::path dir(cfg.state_dir);
  if (dir.empty() && !to_stdout) {
    dir = std::filesystem::path(cfg.json_path).parent_path();
    if (dir.empty()) dir = std::filesystem::current_path();
  }
  if (!dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    m.state_path = (dir / "dedupe").string();
    m.load_state();
  }
  if (!to_stdout) m.recover_file();
  m.dedupe.clear_event_counters();

  JsonSinkOptions opts;
  opts.append = true;
  if (!to_stdout) opts.before_rotate = [&m] { m.persist_state(); };
  m.sink = std::make_unique<JsonLinesSink>(to_stdout ? "-" : cfg.json_path, cfg.rotation, opts);
  if (!cfg.syslog.host.empty()) m.syslog = std::make_unique<SyslogForwarder>(cfg.syslog);
}

EventStore::~EventStore() {
  close();
}

AcceptResult EventStore::accept(std::span<const std::string> events) {
  Impl& m = *impl_;
  AcceptResult r;
  std::lock_guard lock(m.mu);
  if (m.closed) {
    r.write_failed = true;
    return r;
  }
  ++m.c.batches;
  m.marked.clear();
  const uint64_t errors_before = m.sink->counters().write_errors + m.c.write_errors;
  for (const std::string& bytes : events) {
    ++m.c.events;
    if (!m.ev.ParseFromString(bytes) || m.ev.sensor_id().empty()) {
      ++r.invalid;
      continue;
    }
    r.highest_seq = std::max(r.highest_seq, m.ev.sequence());
    if (!m.dedupe.first_time(m.ev.sensor_id(), m.ev.sequence())) {
      ++r.duplicates;
      continue;
    }
    m.marked.emplace_back(m.ev.sensor_id(), m.ev.sequence());
    m.write_event(bytes);
    ++r.written;
    if (m.syslog && format_cef(m.ev, m.cfg.version, m.cef)) {
      m.syslog->send(syslog_severity(m.ev.finding().severity()), m.cef);
      ++m.c.cef_sent;
    }
  }
  m.sink->flush();
  m.c.invalid += r.invalid;
  if (m.sink->counters().write_errors + m.c.write_errors != errors_before) {
    // Not durable: forget the batch (newest first) so the replay is written, not dropped.
    for (auto it = m.marked.rbegin(); it != m.marked.rend(); ++it) {
      m.dedupe.forget(it->first, it->second);
    }
    r.write_failed = true;
    ++m.c.failed_batches;
    return r;
  }
  m.c.written += r.written;
  return r;
}

AcceptResult EventStore::accept_one(std::string_view event) {
  const std::string one(event);
  return accept(std::span<const std::string>(&one, 1));
}

void EventStore::tick() {
  std::lock_guard lock(impl_->mu);
  if (!impl_->closed) impl_->sink->flush();
}

void EventStore::close() {
  Impl& m = *impl_;
  std::unique_ptr<SyslogForwarder> syslog;
  {
    std::lock_guard lock(m.mu);
    if (m.closed) return;
    m.closed = true;
    m.sink->flush();
    m.persist_state();
    const OutputCounters oc = m.sink->counters();
    m.c.rotations = oc.rotations;
    m.c.write_errors += oc.write_errors;
    m.sink.reset();
    syslog = std::move(m.syslog);
  }
  // Drained outside the lock: counters() stays answerable meanwhile.
  if (syslog) {
    syslog->stop();
    std::lock_guard lock(m.mu);
    m.c.syslog = syslog->counters();
  }
}

StoreCounters EventStore::counters() const {
  const Impl& m = *impl_;
  std::lock_guard lock(m.mu);
  StoreCounters c = m.c;
  if (m.sink) {
    const OutputCounters oc = m.sink->counters();
    c.rotations = oc.rotations;
    c.write_errors += oc.write_errors;
  }
  if (m.syslog) c.syslog = m.syslog->counters();
  c.dedupe = m.dedupe.counters();
  return c;
}

}  // namespace mirador::collector
