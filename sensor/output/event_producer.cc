#include "sensor/output/event_producer.h"

#include <thread>

#include "sensor/output/record_fields.h"

namespace mirador {

EventProducer::EventProducer(std::string sensor_id, const MaskingConfig& masking, EventQueue& queue,
                             bool wait_when_full)
    : sensor_id_(std::move(sensor_id)),
      queue_(queue),
      wait_when_full_(wait_when_full),
      builder_(masking) {}

void EventProducer::write(const FlowContext& flow, const HttpTransaction& txn) {
  const EventHeader h{sensor_id_, 0, event_time_us(txn)};
  const v1::Event& e = builder_.build(h, flow, txn);
  bytes_.clear();
  e.AppendToString(&bytes_);  // into the kept capacity
  push();
}

void EventProducer::write_finding(const FlowContext& flow, const HttpTransaction& txn,
                                  const detect::Finding& finding) {
  const EventHeader h{sensor_id_, 0, event_time_us(txn)};
  const v1::Event& e = builder_.build_finding(h, flow, txn, finding);
  bytes_.clear();
  e.AppendToString(&bytes_);
  push();
}

void EventProducer::write_endpoint(const detect::Endpoint& endpoint, int64_t time_us) {
  const EventHeader h{sensor_id_, 0, time_us};
  const v1::Event& e = builder_.build_endpoint(h, endpoint);
  bytes_.clear();
  e.AppendToString(&bytes_);
  push();
}

void EventProducer::write_tls(const FlowContext& flow, const tls::TlsInfo& info, int64_t time_us) {
  const EventHeader h{sensor_id_, 0, time_us};
  const v1::Event& e = builder_.build_tls(h, flow, info);
  bytes_.clear();
  e.AppendToString(&bytes_);
  push();
}

void EventProducer::write_stats(const v1::SensorStats& stats, int64_t time_us) {
  stats_event_.set_sensor_id(sensor_id_);
  stats_event_.set_sequence(0);  // numbered by the output thread
  stats_event_.mutable_time()->set_seconds(time_us / 1'000'000);
  stats_event_.mutable_time()->set_nanos(static_cast<int32_t>(time_us % 1'000'000) * 1000);
  *stats_event_.mutable_stats() = stats;
  bytes_.clear();
  stats_event_.AppendToString(&bytes_);
  push();
}

void EventProducer::push() {
  made_.store(made_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  while (!queue_.try_push(dropped_unreported_, bytes_)) {
    // An event larger than the whole byte cap can never fit: drop it even when waiting.
    if (!wait_when_full_ || bytes_.size() > queue_.config().max_bytes) {
      ++dropped_unreported_;
      dropped_.store(dropped_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
      return;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  dropped_unreported_ = 0;
}

OutputCounters EventProducer::counters() const {
  OutputCounters c;
  c.records = made_.load(std::memory_order_relaxed);
  c.masked_values = builder_.masked_values();
  const EventQueueCounters q = queue_.counters();
  c.queue_pushed = q.pushed;
  c.queue_dropped = dropped_.load(std::memory_order_relaxed);
  c.queue_high_water_events = q.high_water_events;
  c.queue_high_water_bytes = q.high_water_bytes;
  return c;
}

}  // namespace mirador
