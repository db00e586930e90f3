#pragma once
/// The interface an event-loop open loop drives: N connections served by
/// one thread, the driver doing the I/O and the sampler the schedule.
#include <sys/epoll.h>

#include <chrono>
#include <cstdint>
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

/// epoll key of the stop descriptor in a driver's event loop (connections
/// are keyed by their index).
inline constexpr std::uint64_t stop_event_key = ~std::uint64_t{0};

/// A new epoll descriptor watching the stop descriptor (SIGINT/SIGTERM) under
/// `stop_event_key`. Throws cutover::error naming `what` when the kernel refuses.
int open_event_loop(const char* what);

/// Waits on `epoll` until `until` (time_point::max(): no limit), to the
/// nanosecond where the kernel has epoll_pwait2 (5.11+), else to the
/// millisecond rounded up. Returns epoll's count, negative on error.
int wait_for_events(int epoll, epoll_event* events, int max, std::chrono::steady_clock::time_point until);

/// For an event on `stop_event_key`: true when this process was asked to
/// stop. The pipe is shared with forked children, so another process's
/// request unwatches the descriptor (the flag still counts) and gives false.
bool own_stop_request(int epoll);

}  // namespace cutover
