// Shared by the security tests: a scratch directory whose files get the modes a test needs, and
// a forked child for what cannot be undone in the test process (a privilege drop, a seccomp
// filter).
#pragma once

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>

namespace mirador::security::test {

struct TempDir {
  std::string path;
  std::string content;  // what file() writes
  explicit TempDir(std::string file_content = "x: 1\n") : content(std::move(file_content)) {
    char tmpl[] = "/tmp/mirador-security-test-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string file(const std::string& name, mode_t mode) const {
    const std::string p = path + "/" + name;
    std::ofstream(p) << content;
    REQUIRE(::chmod(p.c_str(), mode) == 0);
    return p;
  }
};

// Runs `body` in a forked child; the child's wait status (exit code `body()`, 255 on a throw).
template <typename F>
int child_status(F body) {
  std::fflush(nullptr);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int rc = 255;
    try {
      rc = body();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "child: %s\n", e.what());
    }
    _exit(rc);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  return status;
}

}  // namespace mirador::security::test
