#include "sensor/security/seccomp_filter.h"

#include <seccomp.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace mirador::security {

namespace {

struct Allowed {
  const char* name;
  const char* why;
};

// Found with `strace -f` on the running sensor (tools/seccomp_syscalls.sh redoes the survey: only
// what happens after the filter is loaded counts) with each output: JSON lines rotated every 64
// KiB, the protobuf file and the OpenAPI export, gRPC to mirador-collector with its spool, Kafka to
// librdkafka's mock broker; 1 and 2 workers; a SIGHUP reload. The survey saw 37 distinct calls in
// all; the rest is what rarer paths of the same code need (reconnecting after a collector or broker
// restart, DNS lookups of their names, spool segments spooled, replayed and removed, threads that
// gRPC and librdkafka start later, a reload's reads), each said below. The e2e tests run with the
// filter in kill mode: live capture (e2e_privdrop_live), every capture with 2 workers and DPDK
// (e2e_workers_equivalence); by hand, with a wrapper adding the two keys, e2e_collector_delivery
// (collector killed and restarted: 7 reconnects), e2e_collector_kafka, e2e_event_sinks,
// e2e_live_veth and e2e_h2_crosscheck (TLS key log) passed too.
constexpr Allowed kAllowed[] = {
    // Memory: allocators (glibc malloc arenas, protobuf/gRPC arenas, Hyperscan scratch).
    {"brk", "malloc"},
    {"mmap", "malloc, thread stacks, file buffers"},
    {"munmap", "free of large blocks, thread exit"},
    {"mremap", "realloc of large blocks"},
    {"mprotect", "thread stack guard pages, malloc arenas"},
    {"madvise", "malloc trims, thread exit (MADV_DONTNEED)"},
    // Threads: gRPC and librdkafka start threads after start-up; every thread syncs on futexes.
    {"clone", "threads started on demand (gRPC, librdkafka)"},
    {"clone3", "glibc 2.34+ pthread_create"},
    {"set_robust_list", "new thread set-up"},
    {"rseq", "new thread set-up (glibc 2.35+)"},
    {"futex", "mutexes, condition variables, the pipeline's doorbells"},
    {"sched_yield", "spin-then-yield loops (gRPC, librdkafka, rings)"},
    {"sched_getaffinity", "hardware_concurrency in libraries"},
    {"sched_getparam", "pthread_create of gRPC's threads made on demand"},
    {"sched_getscheduler", "pthread_create of gRPC's threads made on demand"},
    {"exit", "a thread ends"},
    {"exit_group", "the process ends"},
    {"gettid", "thread ids (logging, librdkafka)"},
    {"getpid", "gRPC fork detection, librdkafka"},
    {"tgkill", "abort() and raise()"},
    {"prctl", "thread names (PR_SET_NAME) by librdkafka"},
    {"rt_sigaction", "signal set-up in new threads"},
    {"rt_sigprocmask", "threads block signals while starting"},
    {"rt_sigreturn", "return from the SIGINT/SIGTERM handler"},
    {"rt_sigtimedwait", "the reloader thread waits for SIGHUP (sensor/reload)"},
    {"sigaltstack", "thread start and exit"},
    // Time.
    {"clock_gettime", "time (vDSO fallback)"},
    {"gettimeofday", "time (vDSO fallback)"},
    {"clock_nanosleep", "sleeps: aggregator naps, backoff"},
    {"nanosleep", "sleeps: worker naps"},
    {"clock_getres", "gRPC timers"},
    // Files: outputs, rotation, spool, sequence store, key log re-reads, /proc reads.
    {"openat", "output files, spool segments, key log, /proc/self"},
    {"close", "every descriptor"},
    {"read", "key log re-reads, spool replay, eventfds and pipes"},
    {"write", "output files, stderr stats lines, eventfds"},
    {"pread64", "spool segments replayed"},
    {"readv", "stdio reads"},
    {"writev", "stdio and gRPC writes"},
    {"lseek", "stdio, spool segments"},
    {"fstat", "stdio buffers"},
    {"newfstatat", "stat() of files and directories"},
    {"statx", "stat() in newer glibc and std::filesystem"},
    {"fsync", "sequence store"},
    {"fdatasync", "spool"},
    {"ftruncate", "spool segments cut back to their last whole event"},
    {"rename", "JSON rotation, spool and sequence files"},
    {"renameat", "JSON rotation, spool and sequence files"},
    {"renameat2", "glibc rename() on newer kernels"},
    {"unlink", "spool segments delivered"},
    {"unlinkat", "spool segments delivered (std::filesystem)"},
    {"mkdir", "spool directory"},
    {"mkdirat", "spool directory (std::filesystem)"},
    {"getdents64", "spool directory listing"},
    {"fcntl", "descriptor flags (gRPC, librdkafka, stdio)"},
    {"flock", "the spool's lock file"},
    {"ioctl", "isatty (TCGETS) on stdio, FIONREAD in gRPC"},
    {"readlink", "std::filesystem::canonical (the file-mode check of a reload)"},
    {"access", "file checks"},
    {"faccessat", "file checks"},
    {"faccessat2", "file checks (glibc 2.33+)"},
    // Capture: the packet socket (libpcap) and the loop's poll.
    {"poll",
     "the capture loop waits for the packet socket (libpcap's TPACKET_V3 ring); librdkafka"},
    {"ppoll", "poll() in newer glibc"},
    {"recvfrom", "DNS replies, librdkafka"},
    {"getsockopt", "pcap_stats (PACKET_STATISTICS), socket errors"},
    {"setsockopt", "socket options (gRPC, librdkafka: TCP_NODELAY, buffers)"},
    // Network outputs: gRPC (epoll engine) and librdkafka reconnect at any time; DNS lookups.
    {"socket", "reconnecting to the collector or the brokers; DNS"},
    {"connect", "reconnecting to the collector or the brokers; DNS"},
    {"bind", "DNS queries (resolver binds its UDP socket)"},
    {"getsockname", "gRPC, librdkafka"},
    {"getpeername", "gRPC, librdkafka"},
    {"sendto", "DNS, librdkafka"},
    {"sendmsg", "gRPC, librdkafka"},
    {"sendmmsg", "DNS (A and AAAA at once)"},
    {"recvmsg", "gRPC, librdkafka, DNS"},
    {"shutdown", "closing connections"},
    {"epoll_create1", "gRPC's event engine"},
    {"epoll_ctl", "gRPC's event engine"},
    {"epoll_wait", "gRPC's event engine"},
    {"epoll_pwait", "gRPC's event engine"},
    {"eventfd2", "gRPC wake-ups"},
    {"pipe2", "librdkafka wake-ups"},
    {"uname", "gRPC, librdkafka"},
    {"getrandom", "random keys, TLS (OpenSSL), hash seeds"},
    {"sysinfo", "librdkafka, glibc get_nprocs"},
    {"getrusage", "stats"},
    {"getuid", "glibc, OpenSSL"},
    {"geteuid", "glibc, OpenSSL"},
    {"getgid", "glibc, OpenSSL"},
    {"getegid", "glibc, OpenSSL"},
    {"restart_syscall", "a sleep interrupted by a signal resumes"},
};

uint32_t action_code(SeccompAction a) {
  switch (a) {
    case SeccompAction::kill:
      return SCMP_ACT_KILL_PROCESS;
    case SeccompAction::log:
      return SCMP_ACT_LOG;
    case SeccompAction::eperm:
      return SCMP_ACT_ERRNO(EPERM);
  }
  return SCMP_ACT_ERRNO(EPERM);
}

struct Filter {
  scmp_filter_ctx ctx;
  explicit Filter(uint32_t def) : ctx(seccomp_init(def)) {}
  ~Filter() { seccomp_release(ctx); }
};

}  // namespace

std::vector<std::string> allowed_syscalls() {
  std::vector<std::string> out;
  for (const auto& a : kAllowed) out.emplace_back(a.name);
  return out;
}

void install_seccomp_filter(SeccompAction action) {
  Filter f(action_code(action));
  if (!f.ctx) throw std::runtime_error("seccomp: cannot make a filter (libseccomp)");
  // Every thread at once, or the filter would cover only this one.
  int rc = seccomp_attr_set(f.ctx, SCMP_FLTATR_CTL_TSYNC, 1);
  if (rc != 0) throw std::runtime_error("seccomp: TSYNC: " + std::string(std::strerror(-rc)));
  for (const auto& a : kAllowed) {
    const int nr = seccomp_syscall_resolve_name(a.name);
    if (nr == __NR_SCMP_ERROR) {
      throw std::runtime_error(std::string("seccomp: unknown system call '") + a.name + "'");
    }
    rc = seccomp_rule_add(f.ctx, SCMP_ACT_ALLOW, nr, 0);
    // A call this architecture does not have (a negative pseudo number) cannot be added: skip.
    if (rc != 0 && nr >= 0) {
      throw std::runtime_error(std::string("seccomp: cannot allow '") + a.name +
                               "': " + std::strerror(-rc));
    }
  }
  rc = seccomp_load(f.ctx);
  if (rc != 0) {
    throw std::runtime_error("seccomp: cannot load the filter: " + std::string(std::strerror(-rc)) +
                             (rc == -ESRCH ? " (a thread has another filter)" : ""));
  }
}

}  // namespace mirador::security
