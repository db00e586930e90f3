#pragma once
/// The interface an event-loop open loop drives: N connections served by
/// one thread, the driver doing the I/O and the sampler the schedule.
#include <chrono>
#include <cstddef>
#include <functional>

#include "core/outcome.hpp"

namespace cutover {

/// Connections of one workload on one event loop (epoll, one thread). The
/// sampler decides when each operation is sent; the driver sends it, waits
/// for replies and reports each completed operation. Not thread-safe.
class event_driver {
public:
  /// Called once per completed operation: the connection and its result.
  using completion = std::function<void(std::size_t connection, probe_result&& result)>;
  virtual ~event_driver() = default;
  /// How many connections the driver holds (indices 0..connections()-1).
  virtual std::size_t connections() const noexcept = 0;
  /// Opens (or reopens) connection i, untimed and blocking, bounded by the
  /// driver's connect timeout.
  virtual probe_result open(std::size_t i) = 0;
  /// Sends one operation on connection i, which has none in flight; a failure
  /// to send is reported through the next wait().
  virtual void send(std::size_t i) = 0;
  /// Waits for replies until `until` (or a stop request), reports every
  /// operation that completed through `done`, and returns: early after a
  /// completion, at `until` otherwise. An operation in flight past the
  /// driver's command timeout completes as `timeout`; a stop request
  /// (SIGINT/SIGTERM) completes every operation in flight as `skipped`.
  virtual void wait(std::chrono::steady_clock::time_point until, const completion& done) = 0;
};

}  // namespace cutover
