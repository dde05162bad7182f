// `mirador rules check [FILE|DIR...]` and `mirador rules list [FILE|DIR...]`: validate rule files
// (every error as file:line:col: message, then a summary) and list the rules they hold. With no
// argument, the shipped rules directory (default_rules_dir()).
#pragma once

namespace mirador {

// argv[0] is "rules". Returns the process exit code: 0 ok, 1 errors in the rules, 2 bad usage.
int run_rules_command(int argc, char** argv);

}  // namespace mirador
