#include "sensor/security/seccomp_filter.h"

#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <set>
#include <thread>

#include "tests/sensor/security/security_test_util.h"

using namespace mirador::security;
// A forked child: the filter cannot be removed once loaded.
using mirador::security::test::child_status;

namespace {}  // namespace

TEST_CASE("the allowlist names real system calls, once each", "[security][seccomp]") {
  const auto names = allowed_syscalls();
  CHECK(names.size() > 50);
  CHECK(std::set<std::string>(names.begin(), names.end()).size() == names.size());
  for (const char* never : {"execve", "execveat", "ptrace", "mount", "setuid", "capset",
                            "init_module", "bpf", "process_vm_writev", "fork", "vfork"}) {
    CHECK(std::set<std::string>(names.begin(), names.end()).count(never) == 0);
  }
}

TEST_CASE("with action errno, execve and ptrace fail with EPERM; allowed calls work",
          "[security][seccomp]") {
  const int status = child_status([] {
    install_seccomp_filter(SeccompAction::eperm);
    if (getpid() <= 0) return 10;  // allowed
    char* argv[] = {const_cast<char*>("/bin/true"), nullptr};
    char* envp[] = {nullptr};
    if (execve("/bin/true", argv, envp) != -1 || errno != EPERM) return 11;
    if (ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) != -1 || errno != EPERM) return 12;
    return 0;
  });
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("with action kill, execve kills the process", "[security][seccomp]") {
  const int status = child_status([] {
    install_seccomp_filter(SeccompAction::kill);
    char* argv[] = {const_cast<char*>("/bin/true"), nullptr};
    char* envp[] = {nullptr};
    execve("/bin/true", argv, envp);
    return 30;  // not reached
  });
  REQUIRE(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGSYS);
}

TEST_CASE("threads that existed before the filter are filtered too (TSYNC)",
          "[security][seccomp]") {
  const int status = child_status([] {
    std::atomic<int> phase{0};
    std::atomic<int> result{-1};
    std::thread t([&] {
      while (phase.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      char* argv[] = {const_cast<char*>("/bin/true"), nullptr};
      char* envp[] = {nullptr};
      result = execve("/bin/true", argv, envp) == -1 && errno == EPERM ? 0 : 1;
    });
    install_seccomp_filter(SeccompAction::eperm);
    phase = 1;
    t.join();
    // A thread made after the filter inherits it.
    std::thread later(
        [&] { result = result | (ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) == -1 ? 0 : 2); });
    later.join();
    return result.load();
  });
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
