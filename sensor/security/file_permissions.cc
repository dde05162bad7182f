#include "sensor/security/file_permissions.h"

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace mirador::security {

namespace fs = std::filesystem;

namespace {

std::string octal(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// The problem of one object (file or directory), or "".
std::string object_problem(const std::string& what, const std::string& path, const struct stat& st,
                           uid_t trusted_uid, bool is_ancestor) {
  const std::string head =
      what + ": '" + path + "'" + (is_ancestor ? " (a directory above it)" : "");
  if (st.st_uid != 0 && st.st_uid != trusted_uid) {
    return head + " is owned by uid " + std::to_string(st.st_uid) + ", not by root or uid " +
           std::to_string(trusted_uid) +
           " that runs the sensor: chown it, or set security.strict_file_modes=false";
  }
  const bool group_w = st.st_mode & S_IWGRP, other_w = st.st_mode & S_IWOTH;
  if (!group_w && !other_w) return "";
  // A sticky directory of root's (/tmp): only an entry's owner may rename or remove it.
  if (is_ancestor && S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX) && st.st_uid == 0) return "";
  return head + " is writable by " +
         (group_w && other_w ? "group and others"
          : group_w          ? "group"
                             : "others") +
         " (mode " + octal(st.st_mode) +
         "): chmod go-w it, or set security.strict_file_modes=false";
}

}  // namespace

std::vector<std::string> file_mode_problems(const std::string& what, const std::string& path,
                                            FileKind kind, uid_t trusted_uid) {
  std::vector<std::string> problems;
  std::error_code ec;
  const fs::path real = fs::canonical(path, ec);
  if (ec) return problems;  // missing: the reader reports it
  auto check = [&](const fs::path& p, bool ancestor) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) return;
    std::string problem = object_problem(what, p.string(), st, trusted_uid, ancestor);
    if (!problem.empty()) problems.push_back(std::move(problem));
  };
  check(real, false);
  if (kind == FileKind::directory_all) {
    for (fs::directory_iterator it(real, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->is_regular_file(ec)) check(it->path(), false);
    }
  }
  for (fs::path dir = real.parent_path(); !dir.empty(); dir = dir.parent_path()) {
    check(dir, true);
    if (dir == dir.root_path()) break;
  }
  return problems;
}

void check_file_modes(const std::string& what, const std::string& path, FileKind kind,
                      const FileModePolicy& policy) {
  if (!policy.strict || path.empty()) return;
  const auto problems = file_mode_problems(what, path, kind, policy.trusted_uid);
  if (problems.empty()) return;
  std::string msg = problems.front();
  for (size_t i = 1; i < problems.size(); ++i) msg += "\n  " + problems[i];
  throw std::runtime_error(msg);
}

}  // namespace mirador::security
