// TransactionSink: where completed HTTP transactions go, with the flow context a record needs.
// The JSON-lines writer is one; the protobuf event pipeline (issue 3) will be another.
#pragma once

#include <cstdint>
#include <string_view>

#include "decoders/http1/http_transaction.h"
#include "decoders/packet/ip_address.h"
#include "decoders/packet/packet_view.h"

namespace mirador {

struct FlowContext {
  const IpAddress* client_ip = nullptr;
  uint16_t client_port = 0;
  const IpAddress* server_ip = nullptr;
  uint16_t server_port = 0;
  const uint16_t* vlan = nullptr;
  uint8_t vlan_count = 0;
  TunnelKind tunnel = TunnelKind::none;
  uint32_t tunnel_id = 0;
  std::string_view community_id;
};

struct OutputCounters {
  uint64_t records = 0;
  uint64_t write_errors = 0;
  uint64_t masked_values = 0;  // credentials masked in records
};

class TransactionSink {
 public:
  virtual ~TransactionSink() = default;
  virtual void write(const FlowContext& flow, const HttpTransaction& txn) = 0;
  virtual void flush() = 0;
  virtual OutputCounters counters() const = 0;
};

}  // namespace mirador
