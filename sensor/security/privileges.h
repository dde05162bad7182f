// Least privilege: the sensor gives up root once its capture is open.
//
// Two steps, because Linux keeps capabilities, the bounding set and no_new_privs per thread and
// a thread inherits them from the thread that made it:
//  1. prepare_privileges(), in main() before the first thread exists: PR_SET_NO_NEW_PRIVS (no
//     execve can ever gain privileges again) and, with CAP_SETPCAP, an empty capability bounding
//     set. Every thread made later (DPDK's EAL, workers, output, gRPC, librdkafka) inherits both.
//     It also resolves security.user/security.group and refuses a drop the process has no right
//     to make (started as another non-root user): a clear error at start-up, not later.
//  2. drop_privileges(), once the capture source is open and before the outputs, rules and
//     workers: supplementary groups cleared, gid and uid changed on every thread (glibc applies
//     set*id to the whole process) and every capability dropped (permitted, effective,
//     inheritable, ambient) through libcap-ng but those in `keep`, which only the calling
//     thread (the capture thread) holds; then each thread of /proc/self/task is checked and
//     any leftover (a uid, a capability, no_new_privs missing) is an error.
//
// Kept capabilities: none. An open libpcap capture (a TPACKET_V3 packet socket mapped into
// memory, its BPF filter attached) reads, polls and asks for statistics without any
// capability; promiscuous mode is a membership of the socket and ends with it. When the
// interface goes down and comes back the kernel re-hooks the same socket and the capture
// carries on (e2e_privdrop_live takes the link down and up). A DPDK port is set up by
// rte_eal_init before the drop and read from mapped memory afterwards (e2e_workers_equivalence
// runs the net_pcap vdev as nobody).
// Known limit: an interface deleted and made anew needs a new packet socket, so CAP_NET_RAW;
// after a drop the reopen (capture.reopen_interval_ms) fails with EPERM, is logged and retried,
// and a supervisor restart brings the capture back. Keeping CAP_NET_RAW for it would need the
// capture thread alone to hold it: capabilities are per thread and every thread made after
// the drop (workers, output, gRPC, reload) would inherit it from the dropping thread. `keep`
// below is that mechanism, verified per thread, for a later change of order (drop the
// identity before the threads, keep the saved uid, and finish after them).

// Without security.user nothing changes identity: a non-root sensor (the usual way to run it
// without root) only sheds capabilities it may hold from file capabilities; a root sensor
// keeps root and main() warns.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "sensor/security/security_config.h"

namespace mirador::security {

struct Identity {
  uid_t uid = 0;
  gid_t gid = 0;
  std::string user;   // as named (or the number)
  std::string group;  // as named, or the user's primary group's name
};

// Looks up `user` (a name or a number) and `group` (empty: the user's primary group). Throws
// std::runtime_error naming the unknown user or group.
Identity resolve_identity(const std::string& user, const std::string& group);

struct PrivilegePlan {
  bool change_identity = false;  // a security.user other than the current one, and the right
  Identity target;
  bool bounding_cleared = false;   // the bounding set was emptied (the process had CAP_SETPCAP)
  bool root_without_user = false;  // uid 0 and no security.user: main() warns
  std::vector<unsigned> keep;      // capabilities the calling thread keeps (CAP_* numbers)
};

// Step 1 (see above). Throws std::runtime_error when the drop asked for cannot be made.
PrivilegePlan prepare_privileges(const SecurityConfig& cfg);

// Step 2 (see above). Throws std::runtime_error naming what failed or what a thread kept.
void drop_privileges(const PrivilegePlan& plan);

// One thread's credentials as /proc/<pid>/task/<tid>/status shows them.
struct ThreadCredentials {
  std::string tid;
  uid_t uid[4] = {};  // real, effective, saved, filesystem
  gid_t gid[4] = {};
  size_t supplementary_groups = 0;
  uint64_t cap_inh = 0, cap_prm = 0, cap_eff = 0, cap_bnd = 0, cap_amb = 0;
  bool no_new_privs = false;
  int seccomp = 0;  // 0 off, 1 strict, 2 filter
};

// Parses the text of a status file (missing fields stay zero).
ThreadCredentials parse_proc_status(const std::string& text);
// Every thread of this process.
std::vector<ThreadCredentials> read_thread_credentials();

// What in `threads` breaks the dropped state: not all ids `target`'s, supplementary groups,
// a capability (but those of `kept`, a mask, in thread `keeper`), no_new_privs off, a non-empty
// bounding set when `bounding_cleared`. One message per problem.
std::vector<std::string> dropped_state_problems(const std::vector<ThreadCredentials>& threads,
                                                const Identity& target, bool bounding_cleared,
                                                uint64_t kept = 0, const std::string& keeper = "");

}  // namespace mirador::security
