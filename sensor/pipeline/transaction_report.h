// TransactionReport: what a worker hands the stateful detectors about one transaction (or one
// TLS handshake) — the design's `Observation`. The worker decodes, extracts the identity, writes
// the http event and runs the detection engine (the per-transaction work that parallelises);
// everything that needs more than one transaction (endpoint templates, hygiene's report-once,
// the abuse detectors, the TLS host checks, the OpenAPI check, the inventory) runs on what this
// report carries, in one place (StatefulStage), whichever worker saw the connection.
//
// A report owns its data: the transaction is swapped in (the session's pool gets the report's
// previous one back), the engine's fields and findings are swapped in, the flow's addresses are
// copied, so the flow may be gone by the time the report is read. Reports are recycled between a
// worker and the aggregator: their strings and vectors keep their capacity.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "decoders/http1/http_transaction.h"
#include "decoders/packet/ip_address.h"
#include "decoders/packet/packet_view.h"
#include "decoders/tls/tls_info.h"
#include "detectors/auth/identity.h"
#include "detectors/fields/field.h"
#include "detectors/finding.h"
#include "sensor/output/transaction_sink.h"

namespace mirador {

struct TransactionReport {
  enum class Kind : uint8_t { transaction, tls_handshake };
  Kind kind = Kind::transaction;

  // The order the stateful stage reads reports in: the capture index of the packet (or tick,
  // or end) whose processing emitted it, the index of its flow's first packet, its number within
  // the flow. One worker emits in increasing key order; the aggregator merges the workers by it,
  // so what the stateful detectors see does not depend on the number of workers.
  struct Key {
    uint64_t packet = 0;
    uint64_t flow = 0;
    uint32_t n = 0;
    bool operator<(const Key& o) const {
      if (packet != o.packet) return packet < o.packet;
      if (flow != o.flow) return flow < o.flow;
      return n < o.n;
    }
  };
  Key key;

  // The flow, by value.
  IpAddress client_ip, server_ip;
  uint16_t client_port = 0, server_port = 0;
  uint16_t vlan[2] = {0, 0};
  uint8_t vlan_count = 0;
  TunnelKind tunnel = TunnelKind::none;
  uint32_t tunnel_id = 0;
  std::string community_id;
  bool decrypted = false;

  // Kind::transaction.
  HttpTransaction txn;
  detect::FieldList fields;            // the detection engine's, for this transaction
  std::vector<detect::Finding> found;  // the engine's findings (endpoint and identity unset)
  bool has_identity = false;           // auth.enabled: id, id_label and id_hash are set
  detect::Identity id;
  std::string id_label;                 // "h:3f2a…"
  uint64_t id_hash = 0;                 // abuse_hash of the identity key
  std::string_view auth_kind = "none";  // a static name

  // Kind::tls_handshake.
  tls::TlsInfo tls;
  int64_t time_us = 0;

  // Copies the flow from a worker's context (the views point into the flow).
  void set_flow(const FlowContext& ctx) {
    client_ip = *ctx.client_ip;
    server_ip = *ctx.server_ip;
    client_port = ctx.client_port;
    server_port = ctx.server_port;
    vlan_count = ctx.vlan_count;
    for (uint8_t i = 0; i < ctx.vlan_count && i < 2; ++i) vlan[i] = ctx.vlan[i];
    tunnel = ctx.tunnel;
    tunnel_id = ctx.tunnel_id;
    community_id.assign(ctx.community_id);
    decrypted = ctx.decrypted;
  }
  // The context events are written with: views into this report.
  FlowContext flow() const {
    FlowContext c;
    c.client_ip = &client_ip;
    c.client_port = client_port;
    c.server_ip = &server_ip;
    c.server_port = server_port;
    c.vlan = vlan;
    c.vlan_count = vlan_count;
    c.tunnel = tunnel;
    c.tunnel_id = tunnel_id;
    c.community_id = community_id;
    c.decrypted = decrypted;
    if (kind == Kind::transaction) {
      c.auth_kind = has_identity ? auth_kind : std::string_view();
      c.identity = has_identity ? std::string_view(id_label) : std::string_view();
    }
    return c;
  }
};

}  // namespace mirador
