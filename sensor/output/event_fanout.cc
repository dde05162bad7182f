#include "sensor/output/event_fanout.h"

namespace mirador {

void EventFanout::write(const v1::Event& e, std::string_view encoded) {
  ++events_;
  for (const auto& s : sinks_) s->write(e, encoded);
}

void EventFanout::flush() {
  for (const auto& s : sinks_) s->flush();
}

OutputCounters EventFanout::counters() const {
  OutputCounters c;
  c.records = events_;
  for (const auto& s : sinks_) {
    const OutputCounters sc = s->counters();
    c.write_errors += sc.write_errors;
    c.rotations += sc.rotations;
  }
  return c;
}

}  // namespace mirador
