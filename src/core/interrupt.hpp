#pragma once
/// A process-wide stop request (SIGINT/SIGTERM) that blocking network waits
/// watch, so a signal interrupts a probe in progress instead of waiting for
/// its timeout.
#include <atomic>

namespace cutover {

/// Requests a stop: sets the flag and makes stop_fd() readable.
/// Async-signal-safe.
void request_stop() noexcept;
/// True once a stop was requested.
bool stop_requested() noexcept;
/// A descriptor that becomes readable (and stays so) once a stop is
/// requested, for poll() beside a socket; -1 if none could be made.
int stop_fd() noexcept;
/// Installs SIGINT and SIGTERM handlers that call request_stop() and set
/// `also` when given; a second signal exits at once with code 130.
void stop_on_signals(std::atomic<bool>* also = nullptr);

}  // namespace cutover
