#include "sensor/security/sensor_files.h"

#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "detectors/engine/rule_loader.h"
#include "sensor/event_outputs.h"

namespace mirador::security {

namespace fs = std::filesystem;

namespace {

std::string join_lines(const std::vector<std::string>& problems) {
  std::string msg;
  for (const auto& p : problems) msg += (msg.empty() ? "" : "\n  ") + p;
  return msg;
}

// The directory a new file at `path` would be made in, or the nearest existing one above a
// directory still to be made (the spool's mkdir).
fs::path nearest_existing(fs::path p) {
  std::error_code ec;
  p = fs::absolute(p, ec);
  while (!p.empty() && !fs::exists(p, ec)) {
    if (p == p.root_path()) break;
    p = p.parent_path();
  }
  return p;
}

// An output file: it must be writable, and its directory too when the sensor makes files there
// (a file not made yet, rotation renaming it and starting a new one).
void need_output(std::vector<std::string>& problems, const std::string& key,
                 const std::string& path, bool makes_new_files, const std::string& user) {
  if (path.empty() || path == "-") return;
  std::error_code ec;
  const bool exists = fs::exists(path, ec);
  if (exists && ::access(path.c_str(), W_OK) != 0) {
    problems.push_back(key + ": '" + path + "' is not writable by user " + user);
  }
  if (!exists || makes_new_files) {
    const fs::path dir = nearest_existing(
        fs::path(path).parent_path().empty() ? fs::path(".") : fs::path(path).parent_path());
    if (::access(dir.c_str(), W_OK | X_OK) != 0) {
      problems.push_back(key + ": directory '" + dir.string() + "' is not writable by user " +
                         user + " (the sensor makes " + (exists ? "new files" : "the file") +
                         " there after dropping privileges)");
    }
  }
}

void need_readable(std::vector<std::string>& problems, const std::string& key,
                   const std::string& path, const std::string& user) {
  if (path.empty()) return;
  if (::access(path.c_str(), R_OK) != 0) {
    problems.push_back(key + ": '" + path + "' is not readable by user " + user);
  }
}

std::string rules_dir(const SensorConfig& cfg) {
  return cfg.worker.detect.rules_dir.empty() ? detect::default_rules_dir()
                                             : cfg.worker.detect.rules_dir;
}

}  // namespace

void check_config_file(const std::string& path, const FileModePolicy& policy) {
  check_file_modes("config file", path, FileKind::file, policy);
}

void check_sensor_files(const SensorConfig& cfg, const FileModePolicy& policy) {
  if (!policy.strict) return;
  std::vector<std::string> problems;
  auto add = [&](const char* key, const std::string& path, FileKind kind) {
    if (path.empty()) return;
    for (auto& p : file_mode_problems(key, path, kind, policy.trusted_uid)) {
      problems.push_back(std::move(p));
    }
  };
  if (cfg.worker.detect.enabled) add("detect.rules_dir", rules_dir(cfg), FileKind::directory_all);
  add("tls.keylog_file", cfg.tls_keylog_file, FileKind::file);
  add("inventory.openapi_spec", cfg.openapi_spec, FileKind::file);
  add("output.grpc_ca", cfg.grpc.ca_file, FileKind::file);
  add("output.grpc_cert", cfg.grpc.cert_file, FileKind::file);
  add("output.grpc_key", cfg.grpc.key_file, FileKind::file);
  add("output.grpc_token_file", cfg.grpc.token_file, FileKind::file);
  if (!problems.empty()) throw std::runtime_error(join_lines(problems));
}

std::vector<std::string> access_problems(const SensorConfig& cfg, const std::string& config_file,
                                         const std::string& user) {
  std::vector<std::string> problems;
  if (!config_file.empty() && ::access(config_file.c_str(), R_OK) != 0) {
    problems.push_back("config file '" + config_file + "' is not readable by user " + user +
                       " (a reload re-reads it: e.g. chgrp it to security.group, mode 0640)");
  }
  need_output(problems, "output.json", cfg.json_output,
              cfg.json_rotation.max_bytes > 0 || cfg.json_rotation.max_seconds > 0, user);
  need_output(problems, "output.protobuf_file", cfg.protobuf_file, false, user);
  need_output(problems, "inventory.openapi_file", cfg.openapi_file, true, user);
  if (has_remote_sink(cfg) && !cfg.spool_dir.empty()) {
    // The spool and the sequence store make, rename and remove files in it.
    const fs::path dir = nearest_existing(cfg.spool_dir);
    if (::access(dir.c_str(), W_OK | X_OK) != 0) {
      problems.push_back("output.spool_dir: '" + dir.string() + "' is not writable by user " +
                         user + " (chown it to the user the sensor drops to)");
    }
    // What an earlier run as another user left there.
    for (const char* entry : {"grpc", "kafka", "sequence"}) {
      const fs::path p = fs::path(cfg.spool_dir) / entry;
      std::error_code ec;
      if (fs::exists(p, ec) && ::access(p.c_str(), W_OK) != 0) {
        problems.push_back("output.spool_dir: '" + p.string() + "' is not writable by user " +
                           user + " (left by a run as another user? chown -R the spool)");
      }
    }
  }
  need_readable(problems, "tls.keylog_file", cfg.tls_keylog_file, user);
  need_readable(problems, "inventory.openapi_spec", cfg.openapi_spec, user);
  need_readable(problems, "output.grpc_ca", cfg.grpc.ca_file, user);
  need_readable(problems, "output.grpc_cert", cfg.grpc.cert_file, user);
  need_readable(problems, "output.grpc_key", cfg.grpc.key_file, user);
  need_readable(problems, "output.grpc_token_file", cfg.grpc.token_file, user);
  if (cfg.worker.detect.enabled) {
    const std::string dir = rules_dir(cfg);
    if (::access(dir.c_str(), R_OK | X_OK) != 0) {
      problems.push_back("detect.rules_dir: '" + dir + "' is not readable by user " + user);
    } else {
      std::error_code ec;
      for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->is_regular_file(ec)) need_readable(problems, "detect.rules_dir", it->path(), user);
      }
    }
  }
  return problems;
}

}  // namespace mirador::security
