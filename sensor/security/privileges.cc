#include "sensor/security/privileges.h"

#include <cap-ng.h>
#include <dirent.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace mirador::security {

namespace {

bool parse_id(const std::string& text, unsigned long& out) {
  if (text.empty()) return false;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && p == text.data() + text.size();
}

std::string errno_text(int err) {
  return std::strerror(err);
}

// The whole-process check of step 2 as one error.
void throw_problems(const std::vector<std::string>& problems) {
  if (problems.empty()) return;
  std::string msg = "privilege drop incomplete:";
  for (const auto& p : problems) msg += "\n  " + p;
  throw std::runtime_error(msg);
}

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

Identity resolve_identity(const std::string& user, const std::string& group) {
  Identity id;
  // getpwnam_r's buffer: sysconf may say -1 (no limit); 16 KiB covers any sane entry.
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  unsigned long number = 0;
  int rc = getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found);
  if (!found && parse_id(user, number)) {
    rc = getpwuid_r(static_cast<uid_t>(number), &pw, buf.data(), buf.size(), &found);
  }
  if (!found) {
    throw std::runtime_error("security.user: no such user '" + user + "'" +
                             (rc ? " (" + errno_text(rc) + ")" : ""));
  }
  id.uid = pw.pw_uid;
  id.gid = pw.pw_gid;
  id.user = pw.pw_name;
  struct group gr {};
  struct group* gfound = nullptr;
  if (group.empty()) {
    rc = getgrgid_r(id.gid, &gr, buf.data(), buf.size(), &gfound);
    id.group = gfound ? gfound->gr_name : std::to_string(id.gid);
    return id;
  }
  rc = getgrnam_r(group.c_str(), &gr, buf.data(), buf.size(), &gfound);
  if (!gfound && parse_id(group, number)) {
    rc = getgrgid_r(static_cast<gid_t>(number), &gr, buf.data(), buf.size(), &gfound);
  }
  if (!gfound) {
    throw std::runtime_error("security.group: no such group '" + group + "'" +
                             (rc ? " (" + errno_text(rc) + ")" : ""));
  }
  id.gid = gfound->gr_gid;
  id.group = gfound->gr_name;
  return id;
}

PrivilegePlan prepare_privileges(const SecurityConfig& cfg) {
  PrivilegePlan plan;
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    throw std::runtime_error("prctl(PR_SET_NO_NEW_PRIVS): " + errno_text(errno));
  }
  if (capng_get_caps_process() != 0) {
    throw std::runtime_error("cannot read the process capabilities: " + errno_text(errno));
  }
  const bool can_setuid = capng_have_capability(CAPNG_EFFECTIVE, CAP_SETUID) &&
                          capng_have_capability(CAPNG_EFFECTIVE, CAP_SETGID);
  if (!cfg.user.empty()) {
    plan.target = resolve_identity(cfg.user, cfg.group);
    uid_t r, e, s;
    gid_t gr, ge, gs;
    getresuid(&r, &e, &s);
    getresgid(&gr, &ge, &gs);
    const bool already = r == plan.target.uid && e == plan.target.uid && s == plan.target.uid &&
                         gr == plan.target.gid && ge == plan.target.gid && gs == plan.target.gid;
    if (!already) {
      if (!can_setuid) {
        throw std::runtime_error("security.user: cannot become user " + plan.target.user +
                                 " (group " + plan.target.group + "): the sensor runs as uid " +
                                 std::to_string(e) +
                                 " without CAP_SETUID and CAP_SETGID; start it as root, or "
                                 "leave security.user (--user) unset");
      }
      plan.change_identity = true;
    }
  } else {
    plan.root_without_user = geteuid() == 0;
  }
  // An empty bounding set: no execve could bring a capability back. Needs CAP_SETPCAP; a
  // non-root sensor has nothing to bound (and no_new_privs already blocks set-uid programs).
  if (capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP)) {
    capng_clear(CAPNG_SELECT_BOUNDS);
    if (capng_apply(CAPNG_SELECT_BOUNDS) != 0) {
      throw std::runtime_error("cannot clear the capability bounding set: " + errno_text(errno));
    }
    plan.bounding_cleared = true;
  }
  return plan;
}

void drop_privileges(const PrivilegePlan& plan) {
  if (capng_get_caps_process() != 0) {
    throw std::runtime_error("cannot read the process capabilities: " + errno_text(errno));
  }
  if (!plan.change_identity) {
    // Same identity: shed what file capabilities or an ambient set gave (threads made from now
    // on inherit the empty sets). Root without security.user keeps root, by request.
    if (geteuid() != 0 && capng_have_permitted_capabilities() != CAPNG_NONE) {
      capng_clear(CAPNG_SELECT_CAPS);
      capng_clear(CAPNG_SELECT_AMBIENT);
      for (unsigned cap : plan.keep) {
        if (capng_have_capability(CAPNG_PERMITTED, cap)) {
          capng_update(CAPNG_ADD, static_cast<capng_type_t>(CAPNG_EFFECTIVE | CAPNG_PERMITTED),
                       cap);
        }
      }
      if (capng_apply(CAPNG_SELECT_CAPS) != 0) {
        throw std::runtime_error("cannot drop capabilities: " + errno_text(errno));
      }
    }
    return;
  }
  // Only `keep` (see the header): libcap-ng changes the ids with PR_SET_KEEPCAPS around
  // setresuid, then applies these sets to this thread. The other threads lose their
  // capabilities with the uid change itself (no keep-caps on them).
  capng_clear(CAPNG_SELECT_ALL);
  uint64_t kept = 0;
  for (unsigned cap : plan.keep) {
    capng_update(CAPNG_ADD, static_cast<capng_type_t>(CAPNG_EFFECTIVE | CAPNG_PERMITTED), cap);
    kept |= uint64_t{1} << cap;
  }
  const int flags = CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_AMBIENT |
                    (plan.bounding_cleared ? CAPNG_CLEAR_BOUNDING : 0);
  const int rc =
      capng_change_id(static_cast<int>(plan.target.uid), static_cast<int>(plan.target.gid),
                      static_cast<capng_flags_t>(flags));
  if (rc != 0) {
    throw std::runtime_error("cannot drop to user " + plan.target.user + " (group " +
                             plan.target.group + "): libcap-ng capng_change_id returned " +
                             std::to_string(rc) + " (" + errno_text(errno) + ")");
  }
  throw_problems(dropped_state_problems(read_thread_credentials(), plan.target,
                                        plan.bounding_cleared, kept, std::to_string(gettid())));
}

ThreadCredentials parse_proc_status(const std::string& text) {
  ThreadCredentials t;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = line.substr(0, colon);
    std::istringstream v(line.substr(colon + 1));
    if (key == "Uid") {
      for (auto& u : t.uid) v >> u;
    } else if (key == "Gid") {
      for (auto& g : t.gid) v >> g;
    } else if (key == "Groups") {
      for (std::string g; v >> g;) ++t.supplementary_groups;
    } else if (key == "CapInh" || key == "CapPrm" || key == "CapEff" || key == "CapBnd" ||
               key == "CapAmb") {
      uint64_t x = 0;
      v >> std::hex >> x;
      (key == "CapInh"   ? t.cap_inh
       : key == "CapPrm" ? t.cap_prm
       : key == "CapEff" ? t.cap_eff
       : key == "CapBnd" ? t.cap_bnd
                         : t.cap_amb) = x;
    } else if (key == "NoNewPrivs") {
      int x = 0;
      v >> x;
      t.no_new_privs = x != 0;
    } else if (key == "Seccomp") {
      v >> t.seccomp;
    }
  }
  return t;
}

std::vector<ThreadCredentials> read_thread_credentials() {
  std::vector<ThreadCredentials> out;
  DIR* d = opendir("/proc/self/task");
  if (!d) throw std::runtime_error("cannot list /proc/self/task: " + errno_text(errno));
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream f(std::string("/proc/self/task/") + e->d_name + "/status");
    if (!f) continue;  // the thread ended meanwhile
    std::stringstream ss;
    ss << f.rdbuf();
    out.push_back(parse_proc_status(ss.str()));
    out.back().tid = e->d_name;
  }
  closedir(d);
  return out;
}

std::vector<std::string> dropped_state_problems(const std::vector<ThreadCredentials>& threads,
                                                const Identity& target, bool bounding_cleared,
                                                uint64_t kept, const std::string& keeper) {
  std::vector<std::string> problems;
  for (const auto& t : threads) {
    const std::string who = "thread " + t.tid + ": ";
    for (uid_t u : t.uid) {
      if (u != target.uid) {
        problems.push_back(who + "uid " + std::to_string(u) + " left (want " +
                           std::to_string(target.uid) + ")");
        break;
      }
    }
    for (gid_t g : t.gid) {
      if (g != target.gid) {
        problems.push_back(who + "gid " + std::to_string(g) + " left (want " +
                           std::to_string(target.gid) + ")");
        break;
      }
    }
    if (t.supplementary_groups) {
      problems.push_back(who + std::to_string(t.supplementary_groups) +
                         " supplementary groups left");
    }
    const uint64_t allowed = t.tid == keeper ? kept : 0;
    if (((t.cap_prm | t.cap_eff) & ~allowed) | t.cap_inh | t.cap_amb) {
      problems.push_back(who + "capabilities left (permitted " + hex(t.cap_prm) + ", effective " +
                         hex(t.cap_eff) + ", inheritable " + hex(t.cap_inh) + ", ambient " +
                         hex(t.cap_amb) + ")");
    }
    if (bounding_cleared && t.cap_bnd) {
      problems.push_back(who + "bounding set " + hex(t.cap_bnd) + " not empty");
    }
    if (!t.no_new_privs) problems.push_back(who + "no_new_privs is off");
  }
  return problems;
}

}  // namespace mirador::security
