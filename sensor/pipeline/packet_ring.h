// PacketRing: the single-producer single-consumer hand-off of decoded packets from the capture
// thread (which decodes, defragments and picks the worker by flow) to one worker. A record is
// the PacketView followed by a copy of its transport payload — the only bytes a worker reads —
// in one contiguous byte ring: no allocation, no lock, one copy of the payload (libpcap reuses
// its buffer, so a copy is needed anyway). Control records (tick, end) share the ring so they
// stay in order with the packets.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

#include "decoders/packet/packet_view.h"
#include "sensor/pipeline/futex.h"

namespace mirador {

class PacketRing {
 public:
  enum class Kind : uint32_t { packet, tick, end, wrap };
  struct Record {
    uint32_t size;  // bytes of this record, header and payload, rounded up to 8
    Kind kind;
    uint64_t index;   // the packet's (tick's, end's) place in the capture
    PacketView view;  // packet: payload points after this header; tick: view.ts_us is the time
  };

  // `bytes` of ring (rounded up to a power of two, at least 64 KiB).
  explicit PacketRing(size_t bytes);
  PacketRing(const PacketRing&) = delete;
  PacketRing& operator=(const PacketRing&) = delete;

  // Producer. Copies the view and its payload. False when the ring has no room.
  bool push_packet(const PacketView& v, uint64_t index);
  // Producer. A control record (tick: `ts_us` is the capture time to advance to).
  bool push_control(Kind kind, int64_t ts_us, uint64_t index);

  // Consumer. The oldest record (a packet's view.payload points into the ring), or null.
  const Record* front();
  // Consumer. Releases the record front() returned.
  void pop();
  // Consumer: sleeps until a record arrives, `timeout` passes or wake() is called.
  bool wait(std::chrono::nanoseconds timeout) {
    return bell_.wait([this] { return ready(); }, timeout);
  }
  // Any thread: ends the consumer's wait.
  void wake() { bell_.wake(); }

  size_t capacity() const { return mask_ + 1; }
  // A packet with this much payload can be pushed at all (at most half the ring).
  bool fits(size_t payload) const;
  // Bytes in use (approximate when read from another thread).
  size_t used() const {
    return static_cast<size_t>(tail_.load(std::memory_order_relaxed) -
                               head_.load(std::memory_order_relaxed));
  }

 private:
  bool ready() const {
    return tail_.load(std::memory_order_seq_cst) != head_.load(std::memory_order_relaxed);
  }
  // Reserves `size` contiguous bytes (writing a wrap record when the end is too close).
  uint8_t* reserve(size_t size);
  void publish(size_t size);

  size_t mask_;
  std::unique_ptr<uint8_t[]> buf_;
  Doorbell bell_;
  alignas(64) std::atomic<uint64_t> tail_{0};  // bytes published
  uint64_t cached_head_ = 0;
  uint64_t reserved_tail_ = 0;  // the producer's tail after a wrap record, before publishing
  alignas(64) std::atomic<uint64_t> head_{0};  // bytes released
  uint64_t cached_tail_ = 0;
};

}  // namespace mirador
