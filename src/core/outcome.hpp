#pragma once
/// Typed outcomes of one probe operation, and the probe interface samplers drive.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cutover {

/// What one operation against one endpoint ended with.
enum class outcome : std::uint8_t {
  ok,
  timeout,         ///< connect, statement or command deadline passed
  refused,         ///< connection refused (nothing listening, or a firewall said no)
  reset,           ///< connection reset or closed by the peer mid-operation
  auth_failed,     ///< the server rejected the credentials
  protocol_error,  ///< the peer answered something we could not understand
  check_failed,    ///< the operation worked but its answer was not what was expected
  skipped,         ///< not run (missing configuration or an earlier failure)
  error,           ///< any other failure (DNS, server error, ...)
  tls_failed,      ///< the TLS handshake or the server certificate's verification failed
};
inline constexpr std::size_t outcome_count = 10;

/// Stable lower-case name used in reports ("ok", "timeout", ...).
std::string_view to_string(outcome o) noexcept;
/// Parses a name produced by to_string.
std::optional<outcome> outcome_from_string(std::string_view s) noexcept;

/// Result of one probe operation. `connection_usable` tells the sampler whether
/// it may keep using the same connection (like libpqxx's broken_connection).
struct probe_result {
  outcome result = outcome::ok;  ///< what happened
  std::string message;           ///< detail for failures (already free of secrets)
  bool connection_usable = true; ///< false: the probe must reopen before the next run
  /// Set by probes that time themselves (e.g. end-to-end); otherwise the
  /// sampler's own clock around run() is used.
  std::optional<std::chrono::nanoseconds> elapsed;

  bool ok() const noexcept { return result == outcome::ok; }
  static probe_result failure(outcome o, std::string msg, bool usable = false) {
    return probe_result{o, std::move(msg), usable, std::nullopt};
  }
};

/// What a measurement actually reached: lets a report tell a tunnel figure
/// from a private-network one.
struct path_fingerprint {
  std::string endpoint;        ///< host:port as configured (no credentials)
  std::string resolved;        ///< address:port the socket connected to
  std::string server_version;  ///< e.g. "PostgreSQL 15.18"
  std::string server_addr;     ///< inet_server_addr():port as the server saw it
  std::string client_addr;     ///< inet_client_addr() as the server saw it
  std::string path;            ///< "tunnel", "private", "direct" (from config)
  std::string tls;             ///< PostgreSQL: "none", or the TLS protocol and cipher used ("TLSv1.3 TLS_AES_256_GCM_SHA384")
};

/// One operation against one endpoint, run repeatedly by a sampler.
/// Not thread-safe: a sampler gives each connection its own probe.
class probe {
public:
  virtual ~probe() = default;
  /// Untimed preparation (connect, prepare statements). Called before the
  /// first run() and again after a run() that left the connection unusable.
  virtual probe_result open() { return {}; }
  /// One timed operation; never throws for network faults.
  virtual probe_result run() = 0;
  /// What the probe is connected to (valid after a successful open()).
  virtual path_fingerprint fingerprint() const { return {}; }
};

}  // namespace cutover
