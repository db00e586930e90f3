#pragma once
/// Sampling loops that drive probes: closed loop, paired A/B, open loop.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "core/event_driver.hpp"
#include "core/outcome.hpp"
#include "stats/recorder.hpp"

namespace cutover::stats {

/// Clock of every sampling loop (monotonic).
using sample_clock = std::chrono::steady_clock;

/// The sampling clock's resolution: what the OS reports (clock_getres) and
/// the smallest step between two readings observed here (which includes the
/// cost of reading it).
struct clock_resolution {
  std::int64_t reported_ns = 0;  ///< clock_getres(CLOCK_MONOTONIC)
  std::int64_t observed_ns = 0;  ///< smallest non-zero difference of consecutive readings
  /// The coarser of the two: the finest latency difference a sample can show.
  std::int64_t resolution_ns() const noexcept { return std::max(reported_ns, observed_ns); }
};
/// Measured once per process (the first call takes well under 1 ms).
const clock_resolution& sample_clock_resolution();
/// A percentile is claimed only when it is at least this many times the
/// clock's resolution (DESIGN.md "Sufficiency").
inline constexpr std::int64_t resolution_factor = 100;

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
  /// Paired loops only: recorded samples a lane takes back to back in its
  /// turn (a block); 1 is sample-by-sample interleaving.
  int block = 1;
  /// Paired loops only: untimed runs before each block, so a block starts on
  /// a warm connection and backend (not counted, failures still recorded).
  int block_warmup = 0;
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

/// Runs the lanes interleaved by blocks so machine drift hits every lane
/// alike without one lane's latency leaking into another's figure: in each
/// round every lane takes its turn, `block_warmup` untimed runs then `block`
/// recorded samples back to back, and the lane that starts rotates every
/// round (blocks A B, B A, A B, ...: ABBA by block for two lanes). Sample by
/// sample (block 1) puts the other path's wait before every sample and
/// measures a cold backend. `samples` counts recorded samples per lane (the
/// last block is cut short to fit); `warmup` rounds of one untimed run per
/// lane come first. Open/reopen, failure, back-off and stop rules as
/// run_closed_loop(); `duration` and `deadline` are checked before every
/// sample, so a cut-short run may leave lanes one block apart.
loop_result run_paired(std::span<lane> lanes, const closed_loop_options& options);

/// Settings of an open loop (fixed arrival rate, like wrk2 or `pgbench -R`).
struct open_loop_options {
  double rate_per_s = 100;                 ///< intended operations per second, all connections together
  std::chrono::nanoseconds duration{std::chrono::seconds{1}};  ///< length of the schedule (see run_open_loop())
  int connections = 1;                     ///< threads, each with its own probe, at rate/connections
  sample_clock::time_point deadline = sample_clock::time_point::max();  ///< hard stop
  /// Stop the whole loop after one connection failed this many operations in
  /// a row (a dead endpoint); 0: never give up.
  int give_up_after = 0;
};

/// Below this share of the target rate an open loop did not apply the load
/// it claims, and its measurement is invalid.
inline constexpr double min_achieved_share = 0.95;

/// What an open loop did, and whether it applied the load it was asked for.
struct open_loop_result {
  double target_ops_per_s = 0;        ///< the rate asked for
  std::int64_t sent = 0;              ///< operations attempted (ok + failed, including failed opens)
  std::int64_t ok = 0;                ///< successful operations
  std::int64_t scheduled = 0;         ///< operations the schedule called for within the duration
  std::chrono::nanoseconds wall{0};   ///< from the schedule start to the last completion
  double achieved_ops_per_s = 0;      ///< ok / max(duration, wall)
  /// Worst scheduling lag: how late an operation started after its intended
  /// send time (the server's slowness included).
  std::chrono::nanoseconds max_lag{0};
  /// Worst lag the driver caused by itself: how late an operation started
  /// after both its intended time and the end of the previous operation on
  /// its connection (no CPU for the thread, not a slow server).
  std::chrono::nanoseconds max_driver_lag{0};
  /// Operations the driver itself started more than max(1 ms, one period)
  /// late; over 5% of those sent means the driver is saturated (a loaded
  /// machine deschedules a thread now and then; saturation is when it is routine).
  std::int64_t driver_late = 0;
  bool stopped_by_deadline = false;   ///< the deadline cut the schedule short
  bool gave_up = false;               ///< a connection failed give_up_after times in a row
  bool driver_saturated = false;      ///< see driver_late
  bool interrupted = false;           ///< a stop request (SIGINT/SIGTERM) ended the loop
  /// True when the loop applied the load it claims: achieved >= 95% of the
  /// target, driver not saturated, not cut short or given up.
  bool valid = false;
  std::string invalid_reason;         ///< why not valid (empty when valid)
};

/// Runs `connections` threads, each with a probe from `factory` (called on
/// this thread, before any timing) and its own recorder, merged into `r` at
/// the end. Each thread sends on a fixed schedule at rate/connections (the
/// threads' schedules are staggered) and measures latency from the
/// *intended* send time, correcting coordinated omission: a stall shows up in
/// every operation that should have been sent during it. A thread that falls
/// behind sends back to back until it catches up, but nothing is sent later
/// than a tenth of the duration (at most 100 ms) after it ends (what was not
/// sent lowers the achieved rate). Failure and
/// reopen rules as run_closed_loop() (a failed open costs that scheduled
/// operation). Throws cutover::error before measuring for a rate that is not
/// finite and > 0, a schedule with less than one operation or a period below
/// 1 ns, a duration or connection count <= 0, a null probe, or threads that
/// cannot be started (after stopping the ones that were); rethrows an
/// exception escaping a probe after joining.
open_loop_result run_open_loop(const std::function<std::unique_ptr<probe>()>& factory, recorder& r,
                               const open_loop_options& options);

/// The same open loop on one thread: `driver` holds options.connections
/// connections on one event loop (one epoll wait serves every reply that
/// arrived), where run_open_loop() above needs a thread, a wake-up and a
/// context switch per operation. Same schedule (staggered, latency from the
/// intended send time), same catch-up, grace, give-up, lag, saturation and
/// validity rules; the loop sleeps in the driver's wait until the next send
/// with 1 ns timer slack (restored after), instead of a thread each. Connections are opened first,
/// untimed; a failed open is recorded and retried at the connection's next
/// slot (blocking the loop for up to the connect timeout: that connection's
/// failure, and its lateness, show in the result). A stop request ends the
/// loop at once (`interrupted`, invalid). Throws cutover::error for the same
/// misuse as above, or a driver whose connection count differs from
/// options.connections.
open_loop_result run_open_loop(event_driver& driver, recorder& r, const open_loop_options& options);

}  // namespace cutover::stats
