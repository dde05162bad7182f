// Shared by the remote-delivery tests: events with a given sequence, temp directories, and a
// scripted RemoteTransport (accept or refuse, ack up to a limit, break on demand) that checks the
// transport contract (increasing sequences per connection).
#pragma once

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "mirador/v1/event.pb.h"
#include "sensor/output/remote_transport.h"

namespace mirador::test {

inline v1::Event event_with_seq(uint64_t seq, size_t pad = 40) {
  v1::Event e;
  e.set_sensor_id("sensor-" + std::string(pad, 'x'));
  e.set_sequence(seq);
  return e;
}

// A fresh directory under the temp dir, removed with the object.
struct TempDir {
  explicit TempDir(const std::string& name) {
    static int n = 0;
    path = (std::filesystem::temp_directory_path() /
            ("mirador_" + name + "_" + std::to_string(getpid()) + "_" + std::to_string(++n)))
               .string();
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string path;
};

struct Script {
  bool accept = true;    // connect() succeeds
  bool auto_ack = true;  // ack everything sent, up to ack_limit
  uint64_t ack_limit = UINT64_MAX;
  bool break_next = false;     // the next poll() reports broken
  std::vector<uint64_t> sent;  // every event sent, all connections, in order
  std::vector<std::vector<uint64_t>> per_connection;
  int connects = 0;
  int order_violations = 0;  // send() with a sequence not above the previous on a connection
};

class FakeTransport final : public RemoteTransport {
 public:
  explicit FakeTransport(std::shared_ptr<Script> s) : s_(std::move(s)) {}
  std::string_view name() const override { return "fake"; }
  void connect() override {
    ++s_->connects;
    ++c_.connects;
    s_->per_connection.emplace_back();
    state_ = State::connecting;
    acked_ = last_ = 0;
  }
  State poll(std::chrono::milliseconds budget) override {
    if (state_ == State::broken || state_ == State::disconnected) return state_;
    if (!s_->accept || s_->break_next) {
      s_->break_next = false;
      state_ = State::broken;
      error_ = s_->accept ? "scripted break" : "refused";
      ++c_.breaks;
      return state_;
    }
    state_ = State::ready;
    const uint64_t before = acked_;
    if (s_->auto_ack) acked_ = std::max(acked_, std::min(last_, s_->ack_limit));
    // Nothing happened: wait a little like a real transport (no spinning in the sink).
    if (acked_ == before)
      std::this_thread::sleep_for(std::min(budget, std::chrono::milliseconds(1)));
    return state_;
  }
  bool can_send() const override { return state_ == State::ready; }
  bool send(std::span<const OutgoingEvent> batch) override {
    if (!can_send()) return false;
    for (const OutgoingEvent& e : batch) {
      if (e.seq <= last_) ++s_->order_violations;
      v1::Event parsed;
      if (!parsed.ParseFromArray(e.bytes.data(), static_cast<int>(e.bytes.size())) ||
          parsed.sequence() != e.seq) {
        ++s_->order_violations;  // bytes that do not match their sequence
      }
      last_ = e.seq;
      s_->sent.push_back(e.seq);
      s_->per_connection.back().push_back(e.seq);
      c_.bytes_sent += e.bytes.size();
    }
    ++c_.batches_sent;
    c_.events_sent += batch.size();
    return true;
  }
  uint64_t acked() const override { return acked_; }
  void close(std::chrono::milliseconds) override { state_ = State::disconnected; }
  const std::string& last_error() const override { return error_; }
  TransportCounters counters() const override { return c_; }

 private:
  std::shared_ptr<Script> s_;
  State state_ = State::disconnected;
  uint64_t acked_ = 0, last_ = 0;
  std::string error_;
  TransportCounters c_;
};

inline std::vector<uint64_t> range(uint64_t from, uint64_t to) {
  std::vector<uint64_t> v;
  for (uint64_t i = from; i <= to; ++i) v.push_back(i);
  return v;
}

}  // namespace mirador::test
