#include "sensor/security/privileges.h"

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <string>
#include <thread>

#include "tests/sensor/security/security_test_util.h"

using namespace mirador::security;

namespace {

const char* kStatus =
    "Name:\tmirador\n"
    "Uid:\t65534\t65534\t65534\t65534\n"
    "Gid:\t65534\t65534\t65534\t65534\n"
    "Groups:\t\n"
    "CapInh:\t0000000000000000\n"
    "CapPrm:\t0000000000000000\n"
    "CapEff:\t0000000000000000\n"
    "CapBnd:\t0000000000000000\n"
    "CapAmb:\t0000000000000000\n"
    "NoNewPrivs:\t1\n"
    "Seccomp:\t2\n";

// Runs `body` in a forked child (the drop cannot be undone); its exit status, 255 on a throw.
template <typename F>
int in_child(F body) {
  const int status = test::child_status(body);
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}

}  // namespace

TEST_CASE("a /proc status file is read", "[security][privileges]") {
  ThreadCredentials t = parse_proc_status(kStatus);
  CHECK(t.uid[0] == 65534);
  CHECK(t.uid[3] == 65534);
  CHECK(t.gid[1] == 65534);
  CHECK(t.supplementary_groups == 0);
  CHECK(t.cap_bnd == 0);
  CHECK(t.no_new_privs);
  CHECK(t.seccomp == 2);
  t = parse_proc_status("Uid:\t0\t0\t0\t0\nGroups:\t0 1 2\nCapEff:\t000001ffffffffff\n");
  CHECK(t.supplementary_groups == 3);
  CHECK(t.cap_eff == 0x1ffffffffffULL);
  CHECK_FALSE(t.no_new_privs);
}

TEST_CASE("what a dropped process must not keep is reported per thread", "[security][privileges]") {
  Identity nobody;
  nobody.uid = nobody.gid = 65534;
  ThreadCredentials ok = parse_proc_status(kStatus);
  ok.tid = "7";
  CHECK(dropped_state_problems({ok}, nobody, true).empty());
  ThreadCredentials bad = ok;
  bad.tid = "8";
  bad.uid[2] = 0;                        // a saved uid 0 could take root back
  bad.cap_eff = bad.cap_prm = 1u << 13;  // CAP_NET_RAW
  bad.no_new_privs = false;
  bad.supplementary_groups = 2;
  const auto p = dropped_state_problems({ok, bad}, nobody, true);
  REQUIRE(p.size() == 4);
  CHECK(p[0] == "thread 8: uid 0 left (want 65534)");
  CHECK_THAT(p[2], Catch::Contains("capabilities left (permitted 0000000000002000"));
  CHECK(p[3] == "thread 8: no_new_privs is off");
}

TEST_CASE("users and groups are resolved by name or number", "[security][privileges]") {
  const Identity root = resolve_identity("root", "");
  CHECK(root.uid == 0);
  CHECK(root.gid == 0);
  CHECK(root.group == "root");
  CHECK(resolve_identity("0", "").user == "root");
  const Identity n = resolve_identity("nobody", "nogroup");
  CHECK(n.uid == 65534);
  CHECK(n.group == "nogroup");
  CHECK_THROWS_WITH(resolve_identity("no-such-mirador-user", ""),
                    Catch::Contains("security.user: no such user 'no-such-mirador-user'"));
  CHECK_THROWS_WITH(resolve_identity("nobody", "no-such-mirador-group"),
                    Catch::Contains("security.group: no such group 'no-such-mirador-group'"));
}

TEST_CASE("root drops to nobody on every thread, no capability kept", "[security][privileges]") {
  if (geteuid() != 0) {
    WARN("not root: the drop itself is not tested");
    return;
  }
  const int rc = in_child([] {
    SecurityConfig cfg;
    cfg.user = "nobody";
    const PrivilegePlan plan = prepare_privileges(cfg);
    if (!plan.change_identity || !plan.bounding_cleared) return 10;
    // A thread made between the two steps (DPDK's EAL makes some): it must end as dropped.
    std::atomic<bool> stop{false};
    std::thread early([&] {
      while (!stop) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    });
    drop_privileges(plan);  // throws if any thread kept anything
    // And one made after.
    std::thread late([] {});
    late.join();
    const auto threads = read_thread_credentials();
    stop = true;
    early.join();
    if (threads.size() < 2) return 11;
    for (const auto& t : threads) {
      if (t.uid[1] != 65534 || t.cap_eff || t.cap_prm || t.cap_bnd || !t.no_new_privs) return 12;
    }
    // Root cannot be taken back.
    if (setuid(0) == 0) return 13;
    return 0;
  });
  CHECK(rc == 0);
}

TEST_CASE("a kept capability stays with the dropping thread alone", "[security][privileges]") {
  if (geteuid() != 0) {
    WARN("not root: the drop itself is not tested");
    return;
  }
  const int rc = in_child([] {
    SecurityConfig cfg;
    cfg.user = "nobody";
    PrivilegePlan plan = prepare_privileges(cfg);
    plan.keep.push_back(13);  // CAP_NET_RAW: the capture thread reopens its interface
    std::atomic<bool> stop{false};
    std::thread other([&] {
      while (!stop) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    });
    drop_privileges(plan);  // throws if the other thread kept anything
    const auto threads = read_thread_credentials();
    stop = true;
    other.join();
    const std::string self = std::to_string(gettid());
    int keepers = 0;
    for (const auto& t : threads) {
      const uint64_t want = t.tid == self ? (1u << 13) : 0;
      if (t.cap_eff != want || t.cap_prm != want || t.cap_bnd) return 30;
      keepers += t.tid == self;
    }
    return keepers == 1 ? 0 : 31;
  });
  CHECK(rc == 0);
}

TEST_CASE("a non-root process asked for another user is refused clearly",
          "[security][privileges]") {
  if (geteuid() != 0) {
    SecurityConfig cfg;
    cfg.user = "root";
    CHECK_THROWS_WITH(prepare_privileges(cfg), Catch::Contains("without CAP_SETUID"));
    return;
  }
  // Root: become nobody first (no capabilities left), then ask for another user.
  const int rc = in_child([] {
    SecurityConfig cfg;
    cfg.user = "nobody";
    drop_privileges(prepare_privileges(cfg));
    SecurityConfig again;
    again.user = "daemon";
    try {
      prepare_privileges(again);
      return 20;
    } catch (const std::exception& e) {
      if (std::string(e.what()).find("without CAP_SETUID and CAP_SETGID") == std::string::npos)
        return 21;
    }
    // The user it already is: a no-op, not an error.
    SecurityConfig same;
    same.user = "nobody";
    return prepare_privileges(same).change_identity ? 22 : 0;
  });
  CHECK(rc == 0);
}
