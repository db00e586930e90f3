#pragma once
/// Running a child process: always an argument vector (posix_spawnp, never a
/// shell), in its own process group, with a deadline and bounded output.
/// The one place cutover starts programs (PM2, ufw, nft).
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/outcome.hpp"

namespace cutover {

/// What to run and how long to let it run.
struct process_options {
  std::vector<std::string> argv;  ///< program (looked up in PATH) and its arguments, passed as they are
  std::vector<std::pair<std::string, std::string>> env;  ///< variables set on top of this process's environment
  std::chrono::milliseconds timeout{5000};  ///< then the child's whole process group is killed (SIGKILL)
  std::size_t max_output = 8u << 20;        ///< stdout bytes kept; a child printing more is killed (error)
};

/// How a child process ended. stdin is /dev/null, stderr is discarded.
struct process_result {
  /// ok when it exited with status 0; timeout; error (could not start,
  /// non-zero exit, killed by a signal, output over the limit). The message
  /// names the program (argv[0]) only, never its arguments.
  probe_result status;
  int exit_code = -1;  ///< exit status when it exited, else -1
  std::string out;     ///< what it printed on stdout (up to max_output)
};

/// Runs `o.argv` and waits for it (at most `o.timeout`). Never throws for a
/// failure of the child; throws cutover::error when argv is empty.
process_result run_process(const process_options& o);

/// Splits a command line at whitespace into an argument vector: no quotes,
/// no escapes, no shell ("pm2 jlist" -> {"pm2", "jlist"}).
std::vector<std::string> split_command(std::string_view command);

}  // namespace cutover
