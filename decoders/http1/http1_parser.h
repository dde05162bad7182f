// Http1Parser: cuts one direction's byte stream into HTTP/1.x messages (start line, header
// section, body) and reports them through Http1ParserCallbacks. It knows syntax and framing
// mechanics (Content-Length, chunked with extensions and trailers, close-delimited), never the
// pairing of requests and responses: the session decides each message's body framing in
// on_headers_complete, because a response's framing depends on its request (HEAD, CONNECT).
//
// Incremental: any split of the input, down to one byte at a time, gives the same callbacks.
// Lines are accumulated in one reused buffer capped at Http1Limits::max_line; body bytes are
// passed through without copying.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "decoders/http1/http1_session.h"
#include "decoders/http1/http_transaction.h"

namespace mirador {

// What the parser learnt from a message's start line and header section.
struct Http1MessageHead {
  // Request: method, target, version ("1.1"; "0.9" when absent). Response: version, status, reason.
  std::string method;
  std::string target;
  std::string version;
  int status = 0;
  std::string reason;
  bool http09 = false;              // request line without version, or a raw HTTP/0.9 response
  std::vector<HttpHeader> headers;  // as stored, within max_headers / max_header_bytes

  // Framing facts, computed from every header line, even those past the storage caps.
  enum class Cl : uint8_t { none, valid, conflict, bad };
  Cl content_length_state = Cl::none;
  uint64_t content_length = 0;
  bool has_transfer_encoding = false;
  bool te_chunked_last = false;  // final transfer coding is chunked
  bool te_unknown = false;       // a transfer coding we do not know

  void clear();
};

enum class BodyFraming : uint8_t {
  none,     // no body: the message ends with its header section
  length,   // Content-Length bytes
  chunked,  // chunked transfer coding
  close,    // until the end of the direction
  invalid,  // framing cannot be determined: message ends here, then resynchronise
};

// What to do after the message completes.
enum class AfterMessage : uint8_t {
  next,   // parse the next message
  pause,  // stop consuming until resume() (request awaiting a possible protocol switch)
  stop,   // the protocol switched: ignore everything from now on
};

struct Http1Framing {
  BodyFraming body = BodyFraming::none;
  uint64_t length = 0;
  AfterMessage after = AfterMessage::next;
};

class Http1ParserCallbacks {
 public:
  virtual ~Http1ParserCallbacks() = default;
  // A start line was parsed (head has the start line fields only). `ts` = its first byte's time.
  virtual void on_message_begin(const Http1MessageHead& head, int64_t ts) = 0;
  // The header section is complete; the callee may move the headers out.
  virtual Http1Framing on_headers_complete(Http1MessageHead& head) = 0;
  virtual void on_body(const uint8_t* data, size_t len) = 0;
  // `len` body bytes were lost in a TCP gap (the message continues after them).
  virtual void on_body_gap(size_t len) = 0;
  virtual void on_trailer(std::string_view name, std::string_view value) = 0;
  // Set on the message in progress (always between begin and complete).
  virtual void on_anomaly(HttpAnomaly a) = 0;
  // An evasion sign in the message in progress (always between begin and complete).
  virtual void on_evasion(HttpEvasion e) = 0;
  // The message ended (normally, truncated, or cut by a gap); `ts` = time of its last byte.
  virtual void on_message_complete(int64_t ts) = 0;
};

class Http1Parser {
 public:
  // `pool` supplies recycled header buffers and takes back the headers the session did not keep.
  Http1Parser(bool is_request, const Http1Limits& limits, Http1Counters& counters,
              Http1ParserCallbacks& cb, Http1Pool& pool);

  // Consumes bytes; returns how many were consumed (less than len only when paused/stopped).
  size_t feed(const uint8_t* data, size_t len, int64_t ts);
  // `len` bytes are missing from the stream: skipped inside a body of known extent, otherwise
  // the message in progress ends (flagged gap_*) and the parser resynchronises.
  void gap(size_t len);
  // The direction ended: a close-delimited body completes, anything else in progress is
  // flagged *_truncated and completed.
  void finish();

  // Response to an HTTP/0.9 request: the whole direction is a raw, close-delimited body.
  void begin_raw_body(int64_t ts);
  void resume();  // after AfterMessage::pause, parse the next message
  void stop();    // ignore everything from now on

  // Between messages with nothing buffered: a new message would start with the next byte.
  bool idle() const;
  bool paused() const { return state_ == State::paused; }
  bool stopped() const { return state_ == State::stopped; }

 private:
  enum class State : uint8_t {
    start_line,
    headers,
    body_length,
    chunk_size,
    chunk_data,
    chunk_data_end,
    trailers,
    body_close,
    resync,
    paused,
    stopped,
  };

  bool line_state() const;
  void end_line(std::string_view line);  // a complete line (terminator removed)
  void process_line(std::string_view line);
  void process_start_line(std::string_view line);
  bool parse_request_line(std::string_view line);
  bool parse_status_line(std::string_view line);
  void process_header_line(std::string_view line, bool trailer);
  void finalize_header(bool trailer);
  void note_framing_header(std::string_view name, std::string_view value);
  void headers_done();
  void process_chunk_size(std::string_view line);
  void complete_message();
  void enter_resync(uint32_t pending_flags);
  void reset_line();
  void gap_at_boundary();
  void anomaly(HttpAnomaly a);
  void evasion(HttpEvasion e);
  // A request's Transfer-Encoding written so that two readers may disagree on it (TE.TE).
  void check_te_spelling(std::string_view raw_value);
  void begin_message();

  const bool is_request_;
  const Http1Limits& limits_;
  Http1Counters& counters_;
  Http1ParserCallbacks& cb_;
  Http1Pool& pool_;

  State state_ = State::start_line;
  bool in_message_ = false;     // between on_message_begin and on_message_complete
  std::string line_;            // current line, capped at max_line
  bool line_overflow_ = false;  // the current line went past max_line
  bool line_started_ = false;   // at least one byte of the current line was seen
  bool line_cr_ = false;        // the last byte before the LF was CR
  size_t line_total_ = 0;       // bytes of the current line, including those past the cap
  int64_t line_ts_ = 0;         // time of the current line's first byte
  int64_t last_ts_ = 0;         // time of the last byte consumed
  uint32_t pending_flags_ = 0;  // anomalies for the next message (gap / resync before it)
  uint32_t flagged_ = 0;        // anomalies already reported for this message (report once)

  Http1MessageHead head_;
  HttpHeader cur_;  // header being assembled (obs-fold may extend its value), moved when stored
  bool have_cur_ = false;
  bool cur_moved_ = true;  // cur_'s buffers went into head_.headers: refill from the pool
  size_t header_bytes_ = 0;
  uint32_t header_count_ = 0;

  uint64_t remaining_ = 0;  // body_length / chunk_data bytes left
  AfterMessage after_ = AfterMessage::next;
};

}  // namespace mirador
