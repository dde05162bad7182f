// One simulated TCP connection carrying keep-alive HTTP/1.1 exchanges, as seen from a tap next
// to the server: handshake, request batches (pipelined when pipeline > 1), responses, pure ACKs
// every second segment, FIN teardown. With `http2` the same exchanges travel as HTTP/2 streams
// (h2_framer.h): a batch is `h2_streams` concurrent streams.
//
// The connection plans one "flight" (a handshake, a request batch, a response batch or the
// teardown) at a time into a small reusable vector; the generator asks for the next packet's
// time and interleaves many connections by it. Payload bytes stay in the connection's request
// and response buffers until their flight is written, so frames never copy them twice.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tools/traffic_gen/frame_builder.h"
#include "tools/traffic_gen/gen_stats.h"
#include "tools/traffic_gen/h2_framer.h"
#include "tools/traffic_gen/http_builder.h"
#include "tools/traffic_gen/pcap_sink.h"
#include "tools/traffic_gen/rng.h"

namespace mirador::gen {

struct ConnectionConfig {
  uint32_t mss = 1460;
  uint32_t pipeline = 1;     // requests sent before their responses
  double loss = 0;           // fraction of data segments missing from the capture
  double reorder = 0;        // chance that a data segment swaps with the next one
  bool http2 = false;        // HTTP/2 with prior knowledge instead of HTTP/1.1
  uint32_t h2_streams = 10;  // HTTP/2: concurrent streams per batch
};

class TcpConnection {
 public:
  TcpConnection(const ConnectionConfig& config, HttpBuilder& http, GenStats& stats);

  // (Re)starts this object as a new connection; buffers keep their capacity. A `scripted`
  // client (an attack tool) sits close to the server and sends its next request at once.
  void open(const Endpoint& client, const Endpoint& server, ClientContext context,
            uint32_t transactions, uint64_t start_us, uint64_t seed, bool scripted = false);

  bool done() const { return phase_ == Phase::kDone; }
  uint64_t next_time_us() const { return flight_[next_].ts_us; }

  // Writes (or, for a lost segment, skips) the next packet and plans the following flight
  // when this one is finished. With `stopping` set no new request batch is started.
  void emit_next(FrameBuilder& frames, PcapSink& sink, bool stopping);

 private:
  enum class Phase : uint8_t { kHandshake, kRequests, kResponses, kTeardown, kDone };

  struct Planned {
    uint64_t ts_us;
    uint32_t seq;
    uint32_t ack;
    uint32_t offset;  // payload slice of request_ (client) or response_ (server)
    uint32_t len;
    uint8_t flags;
    bool from_client;
    bool syn_options;
    bool dropped;
  };

  void plan_next(uint64_t now_us, bool stopping);
  void plan_handshake(uint64_t t);
  void plan_request_batch(uint64_t t);
  void plan_teardown(uint64_t t);
  // Segments `len` bytes from the given side at MSS, with the peer ACKing every 2nd segment.
  void plan_data(bool from_client, uint32_t len, uint64_t t, bool trailing_ack);
  void add(uint64_t ts, bool from_client, uint8_t flags, uint32_t seq, uint32_t ack,
           uint32_t offset = 0, uint32_t len = 0, bool syn_options = false);
  void finish_flight();  // time-sort, then apply loss and reordering

  const ConnectionConfig& config_;
  HttpBuilder& http_;
  GenStats& stats_;
  Rng rng_;
  Rng net_rng_;  // loss and reordering only: the same seed keeps the same HTTP content
  Endpoint client_, server_;
  ClientContext context_;
  uint32_t remaining_ = 0;  // transactions not yet sent
  uint32_t client_seq_ = 0, server_seq_ = 0;
  uint16_t client_ip_id_ = 0, server_ip_id_ = 0;
  uint32_t rtt_us_ = 0;  // tap-to-client round trip
  bool scripted_ = false;
  Phase phase_ = Phase::kDone;
  std::vector<Planned> flight_;
  size_t next_ = 0;
  std::string request_;
  std::string response_;
  // HTTP/2: the batch's HTTP/1.1 text, framed into request_ / response_ by h2_.
  std::unique_ptr<H2Framer> h2_;
  std::string h1_request_, h1_response_;
  std::vector<H2Framer::Exchange> h2_batch_;
};

}  // namespace mirador::gen
