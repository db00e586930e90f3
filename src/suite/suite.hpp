#pragma once
/// The latency suites: which probes run against which targets, how they are
/// sampled, and the measurements they produce.
#include <functional>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "report/report.hpp"

namespace cutover::suite {

/// What `cutover bench` runs.
struct bench_plan {
  std::vector<std::string> targets;  ///< target names; empty: every target
  std::vector<std::string> suites;   ///< "db", "redis", "net"; empty: db and redis and net
  std::vector<std::string> metrics;  ///< metric ids or short names to keep; empty: all of the suite
};

/// Called after each measurement completes (for progress lines).
using progress_fn = std::function<void(const report::measurement&)>;

/// Runs the plan; one measurement per (metric, target). Never throws for
/// network faults: they are counted in each summary's errors. Throws
/// config_error for an unknown target, suite or metric. Stops sampling at the
/// config's run deadline.
std::vector<report::measurement> run_bench(const config& cfg, const bench_plan& plan, const progress_fn& progress = {});

/// Whether any measurement recorded a failure or no successful sample.
bool has_failures(const std::vector<report::measurement>& ms);

}  // namespace cutover::suite
