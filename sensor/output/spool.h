// Spool: events that cannot be delivered now wait on disk, under a size cap, and are replayed in
// sequence order until the sink acknowledges them. Events are opaque bytes with a 64-bit sequence
// number; delivery is at-least-once (the collector drops duplicates by sequence).
//
// On disk, in one directory:
//   spool-<first_seq, 20 digits>.seg  append-only segments of records
//       [u64 seq][u32 len][u32 crc32 of seq, len and bytes][bytes]   (little-endian)
//   ack    the highest acknowledged sequence, in decimal; replaced atomically (write, rename)
//   lock   flock()ed while open, so two sensors cannot share a spool
//
// Contract:
// - Single-threaded: one owner (the output thread) calls everything. Nothing here blocks beyond
//   the file system calls themselves; a full spool or a failing disk drops the event and counts
//   it, never waits and never throws after construction.
// - Sequence numbers must increase strictly across append(); an event that does not is refused
//   (`out_of_order`), so the file order is the sequence order.
// - peek_batch() reads from a cursor without consuming: events stay on disk until ack(). The
//   cursor moves forward with each batch; rewind() takes it back to the oldest unacknowledged
//   event (after a reconnect, say).
// - ack(up_to) persists the ack point and deletes every segment whose events are all acknowledged
//   (the segment being written included, so a drained spool holds no segment at all). Acks past
//   the spooled events are fine and raise the ack point: the output thread may ack events that
//   were delivered straight from memory, so that last_seq() survives a restart.
// - Recovery on open: every segment is scanned; at the first record that is truncated, fails its
//   CRC, or goes backwards, the segment is truncated there (`corrupt_tail`). Events at or below
//   the ack point are not replayed; fully acknowledged segments are deleted.
// - The cap (`max_bytes`) counts segment bytes on disk, acknowledged records of a partly
//   acknowledged segment included, until the segment is deleted.
//
// Durability (`fsync_every_n`): 0 syncs a segment only when it is closed (rolled, deleted with
// unsynced data, or on close()); a process crash loses nothing (the data is in the page cache),
// a machine crash can lose the unsynced tail of the current segment. N > 0 adds fdatasync after
// every N appends: N = 1 loses nothing on power loss but costs a disk flush per event. The ack
// file is not synced: losing it replays acknowledged events, which the collector de-duplicates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace mirador {

struct SpoolConfig {
  std::string dir;                       // created if missing
  uint64_t max_bytes = 1ull << 30;       // output.spool_max_bytes: all segments together
  uint64_t segment_bytes = 16ull << 20;  // a segment rolls once this size is reached
  uint32_t fsync_every_n = 0;            // see "Durability" above
};

struct SpoolCounters {
  uint64_t appended = 0;      // events written
  uint64_t dropped_full = 0;  // refused: the cap would be exceeded
  uint64_t write_errors = 0;  // refused: a write, open or sync failed (disk full, I/O error)
  uint64_t out_of_order = 0;  // refused: sequence not above the last appended
  uint64_t corrupt_tail = 0;  // segments truncated at a bad record when opened
  uint64_t read_errors = 0;   // records found bad while replaying (rest of segment skipped)
  uint64_t replayed = 0;      // events returned by peek_batch (repeats after rewind included)
  uint64_t segments_deleted = 0;
  uint64_t ack_errors = 0;  // the ack file could not be written
  uint64_t bytes = 0;       // on disk now
  uint64_t segments = 0;    // on disk now
};

struct SpoolEvent {
  uint64_t seq = 0;
  std::string bytes;
};

class Spool {
 public:
  static constexpr size_t kRecordHeader = 16;

  // Opens (creating if needed) and recovers the spool in `cfg.dir`. Throws std::runtime_error
  // when the directory cannot be used or is locked by another process.
  explicit Spool(const SpoolConfig& cfg);
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // True when the event was written; false when refused (counted: full, write error, order).
  bool append(uint64_t seq, std::string_view bytes);

  // Up to `max_events` events after the cursor, oldest first, into `out` (resized to the count,
  // its strings' capacity reused). Returns the count; 0 when everything appended has been read.
  size_t peek_batch(size_t max_events, std::vector<SpoolEvent>& out);
  void rewind();

  // Everything with sequence <= up_to is delivered. Ack points never go back. With `persist`
  // false the ack file is written only when a segment is deleted by this ack (or by
  // persist_ack() / close()): a caller acking every batch need not rename a file per batch.
  void ack(uint64_t up_to, bool persist = true);
  // Writes the ack file when an ack has not been persisted yet.
  void persist_ack();

  // Syncs the segment being written. close() syncs, closes the files and releases the lock; only
  // the destructor may follow it.
  void sync();
  void close();

  bool empty() const;  // no unacknowledged event on disk
  uint64_t acked() const { return acked_; }
  uint64_t last_seq() const;  // highest sequence appended or acknowledged, ever (restarts too)
  SpoolCounters counters() const;

 private:
  struct Segment {
    uint64_t first_seq = 0;
    uint64_t last_seq = 0;
    uint64_t bytes = 0;  // valid bytes: the end of the last good record
    std::string path;
  };

  void recover();
  bool open_segment_for(uint64_t seq);
  void close_writer(bool sync);
  void delete_front();
  bool write_ack_file();

  SpoolConfig cfg_;
  int lock_fd_ = -1;
  std::deque<Segment> segments_;
  uint64_t total_bytes_ = 0;
  uint64_t acked_ = 0;
  bool ack_dirty_ = false;  // acked_ is ahead of the ack file
  uint64_t last_appended_ = 0;

  int write_fd_ = -1;  // open on segments_.back() while it accepts appends
  uint32_t unsynced_ = 0;

  // Read cursor: segment index, offset within it, and the last sequence returned.
  size_t read_seg_ = 0;
  uint64_t read_off_ = 0;
  uint64_t read_seq_ = 0;
  int read_fd_ = -1;
  uint64_t read_fd_first_ = 0;  // first_seq of the segment read_fd_ is open on

  SpoolCounters counters_;
};

}  // namespace mirador
