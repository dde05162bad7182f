// Refuses files others could have written (sshd's StrictModes): the config file, the rules
// directory and its rule files, the TLS key log, the OpenAPI spec. A file, or a directory on
// the way to it, that is writable by its group or by others, or owned by anyone but root and
// the user that started the sensor, could have been changed to blind the sensor, to feed it
// a crafted file, or (the key log) to make it decrypt for someone else.
//
// Directories above a file are checked up to /: each must be owned by root or the trusted user
// and not writable by group or others, except a sticky directory owned by root (/tmp): there
// only an entry's owner can rename or remove it, so the owned entry below it is safe. Symlinks
// are followed (the file checked is the one that will be read). A path that does not exist is
// not a problem here: whoever reads it reports that.
//
// The same check runs again when a reload (SIGHUP) re-reads the files: the owner trusted is
// still the user that started the sensor (`trusted_uid`, from getuid() at start-up), not the
// user it dropped to, so a file the unprivileged sensor could rewrite is never trusted.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace mirador::security {

struct FileModePolicy {
  bool strict = true;     // security.strict_file_modes; false: check nothing
  uid_t trusted_uid = 0;  // besides root, the one owner trusted
};

enum class FileKind {
  file,           // one file
  directory_all,  // a directory and every regular file in it (the rules directory)
};

// Every problem of `path` (the file, then the directories above it), each message naming
// `what` (e.g. "detect.rules_dir"), the path, the owner or the mode, and the fix.
std::vector<std::string> file_mode_problems(const std::string& what, const std::string& path,
                                            FileKind kind, uid_t trusted_uid);

// Throws std::runtime_error listing every problem, unless `policy.strict` is false.
void check_file_modes(const std::string& what, const std::string& path, FileKind kind,
                      const FileModePolicy& policy);

}  // namespace mirador::security
