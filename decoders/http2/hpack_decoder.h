// HpackDecoder: one direction's HPACK state (RFC 7541), kept by nghttp2's inflater. A header
// block is decoded whole; each field goes to a sink. The decoder tracks whether its dynamic table
// can be trusted: after reset() (a gap, a midstream pickup, a failed block) it cannot, and a block
// that then fails is reported as "state unknown" rather than as a broken block. A failed block
// always resets the inflater: its table no longer matches the peer's encoder.
//
// Dynamic table size updates (§6.3) are accepted up to `max_table` (Http2Limits::max_header_table)
// so decoding goes on; one above the limit the receiver's SETTINGS acknowledged is reported.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

struct nghttp2_hd_inflater;

namespace mirador {

class HpackFieldSink {
 public:
  virtual ~HpackFieldSink() = default;
  virtual void on_field(std::string_view name, std::string_view value) = 0;
};

struct HpackResult {
  bool ok = false;
  bool state_unknown = false;     // failed while the table was not fully seen
  bool list_too_large = false;    // fields past max_list bytes were decoded but not passed on
  bool too_many = false;          // fields past max_fields were decoded but not passed on
  bool size_update_over = false;  // a table size update above the acknowledged limit
};

class HpackDecoder {
 public:
  explicit HpackDecoder(uint32_t max_table);
  ~HpackDecoder();
  HpackDecoder(const HpackDecoder&) = delete;
  HpackDecoder& operator=(const HpackDecoder&) = delete;

  // Forgets the dynamic table (delete + new inflater); the state is unknown from now on.
  void reset();
  bool state_known() const { return known_; }

  // `acked_limit`: the table size the receiving side's acknowledged SETTINGS allow. `max_list`:
  // decoded bytes (name + value + 32 per field) passed on; `max_fields`: fields passed on.
  HpackResult decode(const uint8_t* block, size_t len, uint32_t acked_limit, size_t max_list,
                     uint32_t max_fields, HpackFieldSink& sink);

 private:
  void make();

  nghttp2_hd_inflater* inf_ = nullptr;
  const uint32_t max_table_;
  bool known_ = true;
};

}  // namespace mirador
