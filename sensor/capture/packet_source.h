// PacketSource: where the capture loop reads frames from — a capture file or a live interface
// through libpcap (PcapSource), or a DPDK port (DpdkSource). The loop needs no more than this.
#pragma once

#include <cstdint>
#include <string>

#include "sensor/capture/raw_packet.h"

namespace mirador {

struct CaptureStats {
  uint64_t received = 0;  // live: packets the kernel (or the NIC) received
  uint64_t dropped =
      0;  // live: dropped for lack of buffer space (ps_drop; DPDK: imissed + rx_nombuf)
  uint64_t if_dropped = 0;  // live: dropped by the interface or driver (ps_ifdrop; DPDK: ierrors)
  uint64_t capture_errors = 0;  // live: read errors (interface gone); the capture was reopened
  uint64_t reopens = 0;         // live: times the interface was opened again after an error
};

enum class ReadStatus : uint8_t { packet, timeout, end, error };

class PacketSource {
 public:
  virtual ~PacketSource() = default;
  // The next frame: `pkt` points into the source's buffer until the next call. `timeout` when a
  // live source waited its timeout without a packet (time still passes), `end` at the end of a
  // file, `error` with error() set.
  virtual ReadStatus next(RawPacket& pkt) = 0;
  virtual int link_type() const = 0;
  // Live: packets arrive in real time (a full worker ring drops; idle time advances the clock).
  // Not live: a file (the reader waits for room; time is the packets').
  virtual bool live() const = 0;
  virtual std::string error() const = 0;
  virtual CaptureStats stats() const = 0;
  // Files only: bytes read so far and total size, for a progress line. 0/0 when unknown.
  virtual uint64_t file_offset() const { return 0; }
  virtual uint64_t file_size() const { return 0; }
};

}  // namespace mirador
