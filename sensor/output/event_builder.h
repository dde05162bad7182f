// EventBuilder: a transaction and its flow as a mirador.v1.Event, the message every binary sink
// (protobuf file, later gRPC and Kafka) serialises. The JSON-lines writer produces the proto3
// JSON of exactly this message (tests/sensor/event_json_equivalence_test.cc proves it).
//
// One Event is reused for every transaction. Clear() is not used: on a message outside an arena
// it deletes the submessages (flow, time, the oneof payload), so each event would allocate them
// again. Instead every field is overwritten, strings and repeated fields keep their capacity and
// the tunnel submessage is parked when absent: no allocation per event in the steady state.
#pragma once

#include "detectors/inventory/inventory.h"

#include <memory>
#include <string>

#include "mirador/v1/event.pb.h"
#include "sensor/output/event_sink.h"
#include "sensor/output/masking.h"

namespace mirador {

class EventBuilder {
 public:
  // With masking enabled, credentials in the request target and the referrer are masked as in
  // the JSON records.
  explicit EventBuilder(const MaskingConfig& masking);
  ~EventBuilder();
  EventBuilder(const EventBuilder&) = delete;
  EventBuilder& operator=(const EventBuilder&) = delete;

  // The event for this transaction; valid until the next call.
  const v1::Event& build(const EventHeader& h, const FlowContext& flow, const HttpTransaction& t);
  // The event for a finding about `t` (its own message: switching one Event between payloads
  // would free and allocate the submessages each time); valid until the next call.
  const v1::Event& build_finding(const EventHeader& h, const FlowContext& flow,
                                 const HttpTransaction& t, const detect::Finding& f);

  // The event for an endpoint of the inventory, at `h`'s time; valid until the next call.
  const v1::Event& build_endpoint(const EventHeader& h, const detect::Endpoint& ep);
  // The event for a TLS connection's handshake; valid until the next call.
  const v1::Event& build_tls(const EventHeader& h, const FlowContext& flow,
                             const tls::TlsInfo& info);

  uint64_t masked_values() const { return masked_; }

 private:
  v1::Event event_;
  v1::Event finding_event_;
  v1::Event endpoint_event_;
  v1::Event tls_event_;
  std::unique_ptr<v1::Tunnel> spare_tunnel_;  // owned here while the current flow has none
  std::unique_ptr<v1::Tunnel> spare_finding_tunnel_;
  std::unique_ptr<v1::Tunnel> spare_tls_tunnel_;
  std::unique_ptr<UriMasker> masker_;  // null when masking is off
  std::string scratch_, masked_uri_, masked_referrer_;
  uint64_t masked_ = 0;
};

}  // namespace mirador
