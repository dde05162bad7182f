// HTTP/2 (cleartext, prior knowledge) framing of the generator's exchanges: the HTTP/1.1
// requests and responses HttpBuilder writes are turned into HEADERS (HPACK-encoded with
// nghttp2's deflater, one dynamic table per direction and connection) and DATA frames, so both
// modes carry the same transactions.
//
// One connection's framer: the first batch opens with the client preface, SETTINGS and a
// connection WINDOW_UPDATE each way (the server also ACKs the client's SETTINGS; the client ACKs
// the server's at the start of its next flight). A batch's requests are concurrent streams
// (odd ids counting up): the client sends every stream's HEADERS, then the request bodies'
// DATA frames round-robin; the server answers with HEADERS and DATA frames of the streams
// interleaved round-robin, DATA frames of 2..16 KiB (never over 16384 bytes, the default
// SETTINGS_MAX_FRAME_SIZE). Chunked HTTP/1.1 bodies are sent de-chunked (no content-length),
// connection-specific headers (Connection, Transfer-Encoding) are dropped and Host becomes
// :authority. Stream windows are set large in SETTINGS; the connection window is topped up
// with WINDOW_UPDATE before half of it is used, so flow control never stalls.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tools/traffic_gen/rng.h"

struct nghttp2_hd_deflater;

namespace mirador::gen {

class H2Framer {
 public:
  H2Framer();
  ~H2Framer();
  H2Framer(const H2Framer&) = delete;
  H2Framer& operator=(const H2Framer&) = delete;

  // Starts a new connection: fresh HPACK tables, stream ids from 1, preface due.
  void reset();

  // One exchange: a complete HTTP/1.1 request and its complete response, as HttpBuilder wrote.
  struct Exchange {
    std::string_view request;
    std::string_view response;
  };

  // Appends the client's frames for `batch` to `client_out` and the server's to `server_out`.
  // `rng` picks DATA frame sizes.
  void frame_batch(const std::vector<Exchange>& batch, Rng& rng, std::string& client_out,
                   std::string& server_out);

  static constexpr uint32_t kMaxFrame = 16384;

 private:
  struct Side {
    nghttp2_hd_deflater* deflater = nullptr;
    uint64_t window_used = 0;  // DATA bytes sent since the peer's last connection WINDOW_UPDATE
  };
  // A message split into header fields (names lower-cased, pseudo-headers first) and body.
  struct Message {
    std::vector<std::string> names;
    std::vector<std::string> values;
    std::string body;
  };

  static void parse_request(std::string_view text, Message& m);
  static void parse_response(std::string_view text, Message& m);
  void append_headers(std::string& out, Side& side, uint32_t stream, const Message& m,
                      bool end_stream);
  static void append_frame_header(std::string& out, uint32_t len, uint8_t type, uint8_t flags,
                                  uint32_t stream);
  static void append_settings(std::string& out, bool client);
  static void append_window_update(std::string& out, uint32_t stream, uint32_t increment);

  Side client_, server_;
  uint32_t next_stream_ = 1;
  bool started_ = false;
  bool client_settings_ack_due_ = false;
  std::vector<Message> requests_, responses_;  // reused per batch
  std::vector<uint8_t> hpack_;                 // one encoded header block
};

}  // namespace mirador::gen
