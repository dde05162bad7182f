#include "decoders/http2/frame_parser.h"

#include <algorithm>
#include <cstring>

#include "decoders/http2/http2_session.h"

namespace mirador {

namespace {

constexpr char kPreface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
// Control frames (SETTINGS, GOAWAY...) larger than this are skipped as protocol errors: no real
// peer sends them and they would only cost memory.
constexpr size_t kMaxControlPayload = 65536;
// Header frames may carry padding (1 + 255) and priority (5) on top of the block.
constexpr size_t kHeaderFrameOverhead = 261;
// Resynchronisation never waits for a frame longer than this, whatever the peer allowed.
constexpr uint32_t kMaxResyncFrame = 65536;

uint32_t be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

uint32_t frame_len(const uint8_t* p) {
  return (uint32_t{p[0]} << 16) | (uint32_t{p[1]} << 8) | p[2];
}

}  // namespace

bool http2_plausible_frame_header(const uint8_t* p, uint32_t max_len, bool first) {
  uint32_t len = frame_len(p);
  uint8_t type = p[3];
  uint8_t flags = p[4];
  uint32_t sid = be32(p + 5);
  if ((sid & 0x80000000u) != 0 || len > max_len) return false;
  bool s0 = sid == 0;
  switch (static_cast<Http2FrameType>(type)) {
    case Http2FrameType::data:
      return !s0 && (flags & ~(kH2FlagEndStream | kH2FlagPadded)) == 0;
    case Http2FrameType::headers: {
      uint32_t need = ((flags & kH2FlagPadded) ? 1 : 0) + ((flags & kH2FlagPriority) ? 5 : 0);
      return !s0 && len >= need &&
             (flags & ~(kH2FlagEndStream | kH2FlagEndHeaders | kH2FlagPadded | kH2FlagPriority)) ==
                 0;
    }
    case Http2FrameType::priority:
      return !s0 && len == 5 && flags == 0;
    case Http2FrameType::rst_stream:
      return !s0 && len == 4 && flags == 0;
    case Http2FrameType::settings:
      return s0 && (flags & ~kH2FlagAck) == 0 && len % 6 == 0 &&
             (!(flags & kH2FlagAck) || len == 0);
    case Http2FrameType::push_promise:
      return !s0 && len >= 4 && (flags & ~(kH2FlagEndHeaders | kH2FlagPadded)) == 0;
    case Http2FrameType::ping:
      return s0 && len == 8 && (flags & ~kH2FlagAck) == 0;
    case Http2FrameType::goaway:
      return s0 && len >= 8 && flags == 0;
    case Http2FrameType::window_update:
      return len == 4 && flags == 0;
    case Http2FrameType::continuation:
      return !first && !s0 && (flags & ~kH2FlagEndHeaders) == 0;
  }
  // Extension frame types (ALTSVC, ORIGIN, PRIORITY_UPDATE...) only confirm a first candidate.
  return !first;
}

Http2FrameParser::Http2FrameParser(Http2FrameSink& sink, Http2Counters& counters,
                                   size_t max_header_block)
    : sink_(sink), counters_(counters), max_block_(max_header_block) {}

void Http2FrameParser::expect_preface() {
  state_ = State::preface;
  preface_got_ = 0;
}

void Http2FrameParser::start_resync() {
  state_ = State::resync;
  rbuf_.clear();
}

void Http2FrameParser::gap() {
  state_ = State::resync;
  rbuf_.clear();
  hdr_got_ = 0;
  in_block_ = false;
  block_.clear();
}

void Http2FrameParser::protocol_error(uint32_t stream_id) {
  ++counters_.protocol_errors;
  sink_.on_protocol_error(stream_id);
}

void Http2FrameParser::feed(const uint8_t* p, size_t n, int64_t ts) {
  if (state_ == State::preface) {
    size_t k = 0;
    while (k < n && preface_got_ < kHttp2PrefaceLen) {
      if (p[k] != static_cast<uint8_t>(kPreface[preface_got_])) {
        // Not HTTP/2 from the start after all: find frames from this byte on.
        protocol_error(0);
        counters_.bytes_skipped += preface_got_;
        state_ = State::resync;
        rbuf_.clear();
        break;
      }
      ++preface_got_;
      ++k;
    }
    p += k;
    n -= k;
    if (state_ == State::preface) {
      if (preface_got_ < kHttp2PrefaceLen) return;
      state_ = State::header;
      hdr_got_ = 0;
    }
  }
  if (n == 0) return;
  if (state_ == State::resync) {
    feed_resync(p, n, ts, false);
    return;
  }
  feed_frames(p, n, ts);
}

void Http2FrameParser::flush(int64_t ts) {
  if (state_ == State::resync && !rbuf_.empty()) feed_resync(nullptr, 0, ts, true);
}

void Http2FrameParser::feed_resync(const uint8_t* p, size_t n, int64_t ts, bool quiet) {
  if (n > 0) rbuf_.append(reinterpret_cast<const char*>(p), n);
  const auto* b = reinterpret_cast<const uint8_t*>(rbuf_.data());
  const size_t size = rbuf_.size();
  const uint32_t lim = std::min(max_frame_, kMaxResyncFrame);
  size_t i = 0;
  while (size - i >= 9) {
    if (!http2_plausible_frame_header(b + i, lim, true)) {
      ++i;
      continue;
    }
    size_t flen = 9 + size_t{frame_len(b + i)};
    // Wait for the following header: the choice must not depend on how the bytes were split.
    // When the direction went quiet, a frame ending exactly at the last byte is taken.
    const bool ends_here = quiet && size - i == flen;
    if (size - i < flen + 9 && !ends_here) break;
    if (!ends_here && !http2_plausible_frame_header(b + i + flen, lim, false)) {
      ++i;
      continue;
    }
    counters_.bytes_skipped += i;
    ++counters_.resyncs;
    state_ = State::header;
    hdr_got_ = 0;
    std::string tmp;
    tmp.swap(rbuf_);
    feed_frames(reinterpret_cast<const uint8_t*>(tmp.data()) + i, tmp.size() - i, ts);
    tmp.clear();
    rbuf_.swap(tmp);  // keep the window's capacity
    return;
  }
  counters_.bytes_skipped += i;
  rbuf_.erase(0, i);
}

size_t Http2FrameParser::feed_frames(const uint8_t* p, size_t n, int64_t ts) {
  size_t used = 0;
  while (used < n) {
    size_t avail = n - used;
    switch (state_) {
      case State::header: {
        size_t take = std::min(9 - hdr_got_, avail);
        std::memcpy(hdr_ + hdr_got_, p + used, take);
        hdr_got_ += take;
        used += take;
        if (hdr_got_ == 9) {
          hdr_got_ = 0;
          begin_frame(ts);
        }
        break;
      }
      case State::payload: {
        size_t take = std::min(payload_want_, avail);
        if (!payload_oversized_) payload_.append(reinterpret_cast<const char*>(p + used), take);
        payload_want_ -= take;
        used += take;
        if (payload_want_ == 0) end_payload(ts);
        break;
      }
      case State::data_padlen: {
        uint32_t pad = p[used++];
        if (pad > cur_.length - 1) {
          protocol_error(cur_.stream_id);
          data_left_ = 0;
          skip_left_ = cur_.length - 1;
        } else {
          data_left_ = cur_.length - 1 - pad;
          skip_left_ = pad;
        }
        state_ = State::data;
        if (data_left_ == 0 && skip_left_ == 0) end_data(ts);
        break;
      }
      case State::data: {
        size_t take;
        if (data_left_ > 0) {
          take = std::min<size_t>(data_left_, avail);
          sink_.on_data(cur_.stream_id, p + used, take, ts);
          data_left_ -= static_cast<uint32_t>(take);
        } else {
          take = std::min<size_t>(skip_left_, avail);
          skip_left_ -= static_cast<uint32_t>(take);
        }
        used += take;
        if (data_left_ == 0 && skip_left_ == 0) end_data(ts);
        break;
      }
      case State::skip: {
        size_t take = std::min<size_t>(skip_left_, avail);
        skip_left_ -= static_cast<uint32_t>(take);
        used += take;
        if (skip_left_ == 0) state_ = State::header;
        break;
      }
      case State::preface:
      case State::resync:
        return used;  // not reached: feed() routes these
    }
  }
  return used;
}

void Http2FrameParser::begin_frame(int64_t ts) {
  cur_.length = frame_len(hdr_);
  cur_.type = hdr_[3];
  cur_.flags = hdr_[4];
  cur_.stream_id = be32(hdr_ + 5) & 0x7fffffffu;
  frame_ts_ = ts;
  ++counters_.frames;
  if (cur_.type <= static_cast<uint8_t>(Http2FrameType::continuation)) {
    ++counters_.frames_by_type[cur_.type];
  } else {
    ++counters_.unknown_frames;
  }
  const auto type = static_cast<Http2FrameType>(cur_.type);
  if (in_block_ && (type != Http2FrameType::continuation || cur_.stream_id != blk_.stream_id)) {
    // RFC 9113 §6.10: nothing may come between a header frame and its CONTINUATIONs.
    protocol_error(blk_.stream_id);
    deliver_block(true, ts);
  }
  if (cur_.length > max_frame_) protocol_error(cur_.stream_id);  // still read, within caps

  auto skip = [&](uint32_t n) {
    skip_left_ = n;
    state_ = n ? State::skip : State::header;
  };
  if (cur_.type > static_cast<uint8_t>(Http2FrameType::continuation)) {
    skip(cur_.length);  // unknown types are ignored (RFC 9113 §5.5)
    return;
  }
  if (type == Http2FrameType::data) {
    if (cur_.stream_id == 0 || ((cur_.flags & kH2FlagPadded) && cur_.length == 0)) {
      protocol_error(cur_.stream_id);
      skip(cur_.length);
      return;
    }
    if (cur_.flags & kH2FlagPadded) {
      state_ = State::data_padlen;
      return;
    }
    data_left_ = cur_.length;
    skip_left_ = 0;
    state_ = State::data;
    if (cur_.length == 0) end_data(ts);
    return;
  }
  if (type == Http2FrameType::continuation && !in_block_) {
    protocol_error(cur_.stream_id);
    skip(cur_.length);
    return;
  }
  const bool header_frame = type == Http2FrameType::headers ||
                            type == Http2FrameType::push_promise ||
                            type == Http2FrameType::continuation;
  const size_t cap = header_frame ? max_block_ + kHeaderFrameOverhead : kMaxControlPayload;
  payload_.clear();
  payload_want_ = cur_.length;
  payload_oversized_ = cur_.length > cap;
  state_ = State::payload;
  if (cur_.length == 0) end_payload(ts);
}

void Http2FrameParser::end_data(int64_t ts) {
  state_ = State::header;
  sink_.on_data_end(cur_.stream_id, (cur_.flags & kH2FlagEndStream) != 0, ts);
}

void Http2FrameParser::end_payload(int64_t ts) {
  state_ = State::header;
  const auto* q = reinterpret_cast<const uint8_t*>(payload_.data());
  const size_t len = payload_.size();
  const uint32_t sid = cur_.stream_id;
  const uint8_t fl = cur_.flags;
  switch (static_cast<Http2FrameType>(cur_.type)) {
    case Http2FrameType::headers:
    case Http2FrameType::push_promise: {
      const bool push = cur_.type == static_cast<uint8_t>(Http2FrameType::push_promise);
      in_block_ = true;
      block_.clear();
      blk_ = Http2HeaderBlock{};
      blk_.stream_id = sid;
      blk_.push = push;
      blk_.end_stream = !push && (fl & kH2FlagEndStream);
      blk_.begin_ts = frame_ts_;
      blk_.end_ts = ts;
      if (payload_oversized_) {
        blk_.too_large = true;
        on_block_fragment(nullptr, 0, fl & kH2FlagEndHeaders, ts);
        return;
      }
      size_t off = 0;
      size_t pad = 0;
      bool bad = sid == 0;
      if (fl & kH2FlagPadded) {
        if (len < 1)
          bad = true;
        else
          pad = q[off++];
      }
      if (!push && (fl & kH2FlagPriority)) off += 5;
      if (push) {
        if (off + 4 <= len) blk_.promised_id = be32(q + off) & 0x7fffffffu;
        off += 4;
      }
      if (bad || off > len || pad > len - off) {
        // The block cannot be located, but it may have changed the peer's HPACK table.
        protocol_error(sid);
        deliver_block(true, ts);
        return;
      }
      on_block_fragment(q + off, len - off - pad, fl & kH2FlagEndHeaders, ts);
      return;
    }
    case Http2FrameType::continuation:
      if (payload_oversized_) blk_.too_large = true;
      on_block_fragment(q, len, fl & kH2FlagEndHeaders, ts);
      return;
    case Http2FrameType::priority:
      if (len != 5 || sid == 0) protocol_error(sid);
      return;
    case Http2FrameType::rst_stream:
      if (len != 4 || sid == 0) {
        protocol_error(sid);
        return;
      }
      sink_.on_rst_stream(sid, be32(q), ts);
      return;
    case Http2FrameType::settings: {
      const bool ack = fl & kH2FlagAck;
      if (sid != 0 || payload_oversized_ || len % 6 != 0 || (ack && len != 0)) {
        protocol_error(sid);
        return;
      }
      sink_.on_settings(ack, q, len, ts);
      return;
    }
    case Http2FrameType::ping:
      if (len != 8 || sid != 0) protocol_error(sid);
      return;
    case Http2FrameType::goaway:
      if (sid != 0 || len < 8) {
        protocol_error(sid);
        return;
      }
      sink_.on_goaway(be32(q) & 0x7fffffffu, be32(q + 4), ts);
      return;
    case Http2FrameType::window_update:
      if (len != 4 || (be32(q) & 0x7fffffffu) == 0) protocol_error(sid);
      return;
    case Http2FrameType::data:
      return;  // streamed, never buffered
  }
}

void Http2FrameParser::on_block_fragment(const uint8_t* p, size_t n, bool end_headers, int64_t ts) {
  if (!blk_.too_large) {
    if (block_.size() + n > max_block_) {
      blk_.too_large = true;
      block_.clear();
    } else if (n > 0) {
      block_.append(reinterpret_cast<const char*>(p), n);
    }
  }
  blk_.end_ts = ts;
  if (end_headers) deliver_block(false, ts);
}

void Http2FrameParser::deliver_block(bool interrupted, int64_t ts) {
  in_block_ = false;
  blk_.interrupted = interrupted;
  blk_.end_ts = std::max(blk_.end_ts, ts);
  if (blk_.too_large) {
    ++counters_.header_block_too_large;
    blk_.data = nullptr;
    blk_.len = 0;
  } else {
    blk_.data = reinterpret_cast<const uint8_t*>(block_.data());
    blk_.len = block_.size();
  }
  sink_.on_header_block(blk_);
  block_.clear();
}

bool http2_preface_prefix(const uint8_t* data, size_t len) {
  size_t n = std::min(len, kHttp2PrefaceLen);
  return std::memcmp(data, kPreface, n) == 0;
}

bool http2_looks_like_frames(const uint8_t* data, size_t len) {
  if (len < 9 || !http2_plausible_frame_header(data, kH2DefaultMaxFrame, true)) return false;
  size_t next = 9 + size_t{frame_len(data)};
  if (len >= next + 9) return http2_plausible_frame_header(data + next, kH2DefaultMaxFrame, false);
  return true;
}

}  // namespace mirador
