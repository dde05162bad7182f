#include "sensor/output/event_fanout.h"

namespace mirador {

void EventFanout::write(const v1::Event& e, std::string_view encoded) {
  ++events_;
  for (const auto& s : sinks_) s->write(e, encoded);
}

void EventFanout::flush() {
  for (const auto& s : sinks_) s->flush();
}

void EventFanout::pump(std::chrono::milliseconds budget) {
  size_t n = 0;
  for (const auto& s : sinks_) n += s->busy();
  if (n == 0) return;
  const std::chrono::milliseconds share(budget.count() / static_cast<long long>(n));
  for (const auto& s : sinks_) {
    if (s->busy()) s->pump(share);
  }
}

bool EventFanout::busy() const {
  for (const auto& s : sinks_) {
    if (s->busy()) return true;
  }
  return false;
}

void EventFanout::close() {
  for (const auto& s : sinks_) s->close();
}

OutputCounters EventFanout::counters() const {
  OutputCounters c;
  c.records = events_;
  for (const auto& s : sinks_) {
    OutputCounters sc = s->counters();
    c.write_errors += sc.write_errors;
    c.rotations += sc.rotations;
    for (auto& r : sc.remotes) c.remotes.push_back(std::move(r));
  }
  return c;
}

}  // namespace mirador
