#include "sensor/pipeline/packet_ring.h"

#include <bit>

namespace mirador {

namespace {

constexpr size_t kHeader = (sizeof(PacketRing::Record) + 7) & ~size_t{7};

size_t record_size(size_t payload) {
  return (kHeader + payload + 7) & ~size_t{7};
}

}  // namespace

PacketRing::PacketRing(size_t bytes)
    : mask_(std::bit_ceil(bytes < (64u << 10) ? size_t{64u << 10} : bytes) - 1),
      buf_(std::make_unique<uint8_t[]>(mask_ + 1)) {}

uint8_t* PacketRing::reserve(size_t size) {
  uint64_t tail = tail_.load(std::memory_order_relaxed);
  const size_t cap = mask_ + 1;
  const size_t offset = tail & mask_;
  const size_t to_end = cap - offset;
  // A record never wraps: when it does not fit before the end, the rest of the ring is skipped.
  const size_t need = size <= to_end ? size : to_end + size;
  if (tail + need - cached_head_ > cap) {
    cached_head_ = head_.load(std::memory_order_acquire);
    if (tail + need - cached_head_ > cap) return nullptr;
  }
  if (size > to_end) {
    Record* w = reinterpret_cast<Record*>(buf_.get() + offset);
    w->size = static_cast<uint32_t>(to_end);
    w->kind = Kind::wrap;
    tail += to_end;
  }
  reserved_tail_ = tail;
  return buf_.get() + (tail & mask_);
}

void PacketRing::publish(size_t size) {
  // seq_cst: with the consumer's seq_cst announcement, either it sees this record before
  // sleeping or the doorbell sees it sleeping.
  tail_.store(reserved_tail_ + size, std::memory_order_seq_cst);
  bell_.ring();
}

bool PacketRing::fits(size_t payload) const {
  return record_size(payload) <= (mask_ + 1) / 2;
}

bool PacketRing::push_packet(const PacketView& v, uint64_t index) {
  const size_t size = record_size(v.payload_len);
  if (!fits(v.payload_len)) return false;  // never fits comfortably: the caller counts it
  uint8_t* at = reserve(size);
  if (!at) return false;
  Record* r = reinterpret_cast<Record*>(at);
  r->size = static_cast<uint32_t>(size);
  r->kind = Kind::packet;
  r->index = index;
  r->view = v;
  if (v.payload_len) std::memcpy(at + kHeader, v.payload, v.payload_len);
  publish(size);
  return true;
}

bool PacketRing::push_control(Kind kind, int64_t ts_us, uint64_t index) {
  const size_t size = kHeader;
  uint8_t* at = reserve(size);
  if (!at) return false;
  Record* r = reinterpret_cast<Record*>(at);
  r->size = static_cast<uint32_t>(size);
  r->kind = kind;
  r->index = index;
  r->view = PacketView{};
  r->view.ts_us = ts_us;
  publish(size);
  return true;
}

const PacketRing::Record* PacketRing::front() {
  for (;;) {
    const uint64_t head = head_.load(std::memory_order_relaxed);
    if (head == cached_tail_) {
      cached_tail_ = tail_.load(std::memory_order_acquire);
      if (head == cached_tail_) return nullptr;
    }
    Record* r = reinterpret_cast<Record*>(buf_.get() + (head & mask_));
    if (r->kind == Kind::wrap) {
      head_.store(head + r->size, std::memory_order_release);
      continue;
    }
    if (r->kind == Kind::packet) r->view.payload = reinterpret_cast<const uint8_t*>(r) + kHeader;
    return r;
  }
}

void PacketRing::pop() {
  const uint64_t head = head_.load(std::memory_order_relaxed);
  const Record* r = reinterpret_cast<const Record*>(buf_.get() + (head & mask_));
  head_.store(head + r->size, std::memory_order_release);
}

}  // namespace mirador
