// IpDefragmenter: rebuilds IPv4 and IPv6 datagrams from fragments.
//
// Policy: holes are tracked as a sorted list of received byte ranges; overlapping bytes keep the
// first copy (first wins) and an overlap whose bytes differ is reported, since it is how IDS
// evasion by fragment overlap works. Every resource is capped by PacketDecoderConfig: bytes held
// (`defrag_memcap`), concurrent datagrams (`defrag_max_datagrams`) and lifetime
// (`defrag_timeout_us`). The caller (PacketDecoder) counts what the results report.
//
// Steady state allocates nothing per fragment: slots, their range lists and a few payload
// buffers are recycled. A completed datagram is swapped into an output buffer that stays valid
// until the next completion.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

#include "decoders/packet/ip_address.h"
#include "decoders/packet/packet_decoder.h"

namespace mirador {

// Identifies one datagram. Tunnel context and VLANs keep overlapping address spaces apart.
struct FragKey {
  IpAddress src, dst;
  uint32_t id = 0;  // IPv4: 16-bit identification; IPv6: fragment header id
  uint32_t tunnel_ctx = 0;
  uint32_t vlan = 0;  // both VLAN ids, outer in the high half
  uint8_t proto = 0;  // IPv4 protocol / IPv6 fragment header next header
  friend bool operator==(const FragKey&, const FragKey&) = default;
};

struct FragKeyHash {
  size_t operator()(const FragKey& k) const;
};

enum class DefragStatus : uint8_t { pending, complete, dropped };

struct DefragResult {
  DefragStatus status = DefragStatus::pending;
  DecodeError error{};            // why, when dropped (frag_too_big or frag_memcap)
  bool overlap = false;           // this fragment overlapped stored bytes with different data
  bool datagram_overlap = false;  // complete: some fragment of it did (the rebuilt bytes are the
                                  // first copy's; Linux since 4.19 drops such a datagram whole)
  const uint8_t* data = nullptr;  // complete: the reassembled fragmentable part (IP payload)
  uint32_t len = 0;
};

class IpDefragmenter {
 public:
  explicit IpDefragmenter(const PacketDecoderConfig& cfg);

  // Stores `len` bytes at byte `offset` of the datagram's payload. `more` is the MF flag;
  // `header_len` is the length of the headers in front of the payload (for the 65535 limit).
  DefragResult add(const FragKey& key, uint32_t offset, bool more, const uint8_t* data,
                   uint32_t len, uint32_t header_len, int64_t now_us);

  // Drops datagrams first seen more than the timeout before `now_us`; returns how many.
  size_t expire(int64_t now_us);

  size_t bytes() const { return bytes_; }
  size_t datagrams() const { return index_.size(); }

 private:
  struct Range {
    uint32_t begin, end;
  };
  struct Slot {
    FragKey key;
    std::vector<uint8_t> buf;  // payload bytes at their offsets; size = highest end seen
    std::vector<Range> have;   // received ranges, sorted, disjoint and not adjacent
    uint32_t total = 0;        // payload length, known once the last fragment arrived
    bool total_known = false;
    bool overlap = false;  // a fragment overlapped with different bytes
    int64_t first_us = 0;
    int32_t prev = -1, next = -1;  // age list (oldest first); also the free list via `next`
  };

  int32_t acquire_slot(const FragKey& key, int64_t now_us);
  void release_slot(int32_t i);
  size_t slot_bytes(const Slot& s) const;

  PacketDecoderConfig cfg_;
  std::vector<Slot> slots_;
  std::unordered_map<FragKey, int32_t, FragKeyHash> index_;
  int32_t oldest_ = -1, newest_ = -1, free_ = -1;
  size_t bytes_ = 0;
  std::vector<std::vector<uint8_t>> spare_;  // recycled payload buffers (a few, bounded)
  std::vector<uint8_t> done_;                // the last completed datagram
};

}  // namespace mirador
