// The sensor's start-up sequence for least privilege, in the order main() calls it:
//
//   check_config_file_before_load()  the -c file's mode and owner, before its keys are used
//   LeastPrivilege lp(cfg, ...)      before the first thread: the other trusted files checked
//                                    (rules, key log, spec, credentials), no_new_privs set, the
//                                    bounding set emptied, security.user resolved and a drop
//                                    the process has no right to make refused
//   lp.drop()                        the capture source is open: drop to security.user with no
//                                    capability kept (privileges.h says why none is needed),
//                                    then prove every later file access works as that user
//   lp.lock_down()                   everything is running, before the packet loop: the seccomp
//                                    allowlist when security.seccomp is on
//
// Each step throws std::runtime_error with a message for the operator; main() prints it and
// exits 2. A reload (SIGHUP) builds its configuration through check_config_file_before_load()
// again and calls check_reloaded_files() before using what it read: a file that became
// writable by others is refused (the reload with it) while the sensor runs on. The reload runs
// as the dropped user: the config file and the rules must stay readable by it (checked at the
// drop), and under the seccomp filter (its calls are in the allowlist).
#pragma once

#include <string>
#include <vector>

#include "sensor/config.h"
#include "sensor/security/file_permissions.h"
#include "sensor/security/privileges.h"

namespace mirador::security {

// The -c file is checked with the default policy unless the command line itself says
// `--set security.strict_file_modes=false`: a key inside a file cannot vouch for that file.
void check_config_file_before_load(const std::string& config_file,
                                   const std::vector<std::string>& overrides);

class LeastPrivilege {
 public:
  LeastPrivilege(const SensorConfig& cfg, std::string config_file);

  void drop();
  void lock_down();

  // A reload's check of the files the new configuration names: owners trusted as at start-up
  // (root or the user that started the sensor). Throws std::runtime_error.
  void check_reloaded_files(const SensorConfig& cfg) const;

  const FileModePolicy& file_policy() const { return policy_; }
  const PrivilegePlan& plan() const { return plan_; }

 private:
  const SensorConfig& cfg_;
  std::string config_file_;
  FileModePolicy policy_;
  PrivilegePlan plan_;
};

}  // namespace mirador::security
