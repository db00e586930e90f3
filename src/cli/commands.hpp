#pragma once
/// The `cutover` subcommands: each reads its options, runs the data flow
/// (config -> targets -> probes -> samplers -> recorder -> criteria ->
/// verdict -> report sinks) and returns the process exit code.
#include <CLI/CLI.hpp>
#include <string>

namespace cutover::cli {

/// "cutover 0.1.0 (git abc123)".
std::string version_text();
/// Declares every subcommand on `app`.
void register_commands(CLI::App& app);
/// Runs the subcommand that was parsed; returns the exit code
/// (0 GO / ok, 1 NO-GO / failures, 2 could not run, 3 INCONCLUSIVE).
int run_selected(CLI::App& app);

}  // namespace cutover::cli
