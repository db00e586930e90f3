#pragma once
/// The `cutover` subcommands: each reads its options, runs the data flow
/// (config -> targets -> probes -> samplers -> recorder -> criteria ->
/// verdict -> report sinks) and returns the process exit code.
#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace cutover::cli {

/// "cutover 0.1.0 (git abc123)".
std::string version_text();
/// The subcommands declared on a CLI11 app, each owning its options.
class commands {
public:
  /// Declares every subcommand on `app`, which must outlive this object.
  explicit commands(CLI::App& app);
  /// Runs the subcommand that was parsed; returns the exit code
  /// (0 GO / ok, 1 NO-GO / failures, 2 could not run, 3 INCONCLUSIVE).
  int run_selected() const;

private:
  std::vector<std::pair<const CLI::App*, std::function<int()>>> handlers_;
};

}  // namespace cutover::cli
