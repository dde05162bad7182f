#include "sensor/pipeline/stateful_stage.h"

#include <cstring>

#include "decoders/ascii.h"
#include "sensor/output/record_fields.h"

namespace mirador {

struct StatefulStage::ObservationScratch {
  detect::Observation o;
  std::string request_type, response_type;
  // Parameters of this transaction: (in, name, type), names normalised ("items[].sku").
  struct Param {
    const char* in;
    std::string name;
    const char* type;
  };
  std::vector<Param> params;
  size_t used = 0;
};

namespace {

// "application/json; charset=utf-8" → "application/json".
void media_type(const std::vector<HttpHeader>& headers, std::string& out) {
  out.clear();
  for (const HttpHeader& h : headers) {
    if (!ascii_iequals(h.name, "Content-Type")) continue;
    std::string_view v = h.value;
    v = v.substr(0, v.find(';'));
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    for (const char c : v.substr(0, 128)) out += ascii_lower(c);
    return;
  }
}

// The JSON type a value's text suggests (query and form values are text: "42" reads as an
// integer there too).
const char* value_type(std::string_view v) {
  if (v == "true" || v == "false") return "boolean";
  if (v.empty()) return "string";
  size_t i = v[0] == '-' ? 1 : 0;
  if (i == v.size()) return "string";
  bool digits = false, dot = false, exp = false;
  for (; i < v.size(); ++i) {
    const char c = v[i];
    if (c >= '0' && c <= '9') {
      digits = true;
    } else if (c == '.' && !dot && !exp) {
      dot = true;
    } else if ((c == 'e' || c == 'E') && digits && !exp) {
      exp = true;
      if (i + 1 < v.size() && (v[i + 1] == '+' || v[i + 1] == '-')) ++i;
    } else {
      return "string";
    }
  }
  if (!digits) return "string";
  return dot || exp ? "number" : "integer";
}

// "$.items[3].sku" → "items[].sku"; "meta$.user.id" (a multipart part) → "meta.user.id".
void param_name(std::string_view path, std::string& out) {
  out.clear();
  for (size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (c == '$') continue;
    if (c == '[' && i + 1 < path.size() && path[i + 1] >= '0' && path[i + 1] <= '9') {
      size_t j = i + 1;
      while (j < path.size() && path[j] >= '0' && path[j] <= '9') ++j;
      if (j < path.size() && path[j] == ']') {
        out += "[]";
        i = j;
        continue;
      }
    }
    if (c == '.' && out.empty()) continue;
    out += c;
  }
}

}  // namespace

StatefulStage::StatefulStage(const WorkerConfig& cfg, TransactionSink& sink)
    : cfg_(cfg), sink_(sink) {
  templater_ = std::make_unique<detect::PathTemplater>(cfg_.templates);
  inventory_ = std::make_unique<detect::Inventory>(cfg_.inventory);
  obs_ = std::make_unique<ObservationScratch>();
  if (cfg_.auth) {
    detect::HygieneConfig h = cfg_.hygiene;
    h.mask = cfg_.detect.mask_samples;
    hygiene_ = std::make_unique<detect::HygieneChecker>(h);
    activity_builder_ = std::make_unique<detect::ActivityBuilder>(cfg_.activity);
    if (cfg_.abuse.enabled) abuse_ = std::make_unique<detect::AbuseDetector>(cfg_.abuse);
  }
  if (cfg_.tls && cfg_.tls_checks.enabled)
    tls_checker_ = std::make_unique<detect::TlsChecker>(cfg_.tls_checks);
  if (cfg_.spec) {
    detect::SpecConformanceConfig sc = cfg_.spec_check;
    sc.min_severity = cfg_.detect.min_severity;
    spec_check_ = std::make_unique<detect::SpecConformance>(cfg_.spec, sc);
  }
}

StatefulStage::~StatefulStage() = default;

void StatefulStage::on_report(TransactionReport& r) {
  if (r.kind == TransactionReport::Kind::tls_handshake) {
    on_tls_handshake(r);
  } else {
    on_transaction(r);
  }
}

void StatefulStage::on_tls_handshake(const TransactionReport& r) {
  if (r.time_us > now_us_) now_us_ = r.time_us;
  if (!tls_checker_) return;
  findings_.clear();
  char ip[kIpTextMax];
  const std::string_view server(ip, ip_text(r.server_ip, ip));
  tls_checker_->check_handshake(r.tls, server, r.server_port, r.time_us, findings_);
  if (findings_.empty()) return;
  // A handshake finding belongs to no transaction: an empty one carries its time.
  none_.request_ts_us = r.time_us;
  none_.end_ts_us = r.time_us;
  const FlowContext ctx = r.flow();
  for (detect::Finding& finding : findings_) {
    if (finding.severity < cfg_.detect.min_severity) continue;
    sink_.write_finding(ctx, none_, finding);
  }
}

void StatefulStage::on_transaction(TransactionReport& r) {
  HttpTransaction& txn = r.txn;
  if (txn.request_ts_us > now_us_) now_us_ = txn.request_ts_us;
  const FlowContext ctx = r.flow();
  std::vector<detect::Finding>& found = r.found;
  endpoint_of(txn);
  const std::string_view identity = r.has_identity ? std::string_view(r.id_label) : "";
  for (detect::Finding& finding : found) {
    finding.endpoint = endpoint_;
    finding.identity.assign(identity);
    sink_.write_finding(ctx, txn, finding);
  }
  if (hygiene_ && r.has_identity) {
    findings_.clear();
    hygiene_->check(txn, r.id, found, /*cleartext=*/!ctx.decrypted, findings_, endpoint_);
    if (tls_checker_ && !ctx.decrypted) {
      char ip[kIpTextMax];  // text on the stack: no allocation per transaction
      const std::string_view server(ip, ip_text(r.server_ip, ip));
      tls_checker_->check_cleartext(txn, host_, server, r.id, found, txn.request_ts_us, findings_);
    }
    // The stateful detectors see every transaction that has a request.
    if (abuse_ && !txn.method.empty()) {
      activity_builder_->build(txn, r.id, r.id_hash, r.id_label, r.fields, found, host_, path_,
                               template_, endpoint_, activity_);
      abuse_->observe(activity_, findings_);
    }
    for (detect::Finding& finding : findings_) {
      finding.endpoint = endpoint_;
      finding.identity.assign(identity);
      if (finding.severity < cfg_.detect.min_severity) {
        ++below_min_severity_;
        continue;
      }
      sink_.write_finding(ctx, txn, finding);
    }
  }
  if (spec_check_) {
    findings_.clear();
    const int status = txn.has_response ? txn.status : 0;
    spec_check_->check({host_, txn.method, path_, endpoint_, status, txn.request_ts_us}, found,
                       findings_);
    for (detect::Finding& finding : findings_) {
      finding.endpoint = endpoint_;
      finding.identity.assign(identity);
      sink_.write_finding(ctx, txn, finding);
    }
  }
  observe(r);
}

// "GET /users/{id}": the method and the template of the path on its host (the Host header,
// lower-case; an absolute-form target's authority; HTTP/2's :authority).
void StatefulStage::endpoint_of(const HttpTransaction& t) {
  std::string_view path = t.uri;
  host_.clear();
  const size_t scheme = path.find("://");
  if (scheme != std::string_view::npos && scheme < 16 && path.front() != '/') {
    const size_t slash = path.find('/', scheme + 3);
    host_.assign(path.substr(scheme + 3, slash - (scheme + 3)));
    path = slash == std::string_view::npos ? std::string_view("/") : path.substr(slash);
  }
  if (host_.empty()) {
    for (const HttpHeader& h : t.request_headers) {
      if (ascii_iequals(h.name, "Host")) {
        host_.assign(h.value);
        break;
      }
    }
  }
  if (host_.empty()) host_.assign(t.authority);  // HTTP/2
  for (char& c : host_) c = ascii_lower(c);
  path = path.substr(0, path.find_first_of("?#"));
  path_ = path;
  templater_->templ(host_, path, template_);
  endpoint_.assign(t.method);
  endpoint_ += ' ';
  endpoint_ += template_;
}

void StatefulStage::observe(const TransactionReport& r) {
  const HttpTransaction& t = r.txn;
  const std::vector<detect::Finding>& found = r.found;
  // A response whose request was never seen (picked up midstream, after a gap) names no
  // endpoint.
  if (t.method.empty()) return;
  ObservationScratch& s = *obs_;
  detect::Observation& o = s.o;
  o.host = host_;
  o.method = t.method;
  o.path_template = template_;
  o.time_us = t.request_ts_us;
  o.status = t.has_response ? t.status : 0;
  o.auth_kind = r.auth_kind;
  media_type(t.request_headers, s.request_type);
  media_type(t.response_headers, s.response_type);
  o.request_content_type = s.request_type;
  o.response_content_type = s.response_type;

  // Parameters: query names and body keys, once each (a JSON list repeats its keys per item).
  s.used = 0;
  const detect::FieldList& fields = r.fields;
  std::string name;
  for (size_t i = 0; i < fields.size(); ++i) {
    const detect::Field f = fields[i];
    // The extractor lists the request's fields first: the response's (most of them, in a JSON
    // list) are not parameters.
    if (f.part == detect::Part::response_header || f.part == detect::Part::response_body) break;
    const bool query = f.part == detect::Part::request_query;
    if (!query && (f.part != detect::Part::request_body || f.raw)) continue;
    param_name(query ? f.key : f.path, name);
    if (name.empty()) continue;
    const char* in = query ? "query" : "body";
    const char* type = value_type(f.value);
    bool seen = false;
    for (size_t k = 0; k < s.used && !seen; ++k) {
      ObservationScratch::Param& p = s.params[k];
      if (p.in == in && p.name == name) {
        if (std::strcmp(p.type, type) != 0) p.type = "mixed";
        seen = true;
      }
    }
    if (seen) continue;
    if (s.used == cfg_.inventory.max_params) break;  // the inventory counts what it refuses
    if (s.used == s.params.size()) s.params.emplace_back();
    ObservationScratch::Param& p = s.params[s.used++];
    p.in = in;
    p.name = name;
    p.type = type;
  }
  o.params.clear();
  for (size_t k = 0; k < s.used; ++k)
    o.params.push_back({s.params[k].in, s.params[k].name, s.params[k].type});

  o.request_data_classes.clear();
  o.response_data_classes.clear();
  for (const detect::Finding& f : found) {
    if (f.kind != detect::RuleKind::data) continue;
    (f.in_response ? o.response_data_classes : o.request_data_classes).push_back(f.data_class);
  }
  inventory_->observe(o);
  inventory_->take_changed(
      [&](const detect::Endpoint& ep) { sink_.write_endpoint(ep, t.request_ts_us); });
  if (last_inventory_report_us_ == 0) last_inventory_report_us_ = t.request_ts_us;
  if (t.request_ts_us - last_inventory_report_us_ >= cfg_.inventory_report_us) {
    report_inventory(t.request_ts_us);
  }
}

void StatefulStage::report_inventory(int64_t time_us) {
  last_inventory_report_us_ = time_us;
  inventory_->take_changed([](const detect::Endpoint&) {});  // all of them follow
  inventory_->for_each([&](const detect::Endpoint& ep) { sink_.write_endpoint(ep, time_us); });
}

void StatefulStage::finish(int64_t now_us) {
  if (now_us > now_us_) now_us_ = now_us;
  // The inventory as it stands at the end: every endpoint once more.
  if (inventory_->size() > 0) report_inventory(now_us_);
}

}  // namespace mirador
