#pragma once
/// A userspace WAN emulator: a loopback TCP proxy that delays every chunk in
/// both directions (order kept, jitter without reordering) and injects faults.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include "net/fault.hpp"

namespace cutover::net {

/// Settings of one delay proxy. Addresses must be loopback.
struct delay_proxy_options {
  boost::asio::ip::tcp::endpoint listen;    ///< where clients connect; port 0 picks a free port
  boost::asio::ip::tcp::endpoint upstream;  ///< where each accepted connection is forwarded
  /// Control port for line commands (see delay_proxy::command); none when unset. Port 0 picks one.
  std::optional<boost::asio::ip::tcp::endpoint> control;
  std::chrono::microseconds one_way_delay{0};  ///< added to every chunk in each direction (RTT = 2x)
  /// Extra delay per chunk, uniform in [0, jitter]: the configured delay is a
  /// floor, and a chunk never leaves before the one read ahead of it.
  std::chrono::microseconds jitter{0};
  std::size_t read_bytes = 16 * 1024;         ///< largest chunk read at once, per direction
  std::size_t max_queued_bytes = 4 << 20;     ///< per direction; reading pauses above this (backpressure)
  std::uint64_t seed = 0x5eed;                ///< jitter random seed, for repeatable runs
  /// Wake this much before a chunk's release time and spin to it: a timer
  /// on an idle machine fires late (by 0.1-0.5 ms on a VM whose idle vCPU
  /// halts), which would add to the emulated delay. 0: the timer alone.
  std::chrono::microseconds spin{0};
};

/// What the proxy is doing now.
struct delay_proxy_status {
  std::chrono::microseconds one_way_delay{0};  ///< current one-way delay
  std::chrono::microseconds jitter{0};         ///< current jitter bound
  std::string fault;                           ///< fault name ("none", "bandwidth", ...)
  std::string fault_settings;                  ///< its settings with units ("100 KB/s"), or empty
  bool accepting = true;                       ///< false while refuse/down keeps the listener closed
  std::size_t connections = 0;                 ///< proxied connections open now
  std::uint64_t accepted = 0;                  ///< connections accepted since start
  std::uint64_t bytes_up = 0;                  ///< bytes forwarded client -> upstream
  std::uint64_t bytes_down = 0;                ///< bytes forwarded upstream -> client
};

/// One JSON object on one line: delay_ms, jitter_ms, fault, fault_settings,
/// accepting, connections, accepted, bytes_up, bytes_down.
std::string to_json(const delay_proxy_status& s);

namespace detail {
class proxy_core;
}

/// The proxy. It runs on the caller's io_context, which must be run by one
/// thread. Public methods are thread-safe: from other threads they post onto
/// the io_context and wait for the result (so it must be running); from the
/// io_context's thread they run directly.
class delay_proxy {
public:
  /// Binds the listener (and control port) now; throws usage_error for a
  /// non-loopback address and cutover::error when a bind fails.
  delay_proxy(boost::asio::io_context& io, delay_proxy_options options);
  /// Stops the proxy (without waiting, so the io_context may already be stopped).
  ~delay_proxy();
  delay_proxy(const delay_proxy&) = delete;
  delay_proxy& operator=(const delay_proxy&) = delete;

  /// The bound listen endpoint (the real port when options.listen had port 0).
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  /// The bound control endpoint, if a control port was requested.
  std::optional<boost::asio::ip::tcp::endpoint> control_endpoint() const;

  /// Changes delay and jitter for chunks read from now on; throws usage_error if negative.
  void set_delay(std::chrono::microseconds one_way, std::chrono::microseconds jitter);
  /// Switches the fault; open connections feel it at once (reset closes them,
  /// blackhole drops what they send from now on; chunks already read keep
  /// their schedule). Returns an error only if the listener could not be
  /// reopened after refuse/down.
  boost::system::error_code set_fault(std::shared_ptr<const fault> f);
  /// Runs one control-port line ("delay 10 2", "fault bandwidth 100",
  /// "status", "help") and returns the one-line answer, "ok ..." or "error ...".
  std::string command(std::string_view line);
  /// A snapshot of the current state.
  delay_proxy_status status() const;
  /// Closes the listener, the control port and every connection.
  void stop();

private:
  std::shared_ptr<detail::proxy_core> core_;
};

}  // namespace cutover::net
