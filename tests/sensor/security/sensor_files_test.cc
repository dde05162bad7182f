#include "sensor/security/sensor_files.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "sensor/security/least_privilege.h"
#include "tests/sensor/security/security_test_util.h"

using namespace mirador;
using namespace mirador::security;
using mirador::security::test::TempDir;
namespace fs = std::filesystem;

namespace {

const char* const kConfigText = "stats:\n  progress: false\n";

}  // namespace

TEST_CASE("the config file vouches for itself only from the command line", "[security][files]") {
  TempDir d(kConfigText);
  const auto bad = d.file("m.yaml", 0666);
  CHECK_THROWS_WITH(check_config_file_before_load(bad, {}),
                    Catch::Contains("config file: '" + fs::canonical(bad).string() +
                                    "' is writable by group and others (mode 0666)"));
  CHECK_NOTHROW(check_config_file_before_load(bad, {"security.strict_file_modes=false"}));
  CHECK_NOTHROW(check_config_file_before_load("", {}));
}

TEST_CASE("the files the configuration names are checked, each under its key",
          "[security][files]") {
  TempDir d(kConfigText);
  SensorConfig cfg;
  cfg.worker.detect.enabled = false;
  cfg.tls_keylog_file = d.file("keys.log", 0644);
  cfg.openapi_spec = d.file("spec.yaml", 0644);
  CHECK_NOTHROW(check_sensor_files(cfg, {true, getuid()}));
  cfg.openapi_spec = d.file("spec2.yaml", 0620);
  cfg.grpc.token_file = d.file("token", 0602);
  try {
    check_sensor_files(cfg, {true, getuid()});
    FAIL("not refused");
  } catch (const std::exception& e) {
    CHECK_THAT(e.what(), Catch::Contains("inventory.openapi_spec: '"));
    CHECK_THAT(e.what(), Catch::Contains("output.grpc_token_file: '"));
  }
  CHECK_NOTHROW(check_sensor_files(cfg, {false, getuid()}));
}

TEST_CASE("after a drop, outputs and inputs the user cannot reach are named", "[security][files]") {
  if (geteuid() != 0) {
    WARN("not root: no user to drop to");
    return;
  }
  TempDir d(kConfigText);
  REQUIRE(::chmod(d.path.c_str(), 0755) == 0);
  const std::string mine = d.path + "/nobody";
  REQUIRE(::mkdir(mine.c_str(), 0755) == 0);
  REQUIRE(::chown(mine.c_str(), 65534, 65534) == 0);
  SensorConfig cfg;
  cfg.json_output = mine + "/events.jsonl";           // nobody's directory: fine
  cfg.protobuf_file = d.path + "/events.pb";          // root's directory: refused
  cfg.tls_keylog_file = d.file("keys.log", 0600);     // root's, unreadable: refused
  cfg.grpc.address = "127.0.0.1:1";                   // a remote sink: the spool matters
  cfg.spool_dir = d.path + "/spool/x";                // made later under root's directory
  const std::string config = d.file("m.yaml", 0644);  // readable: fine
  std::fflush(nullptr);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0) _exit(10);
    const auto p = access_problems(cfg, config, "nobody");
    std::string all;
    for (const auto& x : p) all += x + "\n";
    const bool ok =
        p.size() == 3 &&
        all.find("output.protobuf_file: directory '" + d.path +
                 "' is not writable by user nobody") != std::string::npos &&
        all.find("tls.keylog_file: '") != std::string::npos &&
        all.find("output.spool_dir: '" + d.path + "' is not writable") != std::string::npos;
    if (!ok) std::fprintf(stderr, "%s", all.c_str());
    _exit(ok ? 0 : 11);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
