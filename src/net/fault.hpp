#pragma once
/// Network faults for the delay proxy, toxiproxy-style: each fault is a small
/// immutable unit, registered by name, whose settings carry units.
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace cutover::net {

/// The proxy's clock for release times.
using proxy_clock = std::chrono::steady_clock;

/// What a fault does to the listening socket and to open connections.
struct fault_effects {
  bool accept = true;  ///< false: the listener is closed, so new connects are refused
  bool reset = false;  ///< true: open and newly accepted connections are closed with RST
};

/// One network fault. Immutable, so the proxy can swap it at runtime while
/// connections keep the one in force when each chunk was read.
class fault {
public:
  virtual ~fault() = default;
  /// Registered name ("none", "blackhole", ...).
  virtual std::string_view name() const noexcept = 0;
  /// Settings with units for status lines ("100 KB/s"); empty when it has none.
  virtual std::string settings() const { return {}; }
  /// Effect on accepting and on open connections.
  virtual fault_effects effects() const noexcept { return {}; }
  /// When a chunk of `bytes` read at `arrival` has fully left the sender, or
  /// nullopt to drop it; `link_free` is the direction's busy-until time, kept
  /// by the proxy per direction for faults that model a link.
  virtual std::optional<proxy_clock::time_point> send(std::size_t bytes, proxy_clock::time_point arrival,
                                                      proxy_clock::time_point& link_free) const;
};

/// Builds a fault from its settings (the words after its name); throws
/// usage_error on bad settings.
using fault_factory = std::function<std::shared_ptr<const fault>(std::span<const std::string_view> settings)>;

/// Faults by name.
class fault_registry {
public:
  /// Registers `make` under `name`; `usage` shows its settings ("<kbytes_per_s>").
  void add(std::string name, std::string usage, fault_factory make);
  /// Builds the fault named `name`; throws usage_error for an unknown name or bad settings.
  std::shared_ptr<const fault> make(std::string_view name, std::span<const std::string_view> settings) const;
  /// "none, blackhole, bandwidth <kbytes_per_s>, ..." for help and error lines.
  std::string usage() const;

private:
  struct entry {
    std::string usage;
    fault_factory make;
  };
  std::map<std::string, entry, std::less<>> entries_;
};

/// Registers none, blackhole, reset, refuse, down and bandwidth.
void register_builtin_faults(fault_registry& registry);

/// The "none" fault: forward everything.
std::shared_ptr<const fault> no_fault();

namespace detail {
/// Parses a finite number >= 0 ("10", "0.25"); nullopt otherwise.
std::optional<double> parse_non_negative(std::string_view text) noexcept;
}  // namespace detail

}  // namespace cutover::net
