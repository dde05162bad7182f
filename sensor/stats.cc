#include "sensor/stats.h"

#include <sys/resource.h>

#include <cstdio>

#include "mirador/v1/event.pb.h"
#include "sensor/output/json_writer.h"

namespace mirador {

namespace {

// Writes one JSON object into `out`; with `proto`, also records every number under its group
// ("decode.malformed" for a nested one) so the stats event carries the same counters as the line.
class ObjectWriter {
 public:
  ObjectWriter(std::string& out, v1::SensorStats* proto, std::string group = {})
      : out_(out), proto_(proto), group_(std::move(group)) {
    out_ += '{';
  }
  void num(const char* k, uint64_t v) {
    sep(k);
    out_ += std::to_string(v);
    if (proto_ && !group_.empty()) (*(*proto_->mutable_groups())[group_].mutable_counters())[k] = v;
  }
  void real(const char* k, double v) {
    sep(k);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", v);
    out_ += buf;
  }
  void boolean(const char* k, bool v) {
    sep(k);
    out_ += v ? "true" : "false";
    if (proto_ && !group_.empty()) {
      (*(*proto_->mutable_groups())[group_].mutable_counters())[k] = v ? 1 : 0;
    }
  }
  // A nested object named `k`.
  ObjectWriter child(const char* k) {
    sep(k);
    return ObjectWriter(out_, proto_, group_.empty() ? std::string(k) : group_ + "." + k);
  }
  void close() { out_ += '}'; }

 private:
  void sep(const char* k) {
    if (!first_) out_ += ',';
    first_ = false;
    out_ += '"';
    out_ += k;
    out_ += "\":";
  }
  std::string& out_;
  v1::SensorStats* proto_;
  std::string group_;
  bool first_ = true;
};

}  // namespace

uint64_t peak_rss_bytes() {
  // VmHWM is this address space's own peak. getrusage's ru_maxrss is not: Linux carries the
  // peak of the address space exec() replaced into it, so a sensor started by a large parent
  // (a test harness, a supervisor that forked) would report the parent's size.
  if (std::FILE* f = std::fopen("/proc/self/status", "r")) {
    char line[256];
    unsigned long long kib = 0;
    bool found = false;
    while (!found && std::fgets(line, sizeof line, f)) {
      found = std::sscanf(line, "VmHWM: %llu kB", &kib) == 1;
    }
    std::fclose(f);
    if (found) return kib * 1024;
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<uint64_t>(ru.ru_maxrss) * 1024;
}

std::string format_stats_json(const Worker& w, const CaptureStats& cap, const OutputCounters& out,
                              double elapsed_s, bool final_line, v1::SensorStats* as_proto) {
  StatsSources src;
  src.workers.push_back(&w);
  src.stage = w.stage();
  return format_stats_json(src, cap, out, elapsed_s, final_line, as_proto);
}

std::string format_stats_json(const StatsSources& src, const CaptureStats& cap,
                              const OutputCounters& out, double elapsed_s, bool final_line,
                              v1::SensorStats* as_proto) {
  // Every per-worker counter is the sum over the workers.
  auto sum = [&](auto get) {
    uint64_t total = 0;
    for (const Worker* w : src.workers) total += static_cast<uint64_t>(get(*w));
    return total;
  };
#define SUM(expr) sum([&](const Worker& w) { return (expr); })
  std::string s = "{\"stats\":";
  if (as_proto) {
    as_proto->Clear();
    as_proto->set_final(final_line);
    as_proto->set_elapsed_s(elapsed_s);
    as_proto->set_peak_rss_bytes(peak_rss_bytes());
  }
  ObjectWriter top(s, as_proto);
  top.boolean("final", final_line);
  top.real("elapsed_s", elapsed_s);
  top.num("peak_rss_bytes", peak_rss_bytes());

  DecodeCounters d{};
  auto add_decode = [&d](const DecodeCounters& x) {
    d.packets += x.packets;
    d.bytes += x.bytes;
    d.ipv4 += x.ipv4;
    d.ipv6 += x.ipv6;
    d.tcp += x.tcp;
    d.udp += x.udp;
    d.other_l4 += x.other_l4;
    d.not_ip += x.not_ip;
    d.vlan += x.vlan;
    d.mpls += x.mpls;
    d.gre += x.gre;
    d.erspan += x.erspan;
    d.vxlan += x.vxlan;
    d.fragments += x.fragments;
    d.reassembled += x.reassembled;
    for (size_t i = 0; i < kDecodeErrorCount; ++i) d.errors[i] += x.errors[i];
  };
  if (src.dispatch_decode) add_decode(*src.dispatch_decode);
  for (const Worker* w : src.workers) add_decode(w->decode_counters());
  {
    ObjectWriter o = top.child("capture");
    o.num("packets", d.packets);
    o.num("bytes", d.bytes);
    o.num("kernel_received", cap.received);
    o.num("kernel_dropped", cap.dropped);
    o.num("interface_dropped", cap.if_dropped);
    o.num("capture_errors", cap.capture_errors);
    o.num("reopens", cap.reopens);
    o.close();
  }
  {
    ObjectWriter o = top.child("decode");
    o.num("ipv4", d.ipv4);
    o.num("ipv6", d.ipv6);
    o.num("tcp", d.tcp);
    o.num("udp", d.udp);
    o.num("other_l4", d.other_l4);
    o.num("not_ip", d.not_ip);
    o.num("vlan", d.vlan);
    o.num("mpls", d.mpls);
    o.num("gre", d.gre);
    o.num("erspan", d.erspan);
    o.num("vxlan", d.vxlan);
    o.num("fragments", d.fragments);
    o.num("reassembled", d.reassembled);
    {
      ObjectWriter e = o.child("malformed");
      for (size_t i = 0; i < kDecodeErrorCount; ++i) {
        std::string name(decode_error_name(static_cast<DecodeError>(i)));
        e.num(name.c_str(), d.errors[i]);
      }
      e.close();
    }
    o.close();
  }

  {
    ObjectWriter o = top.child("flows");
    o.num("created", SUM(w.flow_counters().created));
    o.num("active", SUM(w.flow_counters().active));
    o.num("peak_active", SUM(w.flow_counters().peak_active));
    o.num("timed_out", SUM(w.flow_counters().timed_out));
    o.num("evicted", SUM(w.flow_counters().evicted));
    o.num("evicted_memcap", SUM(w.flow_counters().evicted_memcap));
    o.num("memory_bytes", SUM(w.flow_counters().memory_bytes));
    o.num("peak_memory_bytes", SUM(w.flow_counters().peak_memory_bytes));
    o.num("reused", SUM(w.flow_counters().reused));
    o.num("capacity", SUM(w.flow_capacity()));
    o.num("http", SUM(w.counters().http_flows));
    o.num("http_by_port_hint", SUM(w.counters().http_flows_by_port));
    o.num("http2", SUM(w.counters().http2_flows));
    o.num("tls", SUM(w.counters().tls_flows));
    o.num("not_http", SUM(w.counters().non_http_flows));
    o.num("evasion_unattributed", SUM(w.counters().evasion_unattributed));
    o.close();
  }
  {
    ObjectWriter o = top.child("tcp");
    o.num("packets", SUM(w.counters().tcp_packets));
    o.num("segments", SUM(w.counters().tcp.segments));
    o.num("bytes_delivered", SUM(w.counters().tcp.bytes_delivered));
    o.num("out_of_order", SUM(w.counters().tcp.out_of_order));
    o.num("retransmissions", SUM(w.counters().tcp.retransmissions));
    o.num("overlaps", SUM(w.counters().tcp.overlaps));
    o.num("overlap_conflicts", SUM(w.counters().tcp.overlap_conflicts));
    o.num("gaps", SUM(w.counters().tcp.gaps));
    o.num("gap_bytes", SUM(w.counters().tcp.gap_bytes));
    o.num("stream_cap_hits", SUM(w.counters().tcp.stream_cap_hits));
    o.num("out_of_window", SUM(w.counters().tcp.out_of_window));
    o.num("after_fin", SUM(w.counters().tcp.after_fin));
    o.num("syn_ignored", SUM(w.counters().tcp.syn_ignored));
    o.num("fin_ignored", SUM(w.counters().tcp.fin_ignored));
    o.num("memcap_hits", SUM(w.reassembly_memory().cap_hits));
    o.num("held_bytes", SUM(w.reassembly_memory().used));
    o.close();
  }
  {
    ObjectWriter o = top.child("http");
    o.num("requests", SUM(w.http_counters().requests));
    o.num("responses", SUM(w.http_counters().responses));
    o.num("transactions", SUM(w.http_counters().transactions));
    o.num("gaps", SUM(w.http_counters().gaps));
    o.num("resyncs", SUM(w.http_counters().resyncs));
    o.num("bytes_skipped", SUM(w.http_counters().bytes_skipped));
    o.num("pending_overflow", SUM(w.http_counters().pending_overflow));
    o.num("body_truncated", SUM(w.http_counters().body_truncated));
    o.num("decompression_bombs", SUM(w.http_counters().decompression_bombs));
    o.num("decompression_errors", SUM(w.http_counters().decompression_errors));
    o.num("line_too_long", SUM(w.http_counters().line_too_long));
    o.num("headers_too_large", SUM(w.http_counters().headers_too_large));
    o.num("upgrades", SUM(w.http_counters().upgrades));
    o.close();
  }
  {
    ObjectWriter o = top.child("http2");
    o.num("connections", SUM(w.http2_counters().connections));
    o.num("upgrades", SUM(w.http2_counters().upgrades));
    o.num("midstream", SUM(w.http2_counters().midstream));
    o.num("frames", SUM(w.http2_counters().frames));
    static constexpr const char* kFrameNames[10] = {
        "frames_data",          "frames_headers",      "frames_priority", "frames_rst_stream",
        "frames_settings",      "frames_push_promise", "frames_ping",     "frames_goaway",
        "frames_window_update", "frames_continuation"};
    for (size_t i = 0; i < 10; ++i)
      o.num(kFrameNames[i], SUM(w.http2_counters().frames_by_type[i]));
    o.num("unknown_frames", SUM(w.http2_counters().unknown_frames));
    o.num("streams", SUM(w.http2_counters().streams));
    o.num("transactions", SUM(w.http2_counters().transactions));
    o.num("pushes", SUM(w.http2_counters().pushes));
    o.num("resets", SUM(w.http2_counters().resets));
    o.num("goaways", SUM(w.http2_counters().goaways));
    o.num("protocol_errors", SUM(w.http2_counters().protocol_errors));
    o.num("header_errors", SUM(w.http2_counters().header_errors));
    o.num("headers_unknown", SUM(w.http2_counters().headers_unknown));
    o.num("streams_refused", SUM(w.http2_counters().streams_refused));
    o.num("header_block_too_large", SUM(w.http2_counters().header_block_too_large));
    o.num("header_list_too_large", SUM(w.http2_counters().header_list_too_large));
    o.num("too_many_headers", SUM(w.http2_counters().too_many_headers));
    o.num("data_cap_hits", SUM(w.http2_counters().data_cap_hits));
    o.num("body_truncated", SUM(w.http2_counters().body_truncated));
    o.num("decompression_bombs", SUM(w.http2_counters().decompression_bombs));
    o.num("decompression_errors", SUM(w.http2_counters().decompression_errors));
    o.num("gaps", SUM(w.http2_counters().gaps));
    o.num("resyncs", SUM(w.http2_counters().resyncs));
    o.num("bytes_skipped", SUM(w.http2_counters().bytes_skipped));
    o.close();
  }
  {
    ObjectWriter o = top.child("tls");
    o.num("connections", SUM(w.tls_counters().connections));
    o.num("client_hellos", SUM(w.tls_counters().client_hellos));
    o.num("server_hellos", SUM(w.tls_counters().server_hellos));
    o.num("certificates", SUM(w.tls_counters().certificates));
    o.num("records", SUM(w.tls_counters().records));
    o.num("application_records", SUM(w.tls_counters().application_records));
    o.num("application_bytes", SUM(w.tls_counters().application_bytes));
    o.num("alerts", SUM(w.tls_counters().alerts));
    o.num("malformed", SUM(w.tls_counters().malformed));
    o.num("handshake_too_large", SUM(w.tls_counters().handshake_too_large));
    o.num("gaps", SUM(w.tls_counters().gaps));
    o.num("decrypted_connections", SUM(w.tls_counters().decrypted_connections));
    o.num("decrypted_records", SUM(w.tls_counters().decrypted_records));
    o.num("decrypt_no_key", SUM(w.tls_counters().decrypt_no_key));
    o.num("decrypt_unsupported", SUM(w.tls_counters().decrypt_unsupported));
    o.num("decrypt_failures", SUM(w.tls_counters().decrypt_failures));
    o.num("early_data_records", SUM(w.tls_counters().early_data_records));
    if (const tls::KeyLog* k = src.workers.empty() ? nullptr : src.workers[0]->keylog()) {
      const tls::KeyLogCounters kc = k->counters();  // one key log, shared by the workers
      o.num("keylog_secrets", kc.secrets);
      o.num("keylog_malformed", kc.malformed);
      o.num("keylog_reloads", kc.reloads);
      o.num("keylog_dropped", kc.dropped);
    }
    if (const detect::TlsChecker* c = src.stage ? src.stage->tls_checker() : nullptr) {
      o.num("checked_handshakes", c->counters().handshakes);
      o.num("findings", c->counters().findings);
      o.num("suppressed", c->counters().suppressed);
      o.num("hosts_evicted", c->counters().hosts_evicted);
      o.num("checks_memory_bytes", c->memory_bytes());
    }
    o.close();
  }
  if (!src.workers.empty() && src.workers[0]->detection()) {
    ObjectWriter o = top.child("detect");
    o.num("transactions", SUM(w.detection()->counters().transactions));
    o.num("fields_scanned", SUM(w.detection()->counters().fields_scanned));
    o.num("bytes_scanned", SUM(w.detection()->counters().bytes_scanned));
    o.num("scan_truncated", SUM(w.detection()->counters().scan_truncated));
    o.num("attack_findings", SUM(w.detection()->counters().attack_findings));
    o.num("data_findings", SUM(w.detection()->counters().data_findings));
    o.num("smuggling_findings", SUM(w.detection()->counters().smuggling_findings));
    o.num("evasion_findings", SUM(w.detection()->counters().evasion_findings));
    for (size_t k = 0; k < detect::kEvasionCount; ++k) {
      o.num(detect::evasion_info(static_cast<detect::Evasion>(k)).stat,
            SUM(w.detection()->counters().evasions[k]));
    }
    o.num("findings_capped", SUM(w.detection()->counters().findings_capped));
    o.num("below_min_severity", SUM(w.detection()->counters().below_min_severity));
    o.num("validator_rejects", SUM(w.detection()->counters().validator_rejects));
    o.num("context_rejects", SUM(w.detection()->counters().context_rejects));
    o.num("fields_dropped", SUM(w.detection()->field_counters().fields_dropped));
    o.num("json_bodies", SUM(w.detection()->field_counters().json_bodies));
    o.num("json_errors", SUM(w.detection()->field_counters().json_errors));
    o.num("json_too_deep", SUM(w.detection()->field_counters().json_too_deep));
    o.num("form_bodies", SUM(w.detection()->field_counters().form_bodies));
    o.num("multipart_bodies", SUM(w.detection()->field_counters().multipart_bodies));
    o.num("multipart_errors", SUM(w.detection()->field_counters().multipart_errors));
    o.num("raw_bodies", SUM(w.detection()->field_counters().raw_bodies));
    o.num("grpc_bodies", SUM(w.detection()->field_counters().grpc_bodies));
    o.num("grpc_messages", SUM(w.detection()->field_counters().grpc_messages));
    o.num("grpc_errors", SUM(w.detection()->field_counters().grpc_errors));
    o.num("grpc_decompression_errors",
          SUM(w.detection()->field_counters().grpc_decompression_errors));
    o.num("grpc_truncated", SUM(w.detection()->field_counters().grpc_truncated));
    o.num("grpc_messages_dropped", SUM(w.detection()->field_counters().grpc_messages_dropped));
    o.num("grpc_too_deep", SUM(w.detection()->field_counters().grpc_too_deep));
    o.num("grpc_leaves_dropped", SUM(w.detection()->field_counters().grpc_leaves_dropped));
    o.num("scans", SUM(w.detection()->scan_counters().scans));
    o.num("matches", SUM(w.detection()->scan_counters().matches));
    o.num("matches_capped", SUM(w.detection()->scan_counters().matches_capped));
    o.num("prefilter_skips", SUM(w.detection()->scan_counters().prefilter_skips));
    o.num("scan_errors", SUM(w.detection()->scan_counters().errors));
    o.num("value_memo_hits", SUM(w.detection()->value_memo_counters().hits));
    o.num("value_memo_misses", SUM(w.detection()->value_memo_counters().misses));
    o.num("value_memo_too_long", SUM(w.detection()->value_memo_counters().too_long));
    o.num("value_memo_not_kept", SUM(w.detection()->value_memo_counters().not_kept));
    o.num("attack_memo_hits", SUM(w.detection()->attack_memo_counters().hits));
    o.num("attack_memo_misses", SUM(w.detection()->attack_memo_counters().misses));
    o.close();
  }
  if (const StatefulStage* stage = src.stage) {
    const detect::TemplateCounters& c = stage->templater().counters();
    ObjectWriter o = top.child("inventory");
    o.num("paths", c.paths);
    o.num("hosts", c.hosts);
    o.num("template_nodes", c.nodes);
    o.num("hosts_capped", c.hosts_capped);
    o.num("nodes_capped", c.nodes_capped);
    o.num("promoted", c.promoted);
    o.num("segments_capped", c.segments_capped);
    o.num("long_segments", c.long_segments);
    {
      const detect::InventoryCounters& k = stage->inventory().counters();
      o.num("observations", k.observations);
      o.num("endpoints", k.endpoints);
      o.num("endpoints_capped", k.endpoints_capped);
      o.num("params_capped", k.params_capped);
      o.num("status_capped", k.status_capped);
      o.num("endpoint_changes", k.changes);
    }
    if (const detect::SpecConformance* sc = stage->spec_conformance()) {
      const detect::SpecConformanceCounters k = sc->counters();
      o.num("spec_operations", sc->spec().operations());
      o.num("spec_deprecated_operations", sc->spec().deprecated_operations());
      o.num("spec_checked", k.checked);
      o.num("spec_undocumented", k.undocumented);
      o.num("spec_deprecated_calls", k.deprecated);
      o.num("spec_not_answered", k.not_answered);
      o.num("shadow_findings", k.shadow_findings);
      o.num("zombie_findings", k.zombie_findings);
      o.num("spec_suppressed", k.suppressed);
      o.num("spec_below_min_severity", k.below_min_severity);
    }
    o.close();
  }
  if (!src.workers.empty() && src.workers[0]->identity()) {
    const detect::HygieneCounters h = src.stage && src.stage->hygiene()
                                          ? src.stage->hygiene()->counters()
                                          : detect::HygieneCounters{};
    ObjectWriter o = top.child("auth");
    o.num("requests", SUM(w.identity()->counters().requests));
    for (size_t k = 0; k < std::size(detect::IdentityCounters{}.by_kind); ++k) {
      // The names are string literals: data() is NUL-terminated.
      o.num(detect::credential_kind_name(static_cast<detect::CredentialKind>(k)).data(),
            SUM(w.identity()->counters().by_kind[k]));
    }
    o.num("jwt_undecodable", SUM(w.identity()->counters().jwt_undecodable));
    o.num("jwt_too_long", SUM(w.identity()->counters().jwt_too_long));
    o.num("jwt_roles_capped", SUM(w.identity()->counters().jwt_roles_capped));
    o.num("basic_malformed", SUM(w.identity()->counters().basic_malformed));
    o.num("forwarded", SUM(w.identity()->counters().forwarded));
    o.num("forwarded_ignored", SUM(w.identity()->counters().forwarded_ignored));
    o.num("hygiene_findings", h.findings);
    o.num("hygiene_suppressed", h.suppressed);
    o.num("below_min_severity", src.stage ? src.stage->below_min_severity() : 0);
    o.close();
  }
  if (const detect::AbuseDetector* a = src.stage ? src.stage->abuse() : nullptr) {
    const detect::AbuseCounters& c = a->counters();
    ObjectWriter o = top.child("abuse");
    o.num("observed", c.observed);
    o.num("findings", c.findings);
    o.num("suppressed", c.suppressed);
    o.num("memory_bytes", a->memory_bytes());
    o.num("identities_evicted", c.identities_evicted);
    o.num("pairs_evicted", c.pairs_evicted);
    o.num("objects_evicted", c.objects_evicted);
    o.num("accounts_evicted", c.accounts_evicted);
    o.num("replay_keys_evicted", c.replay_keys_evicted);
    o.num("sessions_evicted", c.sessions_evicted);
    o.num("endpoints_evicted", c.endpoints_evicted);
    o.close();
  }
  if (src.dispatch) {
    const DispatchCounters& c = *src.dispatch;
    ObjectWriter o = top.child("workers");
    o.num("workers", src.workers.size());
    o.num("dispatched", c.dispatched);
    o.num("ring_full_drops", c.ring_full_drops);
    o.num("ring_waits", c.ring_waits);
    o.num("too_big_drops", c.too_big_drops);
    o.num("other_l4", c.other_l4);
    o.num("reports", c.reports);
    o.num("report_waits", c.report_waits);
    o.close();
  }
  if (src.reload) {
    ObjectWriter o = top.child("reload");
    o.num("requests", src.reload->requests.load());
    o.num("applied", src.reload->applied.load());
    o.num("refused", src.reload->refused.load());
    o.num("restart_keys", src.reload->restart_keys.load());
    o.num("worker_switches", SUM(w.counters().rules_reloads));
    o.close();
  }
  {
    ObjectWriter o = top.child("output");
    o.num("records", out.records);
    o.num("write_errors", out.write_errors);
    o.num("masked_values", out.masked_values);
    o.num("written", out.written);
    o.num("rotations", out.rotations);
    o.num("queue_pushed", out.queue_pushed);
    o.num("queue_dropped", out.queue_dropped);
    o.num("queue_high_water_events", out.queue_high_water_events);
    o.num("queue_high_water_bytes", out.queue_high_water_bytes);
    o.num("sequence_errors", out.sequence_errors);
    o.close();
  }
  // One group per remote sink: "output_grpc", "output_kafka".
  for (const RemoteSinkStats& r : out.remotes) {
    const std::string key = "output_" + r.name;
    const ReliableSinkCounters& c = r.c;
    ObjectWriter o = top.child(key.c_str());
    o.boolean("connected", c.connected);
    o.num("events_in", c.events_in);
    o.num("acked", c.acked);
    o.num("spooled", c.spooled);
    o.num("replayed", c.replayed);
    o.num("dropped_window_full", c.dropped_window_full);
    o.num("dropped_spool", c.dropped_spool);
    o.num("dropped_at_close", c.dropped_at_close);
    o.num("reconnects", c.reconnects);
    o.num("window_events", c.window_events);
    o.num("spool_bytes", c.spool_bytes);
    o.num("spool_segments", c.spool.segments);
    o.num("spool_events_pending", c.spool_events_pending);
    o.num("spool_write_errors", c.spool.write_errors);
    o.num("spool_read_errors", c.spool.read_errors);
    o.num("spool_corrupt_tail", c.spool.corrupt_tail);
    o.num("spool_ack_errors", c.spool.ack_errors);
    o.num("connects", c.transport.connects);
    o.num("breaks", c.transport.breaks);
    o.num("batches_sent", c.transport.batches_sent);
    o.num("events_sent", c.transport.events_sent);
    o.num("bytes_sent", c.transport.bytes_sent);
    o.close();
  }
  top.close();
  s += '}';
  return s;
#undef SUM
}

}  // namespace mirador
