#include "decoders/packet/ip_defrag.h"

#include <algorithm>
#include <cstring>

namespace mirador {
namespace {

constexpr uint32_t kMaxDatagram = 65535;
constexpr size_t kSpareBuffers = 4;         // recycled payload buffers kept between datagrams
constexpr size_t kKeepRangeCapacity = 256;  // larger range lists are freed, not recycled

uint64_t fnv1a(uint64_t h, const void* data, size_t n) {
  const auto* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

}  // namespace

size_t FragKeyHash::operator()(const FragKey& k) const {
  uint64_t h = 0xcbf29ce484222325ull;
  h = fnv1a(h, k.src.bytes.data(), k.src.bytes.size());
  h = fnv1a(h, k.dst.bytes.data(), k.dst.bytes.size());
  h = fnv1a(h, &k.id, sizeof k.id);
  h = fnv1a(h, &k.tunnel_ctx, sizeof k.tunnel_ctx);
  h = fnv1a(h, &k.vlan, sizeof k.vlan);
  h = fnv1a(h, &k.proto, sizeof k.proto);
  return static_cast<size_t>(h);
}

IpDefragmenter::IpDefragmenter(const PacketDecoderConfig& cfg) : cfg_(cfg) {
  index_.reserve(std::min<size_t>(cfg_.defrag_max_datagrams, 1024));
}

int32_t IpDefragmenter::acquire_slot(const FragKey& key, int64_t now_us) {
  int32_t i;
  if (free_ >= 0) {
    i = free_;
    free_ = slots_[i].next;
  } else {
    i = static_cast<int32_t>(slots_.size());
    slots_.emplace_back();
  }
  Slot& s = slots_[i];
  s.key = key;
  s.total = 0;
  s.total_known = false;
  s.overlap = false;
  s.first_us = now_us;
  s.have.clear();
  s.buf.clear();
  if (s.buf.capacity() == 0 && !spare_.empty()) {
    s.buf = std::move(spare_.back());
    spare_.pop_back();
    s.buf.clear();
  }
  // Append to the age list: datagrams are created in time order, so the oldest is at the head.
  s.prev = newest_;
  s.next = -1;
  if (newest_ >= 0) slots_[newest_].next = i;
  newest_ = i;
  if (oldest_ < 0) oldest_ = i;
  index_.emplace(key, i);
  return i;
}

void IpDefragmenter::release_slot(int32_t i) {
  Slot& s = slots_[i];
  index_.erase(s.key);
  bytes_ -= s.buf.size();
  if (s.prev >= 0)
    slots_[s.prev].next = s.next;
  else
    oldest_ = s.next;
  if (s.next >= 0)
    slots_[s.next].prev = s.prev;
  else
    newest_ = s.prev;
  // Keep a few buffers for reuse; drop the rest so idle slots hold no payload memory.
  if (s.buf.capacity() > 0 && spare_.size() < kSpareBuffers) {
    spare_.push_back(std::move(s.buf));
  }
  s.buf = {};
  if (s.have.capacity() > kKeepRangeCapacity) s.have = {};
  s.have.clear();
  s.prev = -1;
  s.next = free_;
  free_ = i;
}

size_t IpDefragmenter::expire(int64_t now_us) {
  size_t n = 0;
  while (oldest_ >= 0 && now_us - slots_[oldest_].first_us > cfg_.defrag_timeout_us) {
    release_slot(oldest_);
    ++n;
  }
  return n;
}

DefragResult IpDefragmenter::add(const FragKey& key, uint32_t offset, bool more,
                                 const uint8_t* data, uint32_t len, uint32_t header_len,
                                 int64_t now_us) {
  DefragResult r;
  const uint64_t end64 = static_cast<uint64_t>(offset) + len;
  const bool too_big = end64 + header_len > kMaxDatagram;

  auto it = index_.find(key);
  int32_t si = it == index_.end() ? -1 : it->second;
  if (too_big) {
    // The whole datagram is unusable (and a classic DoS/evasion trick): free what it held.
    if (si >= 0) release_slot(si);
    r.status = DefragStatus::dropped;
    r.error = DecodeError::frag_too_big;
    return r;
  }
  const auto end = static_cast<uint32_t>(end64);

  if (si < 0) {
    if (index_.size() >= cfg_.defrag_max_datagrams || bytes_ + end > cfg_.defrag_memcap) {
      r.status = DefragStatus::dropped;
      r.error = DecodeError::frag_memcap;
      return r;
    }
    si = acquire_slot(key, now_us);
  }
  Slot& s = slots_[si];

  // A fragment that contradicts the known end of the datagram is ignored (first wins).
  if (s.total_known && (end > s.total || (!more && end != s.total))) {
    r.overlap = s.overlap = true;
    return r;
  }
  if (!more && !s.total_known) {
    if (!s.have.empty() && s.have.back().end > end) {
      r.overlap = s.overlap = true;
      return r;
    }
    s.total = end;
    s.total_known = true;
  }

  if (end > s.buf.size()) {
    const size_t grow = end - s.buf.size();
    if (bytes_ + grow > cfg_.defrag_memcap) {
      r.status = DefragStatus::dropped;
      r.error = DecodeError::frag_memcap;
      if (s.have.empty()) release_slot(si);  // nothing stored yet: do not keep an empty set
      return r;
    }
    s.buf.resize(end);
    bytes_ += grow;
  }

  if (len > 0) {
    // Walk the stored ranges that touch [offset, end): compare the overlapping bytes, copy the
    // gaps. Ranges are sorted, so the first candidate is found by binary search.
    auto first = std::lower_bound(s.have.begin(), s.have.end(), offset,
                                  [](const Range& rg, uint32_t v) { return rg.end < v; });
    uint32_t cursor = offset;
    auto last = first;
    for (; last != s.have.end() && last->begin <= end; ++last) {
      const uint32_t ob = std::max(offset, last->begin);
      const uint32_t oe = std::min(end, last->end);
      if (cursor < last->begin) {
        const uint32_t gap_end = std::min(end, last->begin);
        std::memcpy(s.buf.data() + cursor, data + (cursor - offset), gap_end - cursor);
      }
      if (ob < oe && std::memcmp(s.buf.data() + ob, data + (ob - offset), oe - ob) != 0) {
        r.overlap = true;
      }
      cursor = std::max(cursor, std::min(end, last->end));
    }
    if (cursor < end) std::memcpy(s.buf.data() + cursor, data + (cursor - offset), end - cursor);

    // Merge [offset, end) with the ranges it touches (adjacent ranges merge too).
    Range merged{offset, end};
    if (first != last) {
      merged.begin = std::min(merged.begin, first->begin);
      merged.end = std::max(merged.end, (last - 1)->end);
      *first = merged;
      s.have.erase(first + 1, last);
    } else {
      s.have.insert(first, merged);
    }
  }

  s.overlap |= r.overlap;
  if (s.total_known && s.have.size() == 1 && s.have[0].begin == 0 && s.have[0].end == s.total) {
    r.datagram_overlap = s.overlap;
    // Complete: hand the payload out through done_ and recycle the previous output buffer.
    std::swap(done_, s.buf);
    done_.resize(s.total);
    bytes_ -= done_.size();
    s.buf.clear();
    release_slot(si);
    r.status = DefragStatus::complete;
    r.data = done_.data();
    r.len = static_cast<uint32_t>(done_.size());
  }
  return r;
}

}  // namespace mirador
