#include "decoders/http1/http1_parser.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "decoders/ascii.h"
#include "decoders/http1/http1_syntax.h"

namespace mirador {

using http1::trim_ows;

namespace {

// Header names are checked byte by byte: a table instead of an out-of-line call per byte.
const std::array<bool, 256> kTchar = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) t[static_cast<size_t>(c)] = http1::is_tchar(static_cast<char>(c));
  return t;
}();

bool is_tchar(char c) {
  return kTchar[static_cast<uint8_t>(c)];
}

// ascii_iequals inlines; its length test rejects most header names at once.
bool iequals(std::string_view a, std::string_view b) {
  return ascii_iequals(a, b);
}

bool is_ows(char c) {
  return c == ' ' || c == '\t';
}

// A standard method written in another case ("gEt"): methods are case-sensitive (RFC 9110
// §9.1), nginx refuses it, others treat it as an unknown method, a lenient device as GET.
bool method_case_differs(std::string_view m) {
  static constexpr std::string_view kMethods[] = {"GET",     "HEAD",    "POST",  "PUT",  "DELETE",
                                                  "CONNECT", "OPTIONS", "TRACE", "PATCH"};
  bool lower = false;
  for (char c : m) lower |= (c >= 'a' && c <= 'z');
  if (!lower) return false;
  for (std::string_view k : kMethods) {
    if (iequals(m, k)) return true;
  }
  return false;
}

}  // namespace

void Http1MessageHead::clear() {
  method.clear();
  target.clear();
  version.clear();
  status = 0;
  reason.clear();
  http09 = false;
  headers.clear();
  content_length_state = Cl::none;
  content_length = 0;
  has_transfer_encoding = false;
  te_chunked_last = false;
  te_unknown = false;
}

Http1Parser::Http1Parser(bool is_request, const Http1Limits& limits, Http1Counters& counters,
                         Http1ParserCallbacks& cb, Http1Pool& pool)
    : is_request_(is_request), limits_(limits), counters_(counters), cb_(cb), pool_(pool) {}

bool Http1Parser::line_state() const {
  switch (state_) {
    case State::start_line:
    case State::headers:
    case State::chunk_size:
    case State::chunk_data_end:
    case State::trailers:
    case State::resync:
      return true;
    default:
      return false;
  }
}

bool Http1Parser::idle() const {
  return state_ == State::start_line && !line_started_;
}

void Http1Parser::reset_line() {
  line_.clear();
  line_overflow_ = false;
  line_started_ = false;
  line_cr_ = false;
  line_total_ = 0;
}

void Http1Parser::anomaly(HttpAnomaly a) {
  uint32_t bit = static_cast<uint32_t>(a);
  if (!in_message_) {
    pending_flags_ |= bit;
    return;
  }
  if (flagged_ & bit) return;
  flagged_ |= bit;
  cb_.on_anomaly(a);
}

void Http1Parser::evasion(HttpEvasion e) {
  if (in_message_) cb_.on_evasion(e);
}

void Http1Parser::begin_message() {
  in_message_ = true;
  flagged_ = 0;
  header_bytes_ = 0;
  header_count_ = 0;
  have_cur_ = false;
  cb_.on_message_begin(head_, line_ts_);
  uint32_t pending = pending_flags_;
  pending_flags_ = 0;
  for (uint32_t bit = 1; bit != 0; bit <<= 1) {
    if (pending & bit) anomaly(static_cast<HttpAnomaly>(bit));
  }
}

size_t Http1Parser::feed(const uint8_t* data, size_t len, int64_t ts) {
  size_t i = 0;
  while (i < len) {
    switch (state_) {
      case State::paused:
        return i;
      case State::stopped:
        return i;  // what follows a protocol switch is not ours (the session may keep it)
      case State::body_length:
      case State::chunk_data: {
        size_t n = static_cast<size_t>(std::min<uint64_t>(len - i, remaining_));
        cb_.on_body(data + i, n);
        i += n;
        remaining_ -= n;
        last_ts_ = ts;
        if (remaining_ == 0) {
          if (state_ == State::body_length) {
            complete_message();
          } else {
            state_ = State::chunk_data_end;
          }
        }
        break;
      }
      case State::body_close:
        cb_.on_body(data + i, len - i);
        last_ts_ = ts;
        i = len;
        break;
      default: {
        // A line state: accumulate up to LF, keeping at most max_line bytes.
        const void* nl = std::memchr(data + i, '\n', len - i);
        size_t end = nl ? static_cast<size_t>(static_cast<const uint8_t*>(nl) - data) : len;
        if (!line_started_) {
          line_started_ = true;
          line_ts_ = ts;
        }
        if (nl && line_total_ == 0 && end - i <= limits_.max_line) {
          // The whole line is in this buffer: parse it in place, without copying it to line_.
          std::string_view line(reinterpret_cast<const char*>(data + i), end - i);
          line_total_ = line.size();
          line_cr_ = !line.empty() && line.back() == '\r';
          if (line_cr_) line.remove_suffix(1);
          last_ts_ = ts;
          i = end + 1;
          end_line(line);
          break;
        }
        if (end > i) {
          size_t n = end - i;
          line_total_ += n;
          line_cr_ = data[end - 1] == '\r';
          if (line_.size() < limits_.max_line) {
            size_t keep = std::min(n, limits_.max_line - line_.size());
            line_.append(reinterpret_cast<const char*>(data + i), keep);
          }
          if (line_total_ > limits_.max_line) line_overflow_ = true;
        }
        last_ts_ = ts;
        i = end;
        if (nl) {
          ++i;  // the LF
          std::string_view line = line_;
          if (line_cr_ && !line.empty() && line.back() == '\r') line.remove_suffix(1);
          end_line(line);
        }
        break;
      }
    }
  }
  return len;
}

void Http1Parser::end_line(std::string_view line) {
  if (state_ != State::resync) {
    if (!line_cr_) anomaly(HttpAnomaly::bare_lf);
    if (line_overflow_) {
      ++counters_.line_too_long;
      anomaly(HttpAnomaly::line_too_long);
    }
  }
  process_line(line);
  reset_line();
}

void Http1Parser::process_line(std::string_view line) {
  const size_t wire = line_total_ + 1;
  switch (state_) {
    case State::start_line:
      process_start_line(line);
      break;
    case State::headers:
      header_bytes_ += wire;
      process_header_line(line, false);
      break;
    case State::trailers:
      header_bytes_ += wire;
      process_header_line(line, true);
      break;
    case State::chunk_size:
      process_chunk_size(line);
      break;
    case State::chunk_data_end:
      if (!line.empty()) {  // the chunk was longer than its size said
        anomaly(HttpAnomaly::bad_chunk_size);
        complete_message();
        enter_resync(0);
      } else {
        state_ = State::chunk_size;
      }
      break;
    case State::resync: {
      bool found =
          !line_overflow_ && (is_request_ ? http1::looks_like_request_line(line, true, false)
                                          : http1::looks_like_status_line(line));
      if (found) {
        state_ = State::start_line;
        process_start_line(line);
      } else {
        counters_.bytes_skipped += wire;
      }
      break;
    }
    default:
      break;
  }
}

void Http1Parser::process_start_line(std::string_view line) {
  if (line.empty() && !line_overflow_) {
    // RFC 9112 §2.2: empty lines before a message are ignored (a CRLF after a body is common).
    pending_flags_ &= ~static_cast<uint32_t>(HttpAnomaly::bare_lf);
    return;
  }
  head_.clear();
  bool ok = is_request_ ? parse_request_line(line) : parse_status_line(line);
  if (!ok) {
    // Not an HTTP message start: skip it and look for one.
    anomaly(is_request_ ? HttpAnomaly::malformed_request_line : HttpAnomaly::malformed_status_line);
    counters_.bytes_skipped += line_total_ + 1;
    enter_resync(0);
    return;
  }
  begin_message();
  if (is_request_ && method_case_differs(head_.method)) evasion(HttpEvasion::method_case);
  if (head_.http09) {
    headers_done();
  } else {
    state_ = State::headers;
  }
}

bool Http1Parser::parse_request_line(std::string_view line) {
  size_t sp = line.find(' ');
  if (sp == std::string_view::npos || sp == 0) return false;
  std::string_view method = line.substr(0, sp);
  for (char c : method) {
    if (!is_tchar(c)) return false;
  }
  std::string_view rest = line.substr(sp + 1);
  if (!rest.empty() && rest.front() == ' ') {
    anomaly(HttpAnomaly::malformed_request_line);
    rest = trim_ows(rest);
  }
  while (!rest.empty() && rest.back() == ' ') rest.remove_suffix(1);
  if (rest.empty()) return false;
  std::string_view target = rest;
  std::string_view version;
  size_t last = rest.rfind(' ');
  if (last == std::string_view::npos && rest.starts_with("HTTP/1.")) {
    // "GET HTTP/1.1": the target is missing, not the version. Zeek and tshark read it so too.
    anomaly(HttpAnomaly::malformed_request_line);
    target = {};
    version = rest.substr(5);
  } else if (last != std::string_view::npos && rest.substr(last + 1).starts_with("HTTP/")) {
    target = trim_ows(rest.substr(0, last));
    version = rest.substr(last + 1 + 5);
  } else if (last != std::string_view::npos) {
    anomaly(HttpAnomaly::malformed_request_line);  // spaces in the target, no version at the end
  }
  if (target.find(' ') != std::string_view::npos) anomaly(HttpAnomaly::malformed_request_line);
  head_.method.assign(method);
  head_.target.assign(target);
  if (version.data() == nullptr) {
    if (line_overflow_ || last != std::string_view::npos) {
      // The version may be past the kept bytes (or garbled): assume 1.x and read headers.
      head_.version.clear();
    } else {
      head_.version = "0.9";
      head_.http09 = true;
      anomaly(HttpAnomaly::missing_version);
    }
  } else {
    bool well_formed = version.size() == 3 && version[0] >= '0' && version[0] <= '9' &&
                       version[1] == '.' && version[2] >= '0' && version[2] <= '9';
    if (!well_formed) anomaly(HttpAnomaly::malformed_request_line);
    head_.version.assign(version.substr(0, std::min<size_t>(version.size(), 16)));
  }
  return true;
}

bool Http1Parser::parse_status_line(std::string_view line) {
  if (!line.starts_with("HTTP/")) return false;
  size_t sp = line.find(' ');
  if (sp == std::string_view::npos) return false;
  std::string_view version = line.substr(5, sp - 5);
  std::string_view rest = line.substr(sp + 1);
  if (!rest.empty() && rest.front() == ' ') {
    anomaly(HttpAnomaly::malformed_status_line);
    rest = trim_ows(rest);
  }
  if (rest.size() < 3) return false;
  int status = 0;
  for (size_t i = 0; i < 3; ++i) {
    if (rest[i] < '0' || rest[i] > '9') return false;
    status = status * 10 + (rest[i] - '0');
  }
  if (rest.size() > 3 && rest[3] != ' ') return false;
  bool well_formed = version.size() == 3 && version[0] >= '0' && version[0] <= '9' &&
                     version[1] == '.' && version[2] >= '0' && version[2] <= '9';
  if (!well_formed || status < 100) anomaly(HttpAnomaly::malformed_status_line);
  head_.version.assign(version.substr(0, std::min<size_t>(version.size(), 16)));
  head_.status = status;
  if (rest.size() > 4) head_.reason.assign(rest.substr(4));
  return true;
}

void Http1Parser::process_header_line(std::string_view line, bool trailer) {
  if (header_bytes_ > limits_.max_header_bytes &&
      !(flagged_ & static_cast<uint32_t>(HttpAnomaly::headers_too_large))) {
    ++counters_.headers_too_large;
    anomaly(HttpAnomaly::headers_too_large);
  }
  if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
    // obs-fold: the line continues the previous header's value.
    if (!have_cur_) {
      anomaly(HttpAnomaly::malformed_header);
      return;
    }
    anomaly(HttpAnomaly::obs_fold);
    if (is_request_ && !trailer && iequals(cur_.name, "transfer-encoding"))
      evasion(HttpEvasion::te_obfuscated);
    std::string_view more = trim_ows(line);
    if (cur_.value.size() + more.size() + 1 <= limits_.max_header_bytes) {
      if (!cur_.value.empty() && !more.empty()) cur_.value += ' ';
      cur_.value.append(more);
    }
    return;
  }
  finalize_header(trailer);
  if (line.empty()) {
    if (trailer) {
      complete_message();
    } else {
      headers_done();
    }
    return;
  }
  size_t colon = line.find(':');
  std::string_view name =
      colon == std::string_view::npos ? std::string_view{} : line.substr(0, colon);
  bool valid = !name.empty();
  for (char c : name) {
    if (!is_tchar(c)) {
      valid = false;  // includes whitespace before the colon (a smuggling vector)
      break;
    }
  }
  if (!valid) {
    anomaly(HttpAnomaly::malformed_header);
    // "Transfer-Encoding : chunked": dropped here (RFC 9112 §5.1 forbids the space; nginx
    // answers 400), honoured by lenient readers that trim the name.
    if (is_request_ && !trailer && iequals(trim_ows(name), "transfer-encoding")) {
      evasion(HttpEvasion::te_obfuscated);
    }
    return;
  }
  if (cur_moved_) {
    pool_.take_header(cur_);
    cur_moved_ = false;
  }
  cur_.name.assign(name);
  cur_.value.assign(trim_ows(line.substr(colon + 1)));
  have_cur_ = true;
  if (is_request_ && !trailer && iequals(name, "transfer-encoding"))
    check_te_spelling(line.substr(colon + 1));
}

void Http1Parser::check_te_spelling(std::string_view raw) {
  // A second Transfer-Encoding header: readers that take the first, the last or the list differ.
  bool odd = head_.has_transfer_encoding;
  // Whitespace other than one space after the colon, or any after the value ("chunked ").
  if (!raw.empty() && raw.front() == ' ') raw.remove_prefix(1);
  if (!raw.empty() && (is_ows(raw.front()) || is_ows(raw.back()))) odd = true;
  for (char c : raw) {
    if (c >= 'A' && c <= 'Z') odd = true;  // "Chunked", "CHUNKED"
  }
  if (odd) evasion(HttpEvasion::te_obfuscated);
}

void Http1Parser::finalize_header(bool trailer) {
  if (!have_cur_) return;
  have_cur_ = false;
  if (!trailer) note_framing_header(cur_.name, cur_.value);
  ++header_count_;
  if (header_count_ > limits_.max_headers) {
    if (!(flagged_ & static_cast<uint32_t>(HttpAnomaly::too_many_headers))) {
      ++counters_.too_many_headers;
      anomaly(HttpAnomaly::too_many_headers);
    }
    return;
  }
  if (header_bytes_ > limits_.max_header_bytes) return;
  if (trailer) {
    cb_.on_trailer(cur_.name, cur_.value);
  } else {
    head_.headers.push_back(std::move(cur_));  // the buffers move; no copy of the text
    cur_moved_ = true;
  }
}

void Http1Parser::note_framing_header(std::string_view name, std::string_view value) {
  using Cl = Http1MessageHead::Cl;
  if (iequals(name, "content-length")) {
    // A list of identical values ("5, 5") is allowed (RFC 9110 §8.6); anything else is not.
    bool bad = false;
    std::string_view rest = value;
    do {
      size_t comma = rest.find(',');
      std::string_view item = trim_ows(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      if (item.empty() || item.size() > 18) {
        bad = true;
        break;
      }
      uint64_t v = 0;
      for (char c : item) {
        if (c < '0' || c > '9') {
          bad = true;
          break;
        }
        v = v * 10 + static_cast<uint64_t>(c - '0');
      }
      if (bad) break;
      if (head_.content_length_state == Cl::none) {
        head_.content_length_state = Cl::valid;
        head_.content_length = v;
      } else if (head_.content_length_state == Cl::valid && head_.content_length != v) {
        head_.content_length_state = Cl::conflict;
        anomaly(HttpAnomaly::duplicate_content_length);
      }
    } while (!rest.empty());
    if (bad) {
      if (head_.content_length_state != Cl::conflict) head_.content_length_state = Cl::bad;
      anomaly(HttpAnomaly::bad_content_length);
    }
  } else if (iequals(name, "transfer-encoding")) {
    head_.has_transfer_encoding = true;
    std::string_view rest = value;
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      item = trim_ows(item.substr(0, item.find(';')));  // drop transfer parameters
      if (item.empty()) continue;
      head_.te_chunked_last = iequals(item, "chunked");
      if (!head_.te_chunked_last && !iequals(item, "gzip") && !iequals(item, "x-gzip") &&
          !iequals(item, "deflate") && !iequals(item, "compress") && !iequals(item, "identity")) {
        head_.te_unknown = true;
        anomaly(HttpAnomaly::unknown_transfer_encoding);
        if (is_request_) evasion(HttpEvasion::te_obfuscated);  // "xchunked": who reads it how?
      }
    }
  }
}

void Http1Parser::headers_done() {
  Http1Framing f = cb_.on_headers_complete(head_);
  after_ = f.after;
  switch (f.body) {
    case BodyFraming::none:
      complete_message();
      break;
    case BodyFraming::length:
      if (f.length == 0) {
        complete_message();
      } else {
        remaining_ = f.length;
        state_ = State::body_length;
      }
      break;
    case BodyFraming::chunked:
      state_ = State::chunk_size;
      break;
    case BodyFraming::close:
      state_ = State::body_close;
      break;
    case BodyFraming::invalid:
      // The body's extent is unknown: end the message at its headers and look for the next one.
      after_ = AfterMessage::next;
      complete_message();
      enter_resync(0);
      break;
  }
}

void Http1Parser::process_chunk_size(std::string_view line) {
  std::string_view v = trim_ows(line);
  uint64_t size = 0;
  size_t digits = 0;
  bool bad = false;
  while (digits < v.size()) {
    char c = v[digits];
    int d = (c >= '0' && c <= '9')   ? c - '0'
            : (c >= 'a' && c <= 'f') ? c - 'a' + 10
            : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                     : -1;
    if (d < 0) break;
    if (digits >= 15) bad = true;  // > 2^60: no real chunk is that large
    size = (size << 4) | static_cast<uint64_t>(d);
    ++digits;
  }
  std::string_view tail = trim_ows(v.substr(digits));
  if (digits == 0 || bad || (!tail.empty() && tail.front() != ';')) {
    anomaly(HttpAnomaly::bad_chunk_size);
    complete_message();
    enter_resync(0);
    return;
  }
  // Chunk extensions (after ';') are ignored, as RFC 9112 §7.1.1 allows.
  if (size == 0) {
    state_ = State::trailers;
  } else {
    remaining_ = size;
    state_ = State::chunk_data;
  }
}

void Http1Parser::complete_message() {
  // The next state is set before the callback so the session can see a pause.
  switch (after_) {
    case AfterMessage::next:
      state_ = State::start_line;
      break;
    case AfterMessage::pause:
      state_ = State::paused;
      break;
    case AfterMessage::stop:
      state_ = State::stopped;
      break;
  }
  after_ = AfterMessage::next;
  pool_.give_headers(head_.headers);
  head_.clear();
  have_cur_ = false;
  remaining_ = 0;
  if (in_message_) {
    in_message_ = false;
    cb_.on_message_complete(last_ts_);
  }
}

void Http1Parser::enter_resync(uint32_t pending_flags) {
  if (state_ == State::paused || state_ == State::stopped) return;
  ++counters_.resyncs;
  pending_flags_ |= pending_flags | static_cast<uint32_t>(HttpAnomaly::resync);
  state_ = State::resync;
}

void Http1Parser::gap_at_boundary() {
  const uint32_t gap_bit =
      static_cast<uint32_t>(is_request_ ? HttpAnomaly::gap_request : HttpAnomaly::gap_response);
  if (state_ == State::resync) {
    pending_flags_ |= gap_bit;
  } else {
    enter_resync(gap_bit);
  }
}

void Http1Parser::gap(size_t len) {
  const HttpAnomaly gap_flag = is_request_ ? HttpAnomaly::gap_request : HttpAnomaly::gap_response;
  switch (state_) {
    case State::paused:
    case State::stopped:
      return;
    case State::body_length:
      anomaly(gap_flag);
      if (len < remaining_) {
        cb_.on_body_gap(len);
        remaining_ -= len;
      } else {
        // The gap covers the end of this body and the start of whatever follows.
        cb_.on_body_gap(static_cast<size_t>(remaining_));
        bool more = len > remaining_;
        complete_message();
        if (more) {
          reset_line();
          gap_at_boundary();
        }
      }
      return;
    case State::chunk_data:
      anomaly(gap_flag);
      if (len <= remaining_) {
        cb_.on_body_gap(len);
        remaining_ -= len;
        if (remaining_ == 0) state_ = State::chunk_data_end;
      } else {
        complete_message();
        reset_line();
        enter_resync(0);
      }
      return;
    case State::body_close:
      anomaly(gap_flag);
      cb_.on_body_gap(len);
      return;
    case State::start_line:
    case State::resync:
      // Between messages, or inside a start line not yet reported: the next message found gets
      // the flags.
      reset_line();
      gap_at_boundary();
      return;
    case State::headers:
    case State::chunk_size:
    case State::chunk_data_end:
    case State::trailers:
      anomaly(gap_flag);
      complete_message();
      reset_line();
      enter_resync(0);
      return;
  }
}

void Http1Parser::finish() {
  switch (state_) {
    case State::body_close:
      complete_message();
      break;
    case State::headers:
    case State::body_length:
    case State::chunk_size:
    case State::chunk_data:
    case State::chunk_data_end:
    case State::trailers:
      anomaly(is_request_ ? HttpAnomaly::request_truncated : HttpAnomaly::response_truncated);
      complete_message();
      break;
    default:
      break;
  }
  reset_line();
  state_ = State::stopped;
}

void Http1Parser::begin_raw_body(int64_t ts) {
  head_.clear();
  head_.http09 = true;
  head_.version = "0.9";
  line_ts_ = ts;
  last_ts_ = ts;
  begin_message();
  state_ = State::body_close;
}

void Http1Parser::resume() {
  if (state_ == State::paused) state_ = State::start_line;
}

void Http1Parser::stop() {
  state_ = State::stopped;
}

}  // namespace mirador
