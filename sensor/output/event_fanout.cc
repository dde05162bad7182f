#include "sensor/output/event_fanout.h"

#include <algorithm>

#include "sensor/output/record_fields.h"

namespace mirador {

void EventFanout::write(const FlowContext& flow, const HttpTransaction& txn) {
  const EventHeader h{sensor_id_, ++sequence_, event_time_us(txn)};
  for (const auto& s : sinks_) s->write_http(h, flow, txn);
}

void EventFanout::flush() {
  for (const auto& s : sinks_) s->flush();
}

OutputCounters EventFanout::counters() const {
  OutputCounters c;
  c.records = sequence_;
  for (const auto& s : sinks_) {
    const OutputCounters sc = s->counters();
    c.write_errors += sc.write_errors;
    c.masked_values = std::max(c.masked_values, sc.masked_values);
  }
  return c;
}

}  // namespace mirador
