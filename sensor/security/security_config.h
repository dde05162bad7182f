// The security.* configuration keys (least privilege, issue 8): the user and group the sensor
// drops to once its capture is open, the file-mode check of the files it trusts, and the
// optional seccomp allowlist. Header only: sensor/config.cc parses these keys without linking
// the security library.
#pragma once

#include <string>

namespace mirador::security {

// What a syscall outside the allowlist gets: the process killed (SIGSYS), the call logged by the
// kernel and allowed (trying a new deployment), or the call failing with EPERM.
enum class SeccompAction { kill, log, eperm };

struct SecurityConfig {
  // security.user (--user): drop to this user (name or number) once the capture and outputs
  // are set up; empty = keep the identity the sensor was started with.
  std::string user;
  // security.group: the group to drop to; empty = the user's primary group.
  std::string group;
  // security.strict_file_modes: refuse config, rules, key log and spec files that others could
  // write (sshd's StrictModes).
  bool strict_file_modes = true;
  bool seccomp = false;                                 // security.seccomp
  SeccompAction seccomp_action = SeccompAction::eperm;  // security.seccomp_action
};

inline const char* seccomp_action_name(SeccompAction a) {
  switch (a) {
    case SeccompAction::kill:
      return "kill";
    case SeccompAction::log:
      return "log";
    case SeccompAction::eperm:
      return "errno";
  }
  return "errno";
}

// "kill", "log" or "errno"; false for anything else.
inline bool parse_seccomp_action(const std::string& text, SeccompAction& out) {
  if (text == "kill") {
    out = SeccompAction::kill;
  } else if (text == "log") {
    out = SeccompAction::log;
  } else if (text == "errno") {
    out = SeccompAction::eperm;
  } else {
    return false;
  }
  return true;
}

}  // namespace mirador::security
