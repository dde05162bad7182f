// Fuzz target: the sensor's configuration loader on YAML text (apply_config_yaml). The contract
// is a std::runtime_error naming the key for any bad content: any other exception escapes and is
// a finding. A document that loads must survive dump_config and load again to the same dump
// (the round trip `mirador --dump-config` promises). Input over 16 KiB is cut.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "sensor/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size < 16384 ? size : 16384);
  mirador::SensorConfig cfg;
  try {
    mirador::apply_config_yaml(cfg, text, "fuzz.yaml");
  } catch (const std::runtime_error&) {
    return 0;  // a clear error: what bad content must give
  }
  const std::string dump = mirador::dump_config(cfg);
  mirador::SensorConfig again;
  try {
    mirador::apply_config_yaml(again, dump, "dump");
  } catch (const std::runtime_error& e) {
    std::fprintf(stderr, "dump does not load again: %s\n%s\n", e.what(), dump.c_str());
    std::abort();
  }
  if (mirador::dump_config(again) != dump) {
    std::fprintf(stderr, "dump changed on reload:\n%s\n", dump.c_str());
    std::abort();
  }
  return 0;
}
