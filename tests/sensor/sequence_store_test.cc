// SequenceStore: numbering continues across clean restarts, a crash never reuses a number that
// may have been delivered, and a directory that cannot be used is an error.
#include "sensor/output/sequence_store.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "tests/sensor/remote_test_util.h"

using namespace mirador;
using namespace mirador::test;

TEST_CASE("SequenceStore: first run starts at 1, a clean restart continues at last + 1",
          "[sequence_store]") {
  TempDir dir("seq_clean");
  {
    SequenceStore s(dir.path, 100);
    CHECK(s.start() == 1);
    for (uint64_t i = 1; i <= 250; ++i) REQUIRE(s.ensure(i));
    CHECK(s.reserved() >= 250);
    s.finish(250);
  }
  {
    SequenceStore s(dir.path, 100);
    CHECK(s.start() == 251);
    s.finish(250);  // numbered nothing: the next run still starts at 251
  }
  SequenceStore s(dir.path, 100);
  CHECK(s.start() == 251);
  CHECK(s.write_errors() == 0);
}

TEST_CASE("SequenceStore: after a crash the next run starts above every ensured sequence",
          "[sequence_store]") {
  TempDir dir("seq_crash");
  {
    SequenceStore s(dir.path, 100);
    for (uint64_t i = 1; i <= 150; ++i) REQUIRE(s.ensure(i));
    // no finish(): a crash
  }
  SequenceStore s(dir.path, 100);
  CHECK(s.start() > 150);
  CHECK(s.start() <= 150 + 100 + 1);  // at most one block skipped
}

TEST_CASE("SequenceStore: without a directory nothing is kept", "[sequence_store]") {
  SequenceStore s("");
  CHECK(s.start() == 1);
  CHECK(s.ensure(12345));
  s.finish(12345);
  CHECK(SequenceStore("").start() == 1);
}

TEST_CASE("SequenceStore: a directory or file that cannot be used is an error",
          "[sequence_store]") {
  TempDir dir("seq_bad");
  const std::string file = dir.path + "/not_a_dir";
  std::ofstream(file) << "x";
  CHECK_THROWS_AS(SequenceStore(file), std::runtime_error);
  // `sequence` that is not a readable file.
  std::filesystem::create_directories(dir.path + "/d/sequence");
  CHECK_THROWS_AS(SequenceStore(dir.path + "/d"), std::runtime_error);
  // Damaged contents: refused rather than guessed.
  std::filesystem::create_directories(dir.path + "/e");
  std::ofstream(dir.path + "/e/sequence") << "12abc\n";
  CHECK_THROWS_AS(SequenceStore(dir.path + "/e"), std::runtime_error);
}
