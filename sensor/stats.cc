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
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<uint64_t>(ru.ru_maxrss) * 1024;
}

std::string format_stats_json(const Worker& w, const CaptureStats& cap, const OutputCounters& out,
                              double elapsed_s, bool final_line, v1::SensorStats* as_proto) {
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

  const DecodeCounters& d = w.decode_counters();
  {
    ObjectWriter o = top.child("capture");
    o.num("packets", d.packets);
    o.num("bytes", d.bytes);
    o.num("kernel_received", cap.received);
    o.num("kernel_dropped", cap.dropped);
    o.num("interface_dropped", cap.if_dropped);
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
  const FlowTableCounters& f = w.flow_counters();
  const WorkerCounters& wc = w.counters();
  {
    ObjectWriter o = top.child("flows");
    o.num("created", f.created);
    o.num("active", f.active);
    o.num("peak_active", f.peak_active);
    o.num("timed_out", f.timed_out);
    o.num("evicted", f.evicted);
    o.num("reused", f.reused);
    o.num("capacity", w.flow_capacity());
    o.num("http", wc.http_flows);
    o.num("http_by_port_hint", wc.http_flows_by_port);
    o.num("http2", wc.http2_flows);
    o.num("tls", wc.tls_flows);
    o.num("not_http", wc.non_http_flows);
    o.close();
  }
  {
    const TcpStreamCounters& t = wc.tcp;
    const ReassemblyMemory& m = w.reassembly_memory();
    ObjectWriter o = top.child("tcp");
    o.num("packets", wc.tcp_packets);
    o.num("segments", t.segments);
    o.num("bytes_delivered", t.bytes_delivered);
    o.num("out_of_order", t.out_of_order);
    o.num("retransmissions", t.retransmissions);
    o.num("overlaps", t.overlaps);
    o.num("overlap_conflicts", t.overlap_conflicts);
    o.num("gaps", t.gaps);
    o.num("gap_bytes", t.gap_bytes);
    o.num("stream_cap_hits", t.stream_cap_hits);
    o.num("out_of_window", t.out_of_window);
    o.num("after_fin", t.after_fin);
    o.num("syn_ignored", t.syn_ignored);
    o.num("fin_ignored", t.fin_ignored);
    o.num("memcap_hits", m.cap_hits);
    o.num("held_bytes", m.used);
    o.close();
  }
  {
    const Http1Counters& h = w.http_counters();
    ObjectWriter o = top.child("http");
    o.num("requests", h.requests);
    o.num("responses", h.responses);
    o.num("transactions", h.transactions);
    o.num("gaps", h.gaps);
    o.num("resyncs", h.resyncs);
    o.num("bytes_skipped", h.bytes_skipped);
    o.num("pending_overflow", h.pending_overflow);
    o.num("body_truncated", h.body_truncated);
    o.num("decompression_bombs", h.decompression_bombs);
    o.num("decompression_errors", h.decompression_errors);
    o.num("line_too_long", h.line_too_long);
    o.num("headers_too_large", h.headers_too_large);
    o.num("upgrades", h.upgrades);
    o.close();
  }
  {
    const Http2Counters& h = w.http2_counters();
    ObjectWriter o = top.child("http2");
    o.num("connections", h.connections);
    o.num("upgrades", h.upgrades);
    o.num("midstream", h.midstream);
    o.num("frames", h.frames);
    static constexpr const char* kFrameNames[10] = {
        "frames_data",          "frames_headers",      "frames_priority", "frames_rst_stream",
        "frames_settings",      "frames_push_promise", "frames_ping",     "frames_goaway",
        "frames_window_update", "frames_continuation"};
    for (size_t i = 0; i < 10; ++i) o.num(kFrameNames[i], h.frames_by_type[i]);
    o.num("unknown_frames", h.unknown_frames);
    o.num("streams", h.streams);
    o.num("transactions", h.transactions);
    o.num("pushes", h.pushes);
    o.num("resets", h.resets);
    o.num("goaways", h.goaways);
    o.num("protocol_errors", h.protocol_errors);
    o.num("header_errors", h.header_errors);
    o.num("headers_unknown", h.headers_unknown);
    o.num("streams_refused", h.streams_refused);
    o.num("header_block_too_large", h.header_block_too_large);
    o.num("header_list_too_large", h.header_list_too_large);
    o.num("too_many_headers", h.too_many_headers);
    o.num("data_cap_hits", h.data_cap_hits);
    o.num("body_truncated", h.body_truncated);
    o.num("decompression_bombs", h.decompression_bombs);
    o.num("decompression_errors", h.decompression_errors);
    o.num("gaps", h.gaps);
    o.num("resyncs", h.resyncs);
    o.num("bytes_skipped", h.bytes_skipped);
    o.close();
  }
  {
    const tls::TlsCounters& t = w.tls_counters();
    ObjectWriter o = top.child("tls");
    o.num("connections", t.connections);
    o.num("client_hellos", t.client_hellos);
    o.num("server_hellos", t.server_hellos);
    o.num("certificates", t.certificates);
    o.num("records", t.records);
    o.num("application_records", t.application_records);
    o.num("application_bytes", t.application_bytes);
    o.num("alerts", t.alerts);
    o.num("malformed", t.malformed);
    o.num("handshake_too_large", t.handshake_too_large);
    o.num("gaps", t.gaps);
    o.num("decrypted_connections", t.decrypted_connections);
    o.num("decrypted_records", t.decrypted_records);
    o.num("decrypt_no_key", t.decrypt_no_key);
    o.num("decrypt_unsupported", t.decrypt_unsupported);
    o.num("decrypt_failures", t.decrypt_failures);
    o.num("early_data_records", t.early_data_records);
    if (const tls::KeyLog* k = w.keylog()) {
      o.num("keylog_secrets", k->counters().secrets);
      o.num("keylog_malformed", k->counters().malformed);
      o.num("keylog_reloads", k->counters().reloads);
      o.num("keylog_dropped", k->counters().dropped);
    }
    if (const detect::TlsChecker* c = w.stage() ? w.stage()->tls_checker() : nullptr) {
      o.num("checked_handshakes", c->counters().handshakes);
      o.num("findings", c->counters().findings);
      o.num("suppressed", c->counters().suppressed);
      o.num("hosts_evicted", c->counters().hosts_evicted);
      o.num("checks_memory_bytes", c->memory_bytes());
    }
    o.close();
  }
  if (const detect::DetectionEngine* engine = w.detection()) {
    const detect::DetectionCounters& c = engine->counters();
    const detect::FieldCounters& fc = engine->field_counters();
    const detect::ScanCounters& sc = engine->scan_counters();
    ObjectWriter o = top.child("detect");
    o.num("transactions", c.transactions);
    o.num("fields_scanned", c.fields_scanned);
    o.num("bytes_scanned", c.bytes_scanned);
    o.num("scan_truncated", c.scan_truncated);
    o.num("attack_findings", c.attack_findings);
    o.num("data_findings", c.data_findings);
    o.num("smuggling_findings", c.smuggling_findings);
    o.num("findings_capped", c.findings_capped);
    o.num("below_min_severity", c.below_min_severity);
    o.num("validator_rejects", c.validator_rejects);
    o.num("context_rejects", c.context_rejects);
    o.num("fields_dropped", fc.fields_dropped);
    o.num("json_bodies", fc.json_bodies);
    o.num("json_errors", fc.json_errors);
    o.num("json_too_deep", fc.json_too_deep);
    o.num("form_bodies", fc.form_bodies);
    o.num("multipart_bodies", fc.multipart_bodies);
    o.num("multipart_errors", fc.multipart_errors);
    o.num("raw_bodies", fc.raw_bodies);
    o.num("grpc_bodies", fc.grpc_bodies);
    o.num("grpc_messages", fc.grpc_messages);
    o.num("grpc_errors", fc.grpc_errors);
    o.num("grpc_decompression_errors", fc.grpc_decompression_errors);
    o.num("grpc_truncated", fc.grpc_truncated);
    o.num("grpc_messages_dropped", fc.grpc_messages_dropped);
    o.num("grpc_too_deep", fc.grpc_too_deep);
    o.num("grpc_leaves_dropped", fc.grpc_leaves_dropped);
    o.num("scans", sc.scans);
    o.num("matches", sc.matches);
    o.num("matches_capped", sc.matches_capped);
    o.num("prefilter_skips", sc.prefilter_skips);
    o.num("scan_errors", sc.errors);
    const detect::MemoCounters& vm = engine->value_memo_counters();
    const detect::MemoCounters& am = engine->attack_memo_counters();
    o.num("value_memo_hits", vm.hits);
    o.num("value_memo_misses", vm.misses);
    o.num("value_memo_too_long", vm.too_long);
    o.num("value_memo_not_kept", vm.not_kept);
    o.num("attack_memo_hits", am.hits);
    o.num("attack_memo_misses", am.misses);
    o.close();
  }
  if (const StatefulStage* stage = w.stage()) {
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
  if (const detect::IdentityExtractor* id = w.identity()) {
    const detect::IdentityCounters& c = id->counters();
    const detect::HygieneCounters h = w.stage() && w.stage()->hygiene()
                                          ? w.stage()->hygiene()->counters()
                                          : detect::HygieneCounters{};
    ObjectWriter o = top.child("auth");
    o.num("requests", c.requests);
    for (size_t k = 0; k < std::size(c.by_kind); ++k) {
      // The names are string literals: data() is NUL-terminated.
      o.num(detect::credential_kind_name(static_cast<detect::CredentialKind>(k)).data(),
            c.by_kind[k]);
    }
    o.num("jwt_undecodable", c.jwt_undecodable);
    o.num("jwt_too_long", c.jwt_too_long);
    o.num("jwt_roles_capped", c.jwt_roles_capped);
    o.num("basic_malformed", c.basic_malformed);
    o.num("forwarded", c.forwarded);
    o.num("forwarded_ignored", c.forwarded_ignored);
    o.num("hygiene_findings", h.findings);
    o.num("hygiene_suppressed", h.suppressed);
    o.num("below_min_severity", w.stage() ? w.stage()->below_min_severity() : 0);
    o.close();
  }
  if (const detect::AbuseDetector* a = w.stage() ? w.stage()->abuse() : nullptr) {
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
}

}  // namespace mirador
