// Which of the sensor's files the least-privilege checks look at, from its configuration.
//
// Trusted input (file_permissions.h, before use, and again on every reload): the config file;
// the rules directory (detect.rules_dir, or the shipped rules) when detection is on; the TLS key
// log; the OpenAPI spec; the collector's CA, client certificate, key and token files.
//
// After the privilege drop (privileges.h) every file the sensor touches is touched as the
// unprivileged user, for the life of the process: the outputs are opened only then (so a
// file the sensor makes later, a rotated JSON file, a spool segment, the sequence store or
// the OpenAPI export, is made by the same user as the first), the key log is re-read as it
// grows, and a reload re-reads the config and rule files. access_problems() proves each is
// possible right after the drop, so a wrong owner fails the start with every path named,
// instead of an output failing hours later.
#pragma once

#include <string>
#include <vector>

#include "sensor/config.h"
#include "sensor/security/file_permissions.h"

namespace mirador::security {

// The config file (-c): checked before its keys are trusted. Throws std::runtime_error.
void check_config_file(const std::string& path, const FileModePolicy& policy);

// The trusted input files the configuration names (not the config file). Throws
// std::runtime_error listing every problem. A reload calls it before using the new files.
void check_sensor_files(const SensorConfig& cfg, const FileModePolicy& policy);

// What the current user cannot read or write among the files the sensor uses after start-up
// (the config file included: a reload re-reads it); `user` names that user in the messages.
// Empty when all is well.
std::vector<std::string> access_problems(const SensorConfig& cfg, const std::string& config_file,
                                         const std::string& user);

}  // namespace mirador::security
