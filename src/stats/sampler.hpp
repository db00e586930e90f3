#pragma once
/// Sampling loops that drive probes: closed loop, paired A/B, open loop.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>

#include "core/outcome.hpp"
#include "stats/recorder.hpp"

namespace cutover::stats {

/// Clock of every sampling loop (monotonic).
using sample_clock = std::chrono::steady_clock;

/// Settings of a closed loop (one operation at a time, like `redis-cli --latency`).
struct closed_loop_options {
  int warmup = 0;                          ///< untimed runs first, not recorded
  int samples = 100;                       ///< recorded samples (ok or failed); <= 0: no limit (needs duration or deadline)
  std::chrono::nanoseconds duration{0};    ///< stop after this much timed sampling; 0: by count only
  std::chrono::nanoseconds interval{0};    ///< pause between samples; 0: back to back
  sample_clock::time_point deadline = sample_clock::time_point::max();  ///< hard stop, checked between runs
  /// Stop sampling a probe after this many failed samples in a row (a dead
  /// or black-holed endpoint); 0: never give up.
  int give_up_after = 0;
};

/// What a closed or paired loop did.
struct loop_result {
  std::int64_t samples = 0;           ///< recorded samples, ok or failed (per lane for paired runs)
  std::int64_t failures = 0;          ///< failed samples (opens and runs; all lanes for paired runs)
  bool stopped_by_deadline = false;   ///< the deadline ended the loop before samples/duration
  bool gave_up = false;               ///< a probe failed give_up_after times in a row and was stopped
};

/// Runs `p` in a closed loop into `r`.
/// open() is called first and again after a run that leaves the connection
/// unusable; a failed open() is recorded as one failed sample of its outcome
/// and retried before the next sample after max(interval, back-off) (1 ms
/// doubling to 100 ms), never past the deadline. Latency is steady_clock
/// around run(), or the probe's own `elapsed` when set. Failed runs are
/// recorded with record_failure(), never dropped. Stops at `samples`,
/// `duration` or `deadline`, whichever comes first. Throws cutover::error when
/// nothing bounds the loop (no samples, duration or deadline).
loop_result run_closed_loop(probe& p, recorder& r, const closed_loop_options& options);

/// One side of a paired comparison: a probe and where its samples go.
struct lane {
  probe* p;     ///< not owned
  recorder* r;  ///< not owned
};

/// Runs the lanes interleaved, one sample each per round, so machine drift
/// hits every lane alike: the lane that starts rotates every round
/// (A B, B A, A B, ... for two lanes). `samples` counts rounds; warm-up
/// rounds come first. Open/reopen, failure and stop rules as run_closed_loop()
/// (the back-off applies after a round in which some open() failed).
loop_result run_paired(std::span<lane> lanes, const closed_loop_options& options);

/// Settings of an open loop (fixed arrival rate, like wrk2 or `pgbench -R`).
struct open_loop_options {
  double rate_per_s = 100;                 ///< intended operations per second, all connections together
  std::chrono::nanoseconds duration{std::chrono::seconds{1}};  ///< length of the schedule
  int connections = 1;                     ///< threads, each with its own probe, at rate/connections
  sample_clock::time_point deadline = sample_clock::time_point::max();  ///< hard stop
};

/// What an open loop did.
struct open_loop_result {
  std::int64_t sent = 0;              ///< operations attempted (ok + failed, including failed opens)
  std::int64_t ok = 0;                ///< successful operations
  std::chrono::nanoseconds wall{0};   ///< from the schedule start to the last completion
  double achieved_ops_per_s = 0;      ///< ok / wall
  bool stopped_by_deadline = false;   ///< the deadline cut the schedule short
};

/// Runs `connections` threads, each with a probe from `factory` (called on
/// this thread, before any timing) and its own recorder, merged into `r` at
/// the end. Each thread sends on a fixed schedule at rate/connections (the
/// threads' schedules are staggered) and measures latency from the
/// *intended* send time, correcting coordinated omission: a stall shows up in
/// every operation that should have been sent during it. A thread that falls
/// behind sends back to back until it catches up. Failure and reopen rules as
/// run_closed_loop() (a failed open costs that scheduled operation).
/// Throws cutover::error for a rate, duration or connection count <= 0 or a
/// null probe; rethrows an exception escaping a probe after joining.
open_loop_result run_open_loop(const std::function<std::unique_ptr<probe>()>& factory, recorder& r,
                               const open_loop_options& options);

}  // namespace cutover::stats
