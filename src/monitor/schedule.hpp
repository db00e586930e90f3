#pragma once
/// Runs checks on a fixed period, each component on its own thread, so a
/// hung dependency delays only its own next check, never the others.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

#include "monitor/checks.hpp"
#include "monitor/series.hpp"

namespace cutover::monitor {

/// When to check and when to stop.
struct schedule_options {
  std::chrono::nanoseconds period{std::chrono::seconds(1)};  ///< one check per component per period
  std::int64_t until_ns = 0;                                 ///< stop at this epoch ns (0: only on stop)
  std::atomic<bool>* stop = nullptr;                         ///< set to end early (signals, tests)
};

/// Receives every sample (seq unset), from the component's thread: must be thread-safe.
using sample_sink = std::function<void(const check&, sample)>;

/// Runs every check on its own thread at start + k * period (a check that
/// overruns skips the ticks it missed) until `until_ns` or a stop, then
/// joins. Returns early only when every thread ended.
void run_schedule(std::vector<check>& checks, const schedule_options& options, const sample_sink& sink);

/// Current Unix time in ns.
std::int64_t epoch_ns();

/// Sets `flag` on SIGINT and SIGTERM (a second signal exits at once, code 130).
void stop_on_signals(std::atomic<bool>& flag);

}  // namespace cutover::monitor
