// Flow: the state of one connection in a worker's flow table — both TCP directions, the
// application parser once the protocol is known, counters and timestamps. Flows are pooled by the
// table and reused, so the steady state allocates nothing per packet.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "decoders/http1/http1_session.h"
#include "decoders/http2/http2_session.h"
#include "decoders/tcp/tcp_stream.h"
#include "decoders/tls/tls_session.h"
#include "sensor/flow_key.h"

namespace mirador {

enum class TcpState : uint8_t {
  none,         // UDP, or TCP before anything meaningful
  syn_sent,     // SYN seen
  syn_recv,     // SYN-ACK seen
  established,  // data or the final ACK seen (also: picked up midstream)
  closing,      // one FIN seen
  closed,       // both FINs delivered, or RST
};

// Flows age out on the timeout of their class; each class is its own LRU list in the table, so
// the head of a list is always the next flow of that class to expire.
enum class TimeoutClass : uint8_t { fresh, established, closing, closed, udp, count_ };
inline constexpr size_t kTimeoutClassCount = static_cast<size_t>(TimeoutClass::count_);

// What runs directly on the TCP connection. Inside TLS, the HTTP layer (http / h2 below) is the
// decrypted one.
enum class AppProto : uint8_t { unknown, http1, http2, tls, none };

struct Flow {
  FlowKey key;
  uint64_t hash = 0;
  TunnelKind tunnel = TunnelKind::none;  // innermost tunnel of the first packet, for records
  uint32_t tunnel_id = 0;

  // Intrusive LRU links (owned by FlowTable).
  Flow* lru_prev = nullptr;
  Flow* lru_next = nullptr;
  TimeoutClass tclass = TimeoutClass::fresh;

  int64_t first_ts_us = 0;
  int64_t last_ts_us = 0;
  // Set by the owner at creation: the index of the flow's first packet in the capture (the
  // order flows released together are released in), and how many reports it has emitted.
  uint64_t order = 0;
  uint32_t reports = 0;
  // Bytes of session state charged to the table's memcap (FlowTable::charge), beyond the Flow.
  uint32_t charged_bytes = 0;
  uint64_t packets[2] = {0, 0};  // per side (0: lo → hi, 1: hi → lo)
  uint64_t bytes[2] = {0, 0};

  TcpState state = TcpState::none;
  bool syn_seen[2] = {false, false};
  bool fin_seen[2] = {false, false};
  bool ended[2] = {false, false};      // the app layer was told side i finished
  std::optional<TcpStream> stream[2];  // data sent BY side i

  AppProto app = AppProto::unknown;
  int8_t client_side = -1;  // which side is the client (HTTP or TLS), once known
  uint8_t sniff_len[2] = {0, 0};
  uint8_t sniff[2][32];               // first bytes of each side, while the protocol is unknown
  bool not_http[2] = {false, false};  // side i's first bytes are not HTTP/1.x
  // HttpEvasion bits (TCP overlap conflict, IP fragment overlap) seen on side i's bytes before
  // the protocol was known: handed to the HTTP session's first message when it starts.
  uint32_t evasion_pending[2] = {0, 0};
  // The HTTP layer: at most one of http (HTTP/1.x, until an h2c switch) and h2 is set; on a TLS
  // connection they run on the decrypted bytes.
  std::unique_ptr<Http1Session> http;
  std::unique_ptr<Http2Session> h2;
  std::unique_ptr<tls::TlsSession> tls;

  std::string community_id;  // computed on first use

  bool is_tcp() const { return key.proto == 6; }
};

}  // namespace mirador
