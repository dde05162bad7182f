#include "sensor/output/kafka_transport.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <climits>
#include <stdexcept>

#include "mirador/v1/event.pb.h"
#include "sensor/output/ack_ledger.h"

namespace mirador {

// Tickets travel as the message opaque (a pointer-sized integer): 64 bits never wrap.
static_assert(sizeof(uintptr_t) >= sizeof(uint64_t), "tickets need 64-bit opaques");

namespace {

enum Kind { kHttp, kFinding, kEndpoint, kStats, kTls, kKinds };

int clamp_ms(std::chrono::milliseconds d) {
  return static_cast<int>(std::clamp<int64_t>(d.count(), 0, INT_MAX));
}

void set_conf(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error("kafka: " + key + ": " + err);
  }
}

bool has_key(const std::vector<std::string>& extra, std::string_view key) {
  for (const auto& kv : extra) {
    if (kv.size() > key.size() && kv.compare(0, key.size(), key) == 0 && kv[key.size()] == '=')
      return true;
  }
  return false;
}

}  // namespace

struct KafkaTransport::Impl {
  KafkaTransport* self = nullptr;
  rd_kafka_t* rk = nullptr;
  rd_kafka_topic_t* topics[kKinds] = {};
  AckLedger ledger;
  State state = State::disconnected;
  bool fatal = false;
  std::string client_error;  // the last error callback's text, added to a break's reason
  v1::Event scratch;         // reused to read key and kind from spooled bytes
  KafkaTransportCounters kc;

  void create_producer();
  void create_topics();
  void destroy_producer();
  void purge();
  void on_report(const rd_kafka_message_t* m);
  void on_error(int err, const char* reason);
  void fail(std::string why);

  static void dr_cb(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    static_cast<Impl*>(opaque)->on_report(m);
  }
  static void error_cb(rd_kafka_t*, int err, const char* reason, void* opaque) {
    static_cast<Impl*>(opaque)->on_error(err, reason);
  }
};

void KafkaTransport::Impl::create_producer() {
  const KafkaConfig& cfg = self->cfg_;
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (!cfg.brokers.empty()) set_conf(conf, "bootstrap.servers", cfg.brokers);
  set_conf(conf, "enable.idempotence", "true");
  set_conf(conf, "acks", "all");
  set_conf(conf, "message.timeout.ms", std::to_string(clamp_ms(cfg.message_timeout)));
  // librdkafka's own queue must hold what can_send() admits plus the batch that crosses the
  // limit, so a produce never fails for lack of room (that would break the connection).
  const uint64_t queue_cap = std::min<uint64_t>(cfg.max_in_flight + 100000u, INT_MAX);
  set_conf(conf, "queue.buffering.max.messages", std::to_string(queue_cap));
  for (const auto& kv : cfg.extra) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      rd_kafka_conf_destroy(conf);
      throw std::runtime_error("kafka: setting '" + kv + "' is not key=value");
    }
    set_conf(conf, kv.substr(0, eq), kv.substr(eq + 1));
  }
  rd_kafka_conf_set_opaque(conf, this);
  rd_kafka_conf_set_dr_msg_cb(conf, &Impl::dr_cb);
  rd_kafka_conf_set_error_cb(conf, &Impl::error_cb);

  char err[512];
  rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string("kafka: cannot create the producer: ") + err);
  }
  fatal = false;
  ++kc.producers_created;
}

// Topic handles are made at the first connect(), not with the producer: a handle asks for the
// topic's metadata at once, which lets a broker auto-create it before the operator (or a test) did.
void KafkaTransport::Impl::create_topics() {
  if (topics[0]) return;
  const KafkaConfig& cfg = self->cfg_;
  const std::string* names[kKinds] = {&cfg.topic_http, &cfg.topic_finding, &cfg.topic_endpoint,
                                      &cfg.topic_stats, &cfg.topic_tls};
  for (int k = 0; k < kKinds; ++k) {
    topics[k] = rd_kafka_topic_new(rk, names[k]->c_str(), nullptr);
    if (!topics[k]) {
      const std::string why = rd_kafka_err2str(rd_kafka_last_error());
      for (int j = 0; j < k; ++j) {
        rd_kafka_topic_destroy(topics[j]);
        topics[j] = nullptr;
      }
      throw std::runtime_error("kafka: topic '" + *names[k] + "': " + why);
    }
  }
}

void KafkaTransport::Impl::destroy_producer() {
  if (!rk) return;
  // Nothing queued may delay the destruction: what is not acknowledged is ReliableSink's.
  rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_poll(rk, 0);
  for (auto*& t : topics) {
    if (t) rd_kafka_topic_destroy(t);
    t = nullptr;
  }
  rd_kafka_destroy(rk);
  rk = nullptr;
}

void KafkaTransport::Impl::purge() {
  if (!rk || rd_kafka_outq_len(rk) == 0) return;
  rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_poll(rk, 0);  // their reports are stale: counted and ignored
}

void KafkaTransport::Impl::fail(std::string why) {
  if (state != State::ready) return;  // the first reason is the one that matters
  if (!client_error.empty()) why += " (last client error: " + client_error + ")";
  state = State::broken;
  self->error_ = std::move(why);
  ++self->c_.breaks;
}

void KafkaTransport::Impl::on_report(const rd_kafka_message_t* m) {
  const auto ticket = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(m->_private));
  if (m->err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE) {
    // Re-sending cannot succeed: skip it rather than break every connection on it.
    if (ledger.complete(ticket)) ++kc.skipped_too_large;
    return;
  }
  if (m->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE || m->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) {
    ++kc.stale_reports;  // purged by us: a connection already broken or replaced
    return;
  }
  if (m->err) {
    // The failed ticket stays incomplete, so acked() stops before it.
    if (!ledger.waiting(ticket)) {
      ++kc.stale_reports;
      return;
    }
    ++kc.delivery_failures;
    fail(std::string("kafka: delivery to ") + rd_kafka_topic_name(m->rkt) +
         " failed: " + rd_kafka_err2str(m->err));
    return;
  }
  if (ledger.complete(ticket)) {
    ++kc.delivered;
  } else {
    ++kc.stale_reports;
  }
}

void KafkaTransport::Impl::on_error(int err, const char* reason) {
  ++kc.client_errors;
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char buf[512];
    rd_kafka_fatal_error(rk, buf, sizeof buf);
    fatal = true;
    fail(std::string("kafka: fatal producer error: ") + buf);
    return;
  }
  client_error = std::string(rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err))) + ": " +
                 (reason ? reason : "");
}

KafkaTransport::KafkaTransport(const KafkaConfig& cfg) : cfg_(cfg) {
  if (cfg_.brokers.empty() && !has_key(cfg_.extra, "bootstrap.servers") &&
      !has_key(cfg_.extra, "test.mock.num.brokers"))
    throw std::runtime_error("kafka: no brokers configured");
  if (cfg_.max_in_flight == 0) throw std::runtime_error("kafka: max_in_flight must be > 0");
  impl_ = new Impl;
  impl_->self = this;
  try {
    impl_->create_producer();
  } catch (...) {
    delete impl_;
    throw;
  }
}

KafkaTransport::~KafkaTransport() {
  impl_->destroy_producer();
  delete impl_;
}

void KafkaTransport::connect() {
  ++c_.connects;
  error_.clear();
  impl_->client_error.clear();
  // Reports still to come from the previous connection name tickets below the new front.
  impl_->ledger.reset();
  try {
    if (impl_->fatal) {
      // The idempotent producer cannot continue after a fatal error: start a new one.
      impl_->destroy_producer();
      impl_->create_producer();
    } else {
      impl_->purge();
    }
    impl_->create_topics();
  } catch (const std::exception& e) {
    impl_->state = State::broken;
    error_ = e.what();
    ++c_.breaks;
    return;
  }
  impl_->state = State::ready;
}

RemoteTransport::State KafkaTransport::poll(std::chrono::milliseconds budget) {
  if (impl_->rk) {
    rd_kafka_poll(impl_->rk, clamp_ms(budget));
    // A broken connection's remaining messages are void: stop them from being sent.
    if (impl_->state == State::broken && !impl_->fatal) impl_->purge();
  }
  return impl_->state;
}

bool KafkaTransport::can_send() const {
  return impl_->state == State::ready && impl_->ledger.size() < cfg_.max_in_flight;
}

bool KafkaTransport::send(std::span<const OutgoingEvent> batch) {
  if (!can_send() || batch.empty()) return false;
  Impl& im = *impl_;
  uint64_t bytes = 0;
  for (const OutgoingEvent& ev : batch) {
    const v1::Event* e = ev.parsed;
    if (!e) {
      if (!im.scratch.ParseFromArray(ev.bytes.data(), static_cast<int>(ev.bytes.size()))) {
        im.ledger.complete(im.ledger.add(ev.seq));
        ++im.kc.skipped_unparsable;
        continue;
      }
      e = &im.scratch;
    }
    Kind kind;
    const v1::FlowContext* flow = nullptr;
    switch (e->kind_case()) {
      case v1::Event::kHttp:
        kind = kHttp;
        if (e->http().has_flow()) flow = &e->http().flow();
        break;
      case v1::Event::kFinding:
        kind = kFinding;
        if (e->finding().has_flow()) flow = &e->finding().flow();
        break;
      case v1::Event::kEndpoint:
        kind = kEndpoint;
        break;
      case v1::Event::kStats:
        kind = kStats;
        break;
      case v1::Event::kTls:
        kind = kTls;
        if (e->tls().has_flow()) flow = &e->tls().flow();
        break;
      default:
        im.ledger.complete(im.ledger.add(ev.seq));
        ++im.kc.skipped_unparsable;
        continue;
    }
    const std::string& key =
        flow && !flow->community_id().empty() ? flow->community_id() : e->sensor_id();
    const uint64_t ticket = im.ledger.add(ev.seq);
    // F_COPY: value and key go into the block librdkafka allocates for the message anyway.
    const int rc =
        rd_kafka_produce(im.topics[kind], RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
                         const_cast<char*>(ev.bytes.data()), ev.bytes.size(), key.data(),
                         key.size(), reinterpret_cast<void*>(static_cast<uintptr_t>(ticket)));
    if (rc != 0) {
      const rd_kafka_resp_err_t err = rd_kafka_last_error();
      if (err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE) {
        im.ledger.complete(ticket);
        ++im.kc.skipped_too_large;
        continue;
      }
      im.fail("kafka: produce to " + std::string(rd_kafka_topic_name(im.topics[kind])) +
              " failed: " + rd_kafka_err2str(err));
      return false;
    }
    ++c_.events_sent;
    bytes += ev.bytes.size();
  }
  ++c_.batches_sent;
  c_.bytes_sent += bytes;
  return true;
}

uint64_t KafkaTransport::acked() const {
  return impl_->ledger.acked();
}

void KafkaTransport::close(std::chrono::milliseconds budget) {
  if (impl_->rk) {
    rd_kafka_flush(impl_->rk, clamp_ms(budget));  // serves the delivery reports
    impl_->purge();
  }
  impl_->state = State::disconnected;
}

KafkaTransportCounters KafkaTransport::kafka_counters() const {
  return impl_->kc;
}

void* KafkaTransport::native_handle() const {
  return impl_->rk;
}

}  // namespace mirador
