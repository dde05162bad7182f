#include "sensor/output/event_producer.h"

#include <thread>

#include "sensor/output/record_fields.h"

namespace mirador {

EventProducer::EventProducer(std::string sensor_id, const MaskingConfig& masking, EventQueue& queue,
                             bool wait_when_full, uint64_t first_sequence)
    : sensor_id_(std::move(sensor_id)),
      queue_(queue),
      wait_when_full_(wait_when_full),
      builder_(masking),
      first_sequence_(first_sequence == 0 ? 1 : first_sequence),
      sequence_(first_sequence_ - 1) {}

void EventProducer::write(const FlowContext& flow, const HttpTransaction& txn) {
  const EventHeader h{sensor_id_, ++sequence_, event_time_us(txn)};
  const v1::Event& e = builder_.build(h, flow, txn);
  bytes_.clear();
  e.AppendToString(&bytes_);  // into the kept capacity
  push(h.sequence);
}

void EventProducer::write_finding(const FlowContext& flow, const HttpTransaction& txn,
                                  const detect::Finding& finding) {
  const EventHeader h{sensor_id_, ++sequence_, event_time_us(txn)};
  const v1::Event& e = builder_.build_finding(h, flow, txn, finding);
  bytes_.clear();
  e.AppendToString(&bytes_);
  push(h.sequence);
}

void EventProducer::write_endpoint(const detect::Endpoint& endpoint, int64_t time_us) {
  const EventHeader h{sensor_id_, ++sequence_, time_us};
  const v1::Event& e = builder_.build_endpoint(h, endpoint);
  bytes_.clear();
  e.AppendToString(&bytes_);
  push(h.sequence);
}

void EventProducer::write_tls(const FlowContext& flow, const tls::TlsInfo& info, int64_t time_us) {
  const EventHeader h{sensor_id_, ++sequence_, time_us};
  const v1::Event& e = builder_.build_tls(h, flow, info);
  bytes_.clear();
  e.AppendToString(&bytes_);
  push(h.sequence);
}

void EventProducer::write_stats(const v1::SensorStats& stats, int64_t time_us) {
  stats_event_.set_sensor_id(sensor_id_);
  stats_event_.set_sequence(++sequence_);
  stats_event_.mutable_time()->set_seconds(time_us / 1'000'000);
  stats_event_.mutable_time()->set_nanos(static_cast<int32_t>(time_us % 1'000'000) * 1000);
  *stats_event_.mutable_stats() = stats;
  bytes_.clear();
  stats_event_.AppendToString(&bytes_);
  push(stats_event_.sequence());
}

void EventProducer::push(uint64_t seq) {
  while (!queue_.try_push(seq, bytes_)) {
    // An event larger than the whole byte cap can never fit: drop it even when waiting.
    if (!wait_when_full_ || bytes_.size() > queue_.config().max_bytes) {
      ++dropped_;
      return;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
}

OutputCounters EventProducer::counters() const {
  OutputCounters c;
  c.records = sequence_ - (first_sequence_ - 1);  // events numbered by this run
  c.masked_values = builder_.masked_values();
  const EventQueueCounters q = queue_.counters();
  c.queue_pushed = q.pushed;
  c.queue_dropped = dropped_;
  c.queue_high_water_events = q.high_water_events;
  c.queue_high_water_bytes = q.high_water_bytes;
  return c;
}

}  // namespace mirador
