// SequenceStore: keeps a sensor's event sequence numbers increasing across restarts, so that a
// collector that drops duplicates by (sensor_id, sequence) never mistakes a new event for an old
// one.
//
// The file `<dir>/sequence` holds a reservation: the highest sequence this sensor may have used.
// A run starts numbering at reservation + 1. Before an event with sequence S is handed to any sink
// the output thread calls ensure(S), which, when S passes the reservation, writes a new one
// (S + block) atomically (write, fdatasync, rename). A crash therefore never reuses a number that
// may have been delivered; it skips at most `block` numbers (a gap, like a dropped event). A clean
// stop writes the exact last sequence (finish()), so a restart continues without a gap.
//
// Without a directory (no remote sink, no spool) nothing is kept and numbering starts at 1.
// Single-threaded after construction (the output thread); start() is read before it starts.
#pragma once

#include <cstdint>
#include <string>

namespace mirador {

class SequenceStore {
 public:
  // Reads `<dir>/sequence` (creating `dir`); `dir` empty = not persisted. Throws
  // std::runtime_error when the directory or an existing file cannot be read.
  explicit SequenceStore(std::string dir, uint64_t block = 65536);

  // The first sequence number of this run (1 on a first run).
  uint64_t start() const { return start_; }

  // Called with every sequence before it is delivered; writes a new reservation when needed.
  // Returns false when the reservation could not be written (counted in write_errors()).
  bool ensure(uint64_t seq);

  // Clean stop: `last` is the last sequence this run numbered (delivered or dropped).
  void finish(uint64_t last);

  uint64_t reserved() const { return reserved_; }
  uint64_t write_errors() const { return write_errors_; }

 private:
  bool write(uint64_t value);

  std::string dir_;
  uint64_t block_;
  uint64_t start_ = 1;
  uint64_t reserved_ = 0;
  uint64_t write_errors_ = 0;
};

}  // namespace mirador
