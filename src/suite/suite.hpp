#pragma once
/// The latency suites: which probes run against which targets, how they are
/// sampled, and the measurements they produce.
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "report/report.hpp"

namespace cutover::suite {

/// What `cutover bench` runs.
/// An open loop at a fixed arrival rate (wrk2 / `pgbench -R` style).
struct open_loop_plan {
  double rate_per_s = 0;                             ///< operations per second per target; 0: closed loop
  int connections = 1;                               ///< connections sharing the rate
  std::chrono::nanoseconds duration{std::chrono::seconds(10)};  ///< length of the schedule per metric and target
};

struct bench_plan {
  std::vector<std::string> targets;  ///< target names; empty: every target
  std::vector<std::string> suites;   ///< "db", "redis", "net", "e2e"; empty: db and redis and net (e2e only when named)
  std::vector<std::string> metrics;  ///< metric ids or short names to keep; empty: all of the suite
  open_loop_plan open_loop;          ///< rate > 0: every metric runs open loop per target (not paired)
};

/// Called after each measurement completes (for progress lines).
using progress_fn = std::function<void(const report::measurement&)>;

/// Measurements and run-level notes (deadline passed, endpoint given up).
struct bench_result {
  std::vector<report::measurement> measurements;
  std::vector<std::string> notes;
};

/// What one run (a `bench`, `validate` or `gate` invocation) may spend: a
/// single deadline (`timeouts.run_s` from its start) shared by every
/// measurement and criterion, and the endpoints given up on so far, which no
/// later metric samples again.
struct run_budget {
  std::chrono::steady_clock::time_point deadline;  ///< when the run must end
  std::map<std::string, std::string> dead;         ///< "area/target" (e.g. "pg/tunnel") -> why it was given up on

  /// A budget of `timeouts.run_s` starting now.
  static run_budget start(const config& cfg);
  /// True when the deadline has passed.
  bool expired() const;
};

/// Runs the plan; one measurement per (metric, target). Never throws for
/// network faults: they are counted in each summary's errors. An endpoint
/// that fails `sampling.give_up_after` samples in a row without one success
/// is not sampled again in this run (its later metrics record `skipped`), so
/// a dead or black-holed path costs seconds, not the whole deadline. Throws
/// config_error for an unknown target, suite or metric. Stops sampling at the
/// run's deadline; what was not measured then is recorded as skipped. With
/// no `budget` the call is a run of its own (`timeouts.run_s` from now);
/// callers that measure in several calls pass one budget to all of them.
bench_result run_bench(const config& cfg, const bench_plan& plan, const progress_fn& progress = {},
                       run_budget* budget = nullptr);

/// Whether any measurement recorded a failure or no successful sample.
bool has_failures(const std::vector<report::measurement>& ms);

}  // namespace cutover::suite
