#include "tools/collector/kafka_source.h"

#include <librdkafka/rdkafka.h>

#include <cstring>
#include <exception>
#include <stdexcept>

namespace mirador::collector {

namespace {

void set_conf(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error("kafka source: " + key + ": " + err);
  }
}

// The topics the sensor writes by default (sensor/output/kafka_transport.h, KafkaConfig).
const char* const kDefaultTopics[] = {"mirador.http", "mirador.finding", "mirador.endpoint",
                                      "mirador.stats"};

}  // namespace

struct KafkaSource::Impl {
  using Clock = std::chrono::steady_clock;

  // The next offset to commit for one partition (highest accepted + 1).
  struct Pending {
    std::string topic;
    int32_t partition = 0;
    int64_t next = 0;
    bool live = false;
  };

  KafkaSource* self = nullptr;
  rd_kafka_t* rk = nullptr;
  bool closed = false;
  bool failed = false;             // accept threw: accept and commit nothing more
  std::exception_ptr error;        // thrown by accept inside a librdkafka callback
  std::vector<std::string> batch;  // values; strings keep their capacity between batches
  size_t batch_n = 0;
  size_t batch_bytes = 0;
  std::vector<Pending> pending;  // entries are reused (live=false) to keep their strings
  bool assigned_once = false;
  Clock::time_point last_activity{};

  std::atomic<uint64_t> messages{0}, commits{0}, errors{0}, rebalances{0}, skipped{0},
      partitions{0};

  void add(const rd_kafka_message_t* m, bool value);
  void flush(bool commit);
  void commit_pending();
  void on_rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts);

  static void rebalance_cb(rd_kafka_t*, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t* parts, void* opaque) {
    static_cast<Impl*>(opaque)->on_rebalance(err, parts);
  }
  static void error_cb(rd_kafka_t*, int, const char*, void* opaque) {
    ++static_cast<Impl*>(opaque)->errors;
  }
};

// Records the message's offset for the next commit and, with `value`, its value in the batch.
void KafkaSource::Impl::add(const rd_kafka_message_t* m, bool value) {
  const char* topic = rd_kafka_topic_name(m->rkt);
  Pending* slot = nullptr;
  Pending* free_slot = nullptr;
  for (Pending& p : pending) {
    if (p.live && p.partition == m->partition && p.topic == topic) {
      slot = &p;
      break;
    }
    if (!p.live && !free_slot) free_slot = &p;
  }
  if (!slot) {
    if (!free_slot) free_slot = &pending.emplace_back();
    slot = free_slot;
    slot->topic.assign(topic);
    slot->partition = m->partition;
    slot->live = true;
  }
  slot->next = m->offset + 1;
  if (!value) return;

  if (batch_n == batch.size()) batch.emplace_back();
  batch[batch_n].assign(static_cast<const char*>(m->payload), m->len);
  ++batch_n;
  batch_bytes += m->len;
}

void KafkaSource::Impl::flush(bool commit) {
  if (failed) return;
  if (batch_n > 0) {
    try {
      self->accept_(std::span<const std::string>(batch.data(), batch_n));
    } catch (...) {
      failed = true;
      if (!error) error = std::current_exception();
      batch_n = 0;
      batch_bytes = 0;
      for (Pending& p : pending) p.live = false;
      return;
    }
    batch_n = 0;
    batch_bytes = 0;
  }
  if (commit) commit_pending();
}

void KafkaSource::Impl::commit_pending() {
  int n = 0;
  for (const Pending& p : pending) n += p.live ? 1 : 0;
  if (n == 0) return;
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(n);
  for (Pending& p : pending) {
    if (!p.live) continue;
    rd_kafka_topic_partition_list_add(list, p.topic.c_str(), p.partition)->offset = p.next;
    p.live = false;
  }
  // Synchronous: the offsets are stored in the group before anything else is read or revoked.
  const rd_kafka_resp_err_t err = rd_kafka_commit(rk, list, 0);
  bool ok = err == RD_KAFKA_RESP_ERR_NO_ERROR;
  for (int i = 0; ok && i < list->cnt; ++i) ok = list->elems[i].err == RD_KAFKA_RESP_ERR_NO_ERROR;
  rd_kafka_topic_partition_list_destroy(list);
  // A failed commit (group rebalancing, coordinator gone) only means these events are read
  // again later; the store drops the duplicates.
  if (ok) {
    ++commits;
  } else {
    ++errors;
  }
}

void KafkaSource::Impl::on_rebalance(rd_kafka_resp_err_t err,
                                     rd_kafka_topic_partition_list_t* parts) {
  ++rebalances;
  const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
  rd_kafka_error_t* e = nullptr;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    if (cooperative) {
      e = rd_kafka_incremental_assign(rk, parts);
      partitions += static_cast<uint64_t>(parts->cnt);
    } else {
      if (rd_kafka_assign(rk, parts) != RD_KAFKA_RESP_ERR_NO_ERROR) ++errors;
      partitions = static_cast<uint64_t>(parts->cnt);
    }
    assigned_once = true;
    last_activity = Clock::now();
  } else {
    // Revoked (or an error): what was read is accepted and committed while the partitions are
    // still ours. Lost partitions (session timed out) cannot be committed to any more.
    flush(err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS && !rd_kafka_assignment_lost(rk));
    for (Pending& p : pending) p.live = false;
    if (err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) ++errors;
    if (cooperative) {
      e = rd_kafka_incremental_unassign(rk, parts);
      const auto n = static_cast<uint64_t>(parts->cnt);
      partitions = partitions.load() >= n ? partitions.load() - n : 0;
    } else {
      if (rd_kafka_assign(rk, nullptr) != RD_KAFKA_RESP_ERR_NO_ERROR) ++errors;
      partitions = 0;
    }
  }
  if (e) {
    ++errors;
    rd_kafka_error_destroy(e);
  }
}

KafkaSource::KafkaSource(const KafkaSourceConfig& cfg, AcceptBatch accept)
    : cfg_(cfg), accept_(std::move(accept)) {
  if (cfg_.brokers.empty()) throw std::runtime_error("kafka source: no brokers configured");
  if (cfg_.group.empty()) throw std::runtime_error("kafka source: no consumer group configured");
  if (cfg_.batch_events == 0) throw std::runtime_error("kafka source: batch_events must be > 0");
  if (!accept_) throw std::runtime_error("kafka source: no accept callback");
  if (cfg_.topics.empty()) cfg_.topics.assign(std::begin(kDefaultTopics), std::end(kDefaultTopics));

  impl_ = new Impl;
  impl_->self = this;
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  try {
    set_conf(conf, "bootstrap.servers", cfg_.brokers);
    set_conf(conf, "group.id", cfg_.group);
    // Offsets move only when the store has the events (commit_pending after accept).
    set_conf(conf, "enable.auto.commit", "false");
    set_conf(conf, "enable.auto.offset.store", "false");
    set_conf(conf, "auto.offset.reset", "earliest");
    for (const auto& kv : cfg_.extra) {
      const auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) {
        rd_kafka_conf_destroy(conf);
        throw std::runtime_error("kafka source: setting '" + kv + "' is not key=value");
      }
      set_conf(conf, kv.substr(0, eq), kv.substr(eq + 1));
    }
  } catch (...) {
    delete impl_;
    throw;
  }
  rd_kafka_conf_set_opaque(conf, impl_);
  rd_kafka_conf_set_rebalance_cb(conf, &Impl::rebalance_cb);
  rd_kafka_conf_set_error_cb(conf, &Impl::error_cb);

  char err[512];
  impl_->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!impl_->rk) {
    rd_kafka_conf_destroy(conf);
    delete impl_;
    throw std::runtime_error(std::string("kafka source: cannot create the consumer: ") + err);
  }
  rd_kafka_poll_set_consumer(impl_->rk);

  rd_kafka_topic_partition_list_t* subs =
      rd_kafka_topic_partition_list_new(static_cast<int>(cfg_.topics.size()));
  for (const auto& t : cfg_.topics)
    rd_kafka_topic_partition_list_add(subs, t.c_str(), RD_KAFKA_PARTITION_UA);
  const rd_kafka_resp_err_t serr = rd_kafka_subscribe(impl_->rk, subs);
  rd_kafka_topic_partition_list_destroy(subs);
  if (serr != RD_KAFKA_RESP_ERR_NO_ERROR) {
    rd_kafka_destroy(impl_->rk);
    delete impl_;
    throw std::runtime_error(std::string("kafka source: subscribe: ") + rd_kafka_err2str(serr));
  }
}

KafkaSource::~KafkaSource() {
  if (!impl_->closed) {
    impl_->failed = true;  // a source destroyed without run() accepts nothing more
    rd_kafka_consumer_close(impl_->rk);
  }
  rd_kafka_destroy(impl_->rk);
  delete impl_;
}

void KafkaSource::run() {
  Impl& im = *impl_;
  if (im.closed) throw std::logic_error("kafka source: run() after it ended");
  constexpr std::chrono::milliseconds kPoll{100};  // how soon stop() is noticed
  while (!stop_.load() && !im.failed) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(im.rk, static_cast<int>(kPoll.count()));
    if (!m) {
      im.flush(true);  // quiet: what was read is accepted without waiting for a full batch
      if (cfg_.max_idle.count() > 0 && im.assigned_once &&
          Impl::Clock::now() - im.last_activity >= cfg_.max_idle)
        break;
      continue;
    }
    if (m->err) {
      const rd_kafka_resp_err_t err = m->err;
      rd_kafka_message_destroy(m);
      if (err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
      ++im.errors;
      if (err == RD_KAFKA_RESP_ERR__FATAL) {
        char buf[512];
        rd_kafka_fatal_error(im.rk, buf, sizeof buf);
        im.closed = true;
        rd_kafka_consumer_close(im.rk);
        throw std::runtime_error(std::string("kafka source: fatal consumer error: ") + buf);
      }
      continue;
    }
    im.last_activity = Impl::Clock::now();
    if (m->payload) {
      ++im.messages;
    } else {
      ++im.skipped;  // committed past like the others: there is nothing to read again
    }
    im.add(m, m->payload != nullptr);
    rd_kafka_message_destroy(m);
    if (im.batch_n >= cfg_.batch_events || im.batch_bytes >= cfg_.batch_bytes) im.flush(true);
  }
  im.flush(true);
  // Leaving the group revokes the partitions (the rebalance callback flushes nothing more).
  im.closed = true;
  rd_kafka_consumer_close(im.rk);
  im.partitions = 0;
  if (im.error) std::rethrow_exception(im.error);
}

KafkaSourceCounters KafkaSource::counters() const {
  const Impl& im = *impl_;
  KafkaSourceCounters c;
  c.messages = im.messages.load();
  c.commits = im.commits.load();
  c.errors = im.errors.load();
  c.rebalances = im.rebalances.load();
  c.skipped = im.skipped.load();
  c.partitions = im.partitions.load();
  return c;
}

}  // namespace mirador::collector
