#include "sensor/security/least_privilege.h"

#include <unistd.h>

#include <cstdio>
#include <stdexcept>

#include "sensor/security/seccomp_filter.h"
#include "sensor/security/sensor_files.h"

namespace mirador::security {

void check_config_file_before_load(const std::string& config_file,
                                   const std::vector<std::string>& overrides) {
  if (config_file.empty()) return;
  SensorConfig cli;  // the command line's word only
  for (const auto& o : overrides) apply_config_override(cli, o);
  check_config_file(config_file, FileModePolicy{cli.security.strict_file_modes, getuid()});
}

LeastPrivilege::LeastPrivilege(const SensorConfig& cfg, std::string config_file)
    : cfg_(cfg), config_file_(std::move(config_file)) {
  policy_.strict = cfg.security.strict_file_modes;
  policy_.trusted_uid = getuid();
  check_sensor_files(cfg, policy_);
  plan_ = prepare_privileges(cfg.security);
  // No capability is kept (privileges.h): threads made after the drop inherit the dropping
  // thread's sets, so a CAP_NET_RAW kept for reopening the interface would reach every worker.
  // Reading a file needs no privilege at all; a live capture as root is worth a word.
  if (plan_.root_without_user && (!cfg.live.interface.empty() || cfg.dpdk.enabled)) {
    std::fprintf(stderr,
                 "mirador: warning: running as root for the whole run; set security.user (or "
                 "--user) to drop to an unprivileged user once the capture is open\n");
  }
}

void LeastPrivilege::drop() {
  drop_privileges(plan_);
  if (!plan_.change_identity) return;
  const auto problems = access_problems(cfg_, config_file_, plan_.target.user);
  if (!problems.empty()) {
    std::string msg = "after dropping to user " + plan_.target.user + ":";
    for (const auto& p : problems) msg += "\n  " + p;
    throw std::runtime_error(msg);
  }
  std::fprintf(stderr, "mirador: dropped to user %s (uid %u), group %s (gid %u), %s\n",
               plan_.target.user.c_str(), static_cast<unsigned>(plan_.target.uid),
               plan_.target.group.c_str(), static_cast<unsigned>(plan_.target.gid),
               plan_.keep.empty() ? "no capabilities"
                                  : "keeping cap_net_raw in the capture thread (reopening the "
                                    "interface)");
}

void LeastPrivilege::lock_down() {
  if (!cfg_.security.seccomp) return;
  install_seccomp_filter(cfg_.security.seccomp_action);
  std::fprintf(stderr, "mirador: seccomp allowlist on (%zu system calls; others: %s)\n",
               allowed_syscalls().size(), seccomp_action_name(cfg_.security.seccomp_action));
}

void LeastPrivilege::check_reloaded_files(const SensorConfig& cfg) const {
  // The config file itself was checked by check_config_file_before_load() as at start-up; the
  // files it names, under the reloaded strictness, trusted owners as at start-up.
  FileModePolicy p = policy_;
  p.strict = cfg.security.strict_file_modes;
  check_sensor_files(cfg, p);
}

}  // namespace mirador::security
