// An allowlist seccomp filter (libseccomp) for the sensor's steady state: once the capture,
// the outputs, the rules and the worker threads are set up, the process may only make the
// system calls listed in seccomp_filter.cc (each with the reason it is needed, found by running
// the sensor under `strace -f` with every output: JSON file with rotation, protobuf file, gRPC
// with its spool, Kafka). Anything else (execve, ptrace, socket families it never uses,
// mount, ...) gets security.seccomp_action: the process killed, the call logged by the kernel
// and allowed, or EPERM.
//
// Cost: the rules look at the call number only, never at arguments, so from Linux 5.11 the
// kernel caches "allowed" per call number and an allowed call does not run the filter at all;
// only a refused one does (about 0.1 us). A 300 MB capture makes about 260,000 calls.
//
// The filter is installed on every thread at once (SECCOMP_FILTER_FLAG_TSYNC) and inherited
// by threads made later (gRPC and librdkafka start some on demand), so the whole process is
// covered. It needs no_new_privs, which privileges.h sets at start-up.
#pragma once

#include <string>
#include <vector>

#include "sensor/security/security_config.h"

namespace mirador::security {

// The allowed system calls' names (x86_64 and aarch64 names; those a kernel lacks are skipped).
std::vector<std::string> allowed_syscalls();

// Installs the filter on every thread. Throws std::runtime_error when libseccomp refuses (an
// unknown syscall name in the list is an error too: a typo must not open a hole silently).
void install_seccomp_filter(SeccompAction action);

}  // namespace mirador::security
