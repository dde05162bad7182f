#include "sensor/output/event_builder.h"

#include "sensor/output/record_fields.h"
#include "sensor/output/utf8_text.h"

namespace mirador {

namespace {

// Assigns into the message's existing string: its capacity is reused.
void set_text(std::string* to, std::string_view v, std::string& scratch) {
  const std::string_view text = utf8_text(v, scratch);
  to->assign(text.data(), text.size());
}

}  // namespace

EventBuilder::EventBuilder(const MaskingConfig& masking)
    : spare_tunnel_(std::make_unique<v1::Tunnel>()),
      spare_finding_tunnel_(std::make_unique<v1::Tunnel>()) {
  if (masking.enabled) masker_ = std::make_unique<UriMasker>(masking);
}

EventBuilder::~EventBuilder() = default;

namespace {

void fill_envelope(v1::Event& e, const EventHeader& h, std::string& scratch) {
  set_text(e.mutable_sensor_id(), h.sensor_id, scratch);
  e.set_sequence(h.sequence);
  int64_t secs = h.time_us / 1'000'000, us = h.time_us % 1'000'000;
  if (us < 0) us += 1'000'000, secs -= 1;
  e.mutable_time()->set_seconds(secs);
  e.mutable_time()->set_nanos(static_cast<int32_t>(us * 1000));
}

// `spare` holds the tunnel submessage while the flow has none, so it is never freed and
// allocated again.
void fill_flow(v1::FlowContext& f, const FlowContext& flow, std::unique_ptr<v1::Tunnel>& spare) {
  f.mutable_community_id()->assign(flow.community_id.data(), flow.community_id.size());
  char ip[kIpTextMax];
  f.mutable_src_ip()->assign(ip, flow.client_ip ? ip_text(*flow.client_ip, ip) : 0);
  f.set_src_port(flow.client_port);
  f.mutable_dst_ip()->assign(ip, flow.server_ip ? ip_text(*flow.server_ip, ip) : 0);
  f.set_dst_port(flow.server_port);
  f.mutable_vlan()->Clear();
  for (uint8_t i = 0; i < flow.vlan_count; ++i) f.add_vlan(flow.vlan[i]);
  if (flow.tunnel != TunnelKind::none) {
    if (!f.has_tunnel()) f.set_allocated_tunnel(spare.release());
    const std::string_view type = tunnel_kind_name(flow.tunnel);
    f.mutable_tunnel()->mutable_type()->assign(type.data(), type.size());
    f.mutable_tunnel()->set_id(flow.tunnel_id);
  } else if (f.has_tunnel()) {
    spare.reset(f.release_tunnel());
  }
}

void set_strings(google::protobuf::RepeatedPtrField<std::string>* to,
                 const std::vector<std::string>& from, std::string& scratch) {
  to->Clear();  // keeps the elements' storage for reuse
  for (const std::string& v : from) set_text(to->Add(), v, scratch);
}

// "/pkg.Service/Method" → ("pkg.Service", "Method"); anything else leaves both empty.
void grpc_call(std::string_view path, std::string_view& service, std::string_view& method) {
  if (path.size() < 4 || path[0] != '/') return;
  const size_t slash = path.find('/', 1);
  if (slash == std::string_view::npos || slash + 1 >= path.size()) return;
  const std::string_view m = path.substr(slash + 1);
  if (m.find_first_of("/?") != std::string_view::npos) return;
  service = path.substr(1, slash - 1);
  method = m;
}

}  // namespace

const v1::Event& EventBuilder::build(const EventHeader& h, const FlowContext& flow,
                                     const HttpTransaction& t) {
  v1::Event& e = event_;
  fill_envelope(e, h, scratch_);
  v1::HttpTransaction& x = *e.mutable_http();
  fill_flow(*x.mutable_flow(), flow, spare_tunnel_);

  RecordHeaders req, resp;
  find_record_headers(t.request_headers, true, req);
  find_record_headers(t.response_headers, false, resp);
  std::string_view uri = t.uri, referrer = req.referer;
  if (masker_) {
    masked_ += masker_->mask(uri, masked_uri_);
    masked_ += masker_->mask(referrer, masked_referrer_);
    uri = masked_uri_;
    referrer = masked_referrer_;
  }
  x.set_trans_depth(t.trans_depth);
  set_text(x.mutable_method(), t.method, scratch_);
  // HTTP/2 requests name their host in :authority (a Host header, when sent, wins as on HTTP/1).
  set_text(x.mutable_host(), req.host.empty() ? std::string_view(t.authority) : req.host, scratch_);
  set_text(x.mutable_uri(), uri, scratch_);
  set_text(x.mutable_version(), t.version, scratch_);
  set_text(x.mutable_user_agent(), req.user_agent, scratch_);
  set_text(x.mutable_referrer(), referrer, scratch_);
  set_text(x.mutable_origin(), req.origin, scratch_);
  x.set_has_response(t.has_response);
  x.set_status(t.has_response ? static_cast<uint32_t>(t.status) : 0);
  set_text(x.mutable_status_msg(), t.has_response ? std::string_view(t.status_msg) : "", scratch_);
  x.mutable_info_codes()->Clear();
  for (int c : t.info_codes) x.add_info_codes(static_cast<uint32_t>(c));
  x.set_request_body_len(t.request_body_len);
  x.set_response_body_len(t.response_body_len);
  x.set_request_body_wire_len(t.request_body_wire_len);
  x.set_response_body_wire_len(t.response_body_wire_len);
  set_text(x.mutable_request_content_type(), req.content_type, scratch_);
  set_text(x.mutable_response_content_type(), resp.content_type, scratch_);
  set_text(x.mutable_request_content_encoding(), req.content_encoding, scratch_);
  set_text(x.mutable_response_content_encoding(), resp.content_encoding, scratch_);
  const int64_t d = duration_us(t);
  // Exactly the double the JSON text "S.ffffff" parses to: both are the correctly rounded d/1e6.
  if (d >= 0) {
    x.set_duration(static_cast<double>(d) / 1e6);
  } else {
    x.clear_duration();
  }
  set_text(x.mutable_upgrade(), t.upgrade, scratch_);
  x.mutable_anomalies()->Clear();
  // Bit by bit rather than http_anomaly_names(), which returns a new vector.
  for (uint32_t bit = 1; bit != 0 && bit <= t.anomalies; bit <<= 1) {
    if (!(t.anomalies & bit)) continue;
    const std::string_view name = http_anomaly_name(static_cast<HttpAnomaly>(bit));
    if (name != "unknown") x.add_anomalies()->assign(name.data(), name.size());
  }
  set_text(x.mutable_auth_kind(), flow.auth_kind, scratch_);
  set_text(x.mutable_identity(), flow.identity, scratch_);
  x.set_stream_id(t.stream_id);
  std::string_view service, method;
  if (req.content_type.substr(0, 16) == "application/grpc") grpc_call(t.uri, service, method);
  set_text(x.mutable_grpc_service(), service, scratch_);
  set_text(x.mutable_grpc_method(), method, scratch_);
  if (t.grpc_status >= 0) {
    x.set_grpc_status(static_cast<uint32_t>(t.grpc_status));
  } else {
    x.clear_grpc_status();
  }
  set_text(x.mutable_grpc_message(), t.grpc_message, scratch_);
  x.set_decrypted(flow.decrypted);
  return e;
}

const v1::Event& EventBuilder::build_finding(const EventHeader& h, const FlowContext& flow,
                                             const HttpTransaction& t, const detect::Finding& f) {
  v1::Event& e = finding_event_;
  fill_envelope(e, h, scratch_);
  v1::Finding& x = *e.mutable_finding();
  fill_flow(*x.mutable_flow(), flow, spare_finding_tunnel_);
  set_text(x.mutable_id(), f.id, scratch_);
  set_text(x.mutable_risk_class(), f.risk_class, scratch_);
  const std::string_view sev = detect::severity_name(f.severity);
  x.mutable_severity()->assign(sev.data(), sev.size());
  set_text(x.mutable_owasp_api(), f.owasp_api, scratch_);
  set_text(x.mutable_summary(), f.summary, scratch_);
  set_strings(x.mutable_locations(), f.locations, scratch_);
  set_strings(x.mutable_masked_samples(), f.samples, scratch_);
  x.set_count(f.count);
  x.set_trans_depth(t.trans_depth);
  set_strings(x.mutable_rule_ids(), f.rule_ids, scratch_);
  set_text(x.mutable_data_class(), f.data_class, scratch_);
  set_text(x.mutable_endpoint(), f.endpoint, scratch_);
  set_text(x.mutable_identity(), f.identity, scratch_);
  x.set_window_s(f.window_s);
  return e;
}

namespace {

void set_time(google::protobuf::Timestamp* ts, int64_t us) {
  // Floor division: a time before the epoch keeps non-negative nanos.
  int64_t s = us / 1'000'000, r = us % 1'000'000;
  if (r < 0) --s, r += 1'000'000;
  ts->set_seconds(s);
  ts->set_nanos(static_cast<int32_t>(r * 1000));
}

}  // namespace

const v1::Event& EventBuilder::build_endpoint(const EventHeader& h, const detect::Endpoint& ep) {
  v1::Event& e = endpoint_event_;
  fill_envelope(e, h, scratch_);
  v1::ApiEndpoint& x = *e.mutable_endpoint();
  x.Clear();
  set_text(x.mutable_host(), ep.host, scratch_);
  set_text(x.mutable_method(), ep.method, scratch_);
  set_text(x.mutable_path_template(), ep.path_template, scratch_);
  set_time(x.mutable_first_seen(), ep.first_seen_us);
  set_time(x.mutable_last_seen(), ep.last_seen_us);
  x.set_count(ep.count);
  set_strings(x.mutable_auth_kinds(), ep.auth_kinds, scratch_);
  std::vector<std::string> all = ep.request_data_classes;
  for (const std::string& c : ep.response_data_classes)
    if (std::find(all.begin(), all.end(), c) == all.end()) all.push_back(c);
  std::sort(all.begin(), all.end());
  set_strings(x.mutable_data_classes(), all, scratch_);
  set_text(x.mutable_sensitivity(), ep.sensitivity, scratch_);
  for (const auto& [code, count] : ep.status_codes) {
    v1::StatusCount* s = x.add_status_codes();
    s->set_code(static_cast<uint32_t>(code));
    s->set_count(count);
  }
  set_strings(x.mutable_request_content_types(), ep.request_content_types, scratch_);
  set_strings(x.mutable_response_content_types(), ep.response_content_types, scratch_);
  for (const detect::Endpoint::Param& p : ep.params) {
    v1::ApiParameter* a = x.add_parameters();
    set_text(a->mutable_in(), p.in, scratch_);
    set_text(a->mutable_name(), p.name, scratch_);
    set_text(a->mutable_type(), p.type, scratch_);
    a->set_count(p.count);
  }
  set_strings(x.mutable_request_data_classes(), ep.request_data_classes, scratch_);
  set_strings(x.mutable_response_data_classes(), ep.response_data_classes, scratch_);
  return e;
}

const v1::Event& EventBuilder::build_tls(const EventHeader& h, const FlowContext& flow,
                                         const tls::TlsInfo& info) {
  v1::Event& e = tls_event_;
  fill_envelope(e, h, scratch_);
  v1::TlsHandshake& x = *e.mutable_tls();
  fill_flow(*x.mutable_flow(), flow, spare_tls_tunnel_);
  x.set_version(info.server_hello ? tls::version_name(info.version) : std::string());
  x.set_cipher_suite(info.server_hello ? tls::cipher_suite_name(info.cipher_suite) : std::string());
  set_text(x.mutable_sni(), info.sni, scratch_);
  set_strings(x.mutable_alpn_offered(), info.alpn_offered, scratch_);
  set_text(x.mutable_alpn(), info.alpn, scratch_);
  x.mutable_client_versions()->Clear();
  for (const uint16_t v : info.client_versions) x.add_client_versions(tls::version_name(v));
  x.set_client_cipher_suites(static_cast<uint32_t>(info.cipher_suites.size()));
  x.set_ja3(info.ja3_md5);
  x.set_ja3s(info.ja3s_md5);
  x.set_ja4(info.ja4);
  x.set_resumed(info.resumed);
  x.mutable_certificates()->Clear();
  for (const tls::TlsCertificate& c : info.certificates) {
    v1::TlsCertificate& y = *x.add_certificates();
    set_text(y.mutable_subject(), c.subject, scratch_);
    set_text(y.mutable_issuer(), c.issuer, scratch_);
    set_time(y.mutable_not_before(), c.not_before_s * 1'000'000);
    set_time(y.mutable_not_after(), c.not_after_s * 1'000'000);
    y.set_key_type(c.key_type);
    y.set_key_bits(c.key_bits);
    y.set_signature_algorithm(c.signature_algorithm);
    y.set_self_signed(c.self_signed);
    y.set_sha256(c.sha256);
    set_strings(y.mutable_dns_names(), c.dns_names, scratch_);
    y.set_serial(c.serial);
  }
  x.set_decrypted(info.decrypted);
  set_text(x.mutable_decrypt_error(), info.decrypt_error, scratch_);
  x.set_client_bytes(info.application_bytes[0]);
  x.set_server_bytes(info.application_bytes[1]);
  x.set_last_alert(info.alerts > 0 ? tls::alert_name(info.last_alert) : std::string());
  return e;
}

}  // namespace mirador
