#include "sensor/security/file_permissions.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/sensor/security/security_test_util.h"

using namespace mirador::security;
using mirador::security::test::TempDir;
namespace fs = std::filesystem;

namespace {

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "\n";
  return s;
}

}  // namespace

TEST_CASE("a file only its owner can write passes", "[security][modes]") {
  TempDir d;
  const auto f = d.file("mirador.yaml", 0644);
  CHECK(file_mode_problems("config file", f, FileKind::file, getuid()).empty());
  CHECK_NOTHROW(check_file_modes("config file", f, FileKind::file, {true, getuid()}));
}

TEST_CASE("group- or world-writable files are refused with the mode named", "[security][modes]") {
  TempDir d;
  const auto g = d.file("group.yaml", 0664);
  auto p = joined(file_mode_problems("config file", g, FileKind::file, getuid()));
  CHECK_THAT(p, Catch::Contains("writable by group (mode 0664)"));
  CHECK_THAT(p, Catch::Contains("config file: '" + fs::canonical(g).string() + "'"));
  const auto o = d.file("other.yaml", 0646);
  p = joined(file_mode_problems("tls.keylog_file", o, FileKind::file, getuid()));
  CHECK_THAT(p, Catch::Contains("tls.keylog_file"));
  CHECK_THAT(p, Catch::Contains("writable by others (mode 0646)"));
  CHECK_THROWS_WITH(check_file_modes("config file", g, FileKind::file, {true, getuid()}),
                    Catch::Contains("security.strict_file_modes=false"));
  // The explicit opt-out.
  CHECK_NOTHROW(check_file_modes("config file", g, FileKind::file, {false, getuid()}));
}

TEST_CASE("every rule file of a rules directory is checked", "[security][modes]") {
  TempDir d;
  d.file("a.yaml", 0644);
  d.file("b.yaml", 0666);
  const auto p =
      joined(file_mode_problems("detect.rules_dir", d.path, FileKind::directory_all, getuid()));
  CHECK_THAT(p, Catch::Contains("b.yaml' is writable by group and others (mode 0666)"));
  CHECK_THAT(p, !Catch::Contains("a.yaml"));
}

TEST_CASE("a writable directory above the file is refused, root's sticky /tmp is not",
          "[security][modes]") {
  TempDir d;
  const std::string sub = d.path + "/conf";
  REQUIRE(::mkdir(sub.c_str(), 0755) == 0);
  std::ofstream(sub + "/m.yaml") << "x: 1\n";
  REQUIRE(::chmod((sub + "/m.yaml").c_str(), 0644) == 0);
  CHECK(file_mode_problems("config file", sub + "/m.yaml", FileKind::file, getuid()).empty());
  REQUIRE(::chmod(sub.c_str(), 0777) == 0);  // anyone could swap m.yaml
  const auto p =
      joined(file_mode_problems("config file", sub + "/m.yaml", FileKind::file, getuid()));
  CHECK_THAT(p, Catch::Contains("(a directory above it) is writable by group and others"));
  // Sticky but not root's own would not pass either; /tmp itself (1777, root) does (above).
  struct stat st {};
  REQUIRE(::stat("/tmp", &st) == 0);
  if ((st.st_mode & S_ISVTX) && st.st_uid == 0) {
    CHECK_THAT(p, !Catch::Contains("'/tmp' (a directory above it)"));
  }
}

TEST_CASE("a file owned by another user is refused", "[security][modes]") {
  TempDir d;
  const auto f = d.file("owned.yaml", 0644);
  if (geteuid() != 0) {
    // Not root: the file is ours; trusting only root and uid 4242 makes it foreign.
    const auto p = joined(file_mode_problems("inventory.openapi_spec", f, FileKind::file, 4242));
    CHECK_THAT(p, Catch::Contains("is owned by uid " + std::to_string(getuid())));
    return;
  }
  REQUIRE(::chown(f.c_str(), 4242, 4242) == 0);
  const auto p = joined(file_mode_problems("inventory.openapi_spec", f, FileKind::file, 0));
  CHECK_THAT(p, Catch::Contains("is owned by uid 4242, not by root or uid 0"));
  // The trusted user itself may own it.
  CHECK(file_mode_problems("inventory.openapi_spec", f, FileKind::file, 4242).empty());
}

TEST_CASE("a missing path is left to its reader", "[security][modes]") {
  CHECK(file_mode_problems("tls.keylog_file", "/nonexistent/keys.log", FileKind::file, 0).empty());
}
