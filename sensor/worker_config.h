// WorkerConfig: everything the packet path and the detectors behind it are configured with —
// decoding, flows, reassembly, HTTP/1.x, HTTP/2, TLS, detection, identity, hygiene, abuse and
// the inventory. Filled from SensorConfig (sensor/config.h); shared by every worker and by the
// stateful stage.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "decoders/http1/http1_session.h"
#include "decoders/http2/http2_session.h"
#include "decoders/packet/packet_decoder.h"
#include "decoders/tcp/tcp_stream.h"
#include "decoders/tls/key_log.h"
#include "decoders/tls/tls_session.h"
#include "detectors/abuse/abuse_detector.h"
#include "detectors/auth/hygiene.h"
#include "detectors/auth/identity.h"
#include "detectors/engine/detection_engine.h"
#include "detectors/inventory/inventory.h"
#include "detectors/inventory/path_template.h"
#include "detectors/inventory/spec_conformance.h"
#include "detectors/tls/tls_checks.h"
#include "sensor/flow_table.h"
#include "sensor/reload/rules_slot.h"

namespace mirador {

struct WorkerConfig {
  PacketDecoderConfig decoder;
  FlowTableConfig flows;
  TcpStreamConfig tcp;
  size_t tcp_memcap = 256u << 20;  // all out-of-order bytes held by this worker
  Http1Limits http;
  // Ports whose connections are parsed as HTTP even when the first bytes seen are not (a flow
  // picked up in the middle of a body); the parser then resynchronises on the next message.
  std::vector<uint16_t> http_port_hints = {80, 8000, 8008, 8080, 8888, 3000, 5000, 9000};
  // http2.*: HTTP/2 by prior knowledge, h2c upgrade, midstream pickup, and inside TLS (ALPN h2).
  // Its body caps are http.max_body_inspect / http.max_decompress_ratio.
  bool http2 = true;
  Http2Limits http2_limits;
  // tls.*: TLS handshakes (metadata, fingerprints, certificates) and, with a key log, decryption.
  bool tls = true;
  tls::TlsLimits tls_limits;
  // tls.keylog_file, loaded by the caller (null: no decryption). Shared read-mostly: the worker
  // refreshes it (appended lines) at most every tls_keylog_refresh_us of capture time.
  std::shared_ptr<tls::KeyLog> keylog;
  int64_t tls_keylog_refresh_us = 100'000;
  detect::TlsCheckConfig tls_checks;  // tls.checks and friends (with detection on)
  detect::DetectionConfig detect;     // detect.*: the engine's limits (the rules come compiled)
  // auth.enabled: who made each request (identity.*) and the authentication-hygiene findings
  // (auth.*), with detection on.
  bool auth = true;
  detect::IdentityConfig identity;
  detect::HygieneConfig hygiene;
  // identity.hash_key: the key of the hash identities leave the sensor as (http events'
  // `identity`, findings' `identity`); empty: a random key per process.
  std::string identity_hash_key;
  // abuse.*: the stateful detectors (with auth.enabled), fed one Activity per transaction.
  detect::AbuseConfig abuse;
  detect::ActivityConfig activity;
  detect::TemplateConfig templates;   // inventory.*: endpoint templates named in findings
  detect::InventoryConfig inventory;  // inventory.*: the endpoints seen
  // inventory.report_interval: every endpoint is written again after this much capture time
  // (new and changed ones are written at once).
  int64_t inventory_report_us = 3600 * 1'000'000LL;
  // inventory.openapi_spec, loaded by the caller: shadow and zombie endpoints (with detection on).
  std::shared_ptr<const detect::OpenApiSpec> spec;
  detect::SpecConformanceConfig spec_check;  // inventory.spec_report_*
  // Where a reload (SIGHUP) publishes new rules; each worker's engine switches at its next
  // transaction. Null: the rules never change.
  std::shared_ptr<const RulesSlot> rules_slot;
};

}  // namespace mirador
