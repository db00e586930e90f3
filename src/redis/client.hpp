#pragma once
/// A Redis connection with connect and command timeouts, returning typed
/// outcomes instead of throwing. hiredis stays behind this header.
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.hpp"
#include "core/outcome.hpp"

namespace cutover::redis {

/// Deadlines for one client. 0 is not allowed (every step is bounded).
struct client_options {
  std::chrono::milliseconds connect_timeout{3000};  ///< TCP connect
  std::chrono::milliseconds command_timeout{2000};  ///< one command's reply (socket receive/send timeout)
  bool authenticate = true;                         ///< send AUTH with the configured password on connect
  std::string path;                                 ///< declared path, for fingerprints
};

/// A reply flattened to what the probes need.
struct reply {
  enum class kind { nil, status, string, integer, array, error } type = kind::nil;
  std::string text;              ///< status, string or error text
  long long integer = 0;         ///< integer replies
  std::vector<std::string> elements;  ///< array of strings (nested arrays flattened)
};

/// One Redis connection. Not thread-safe.
class client {
public:
  client(redis_endpoint endpoint, client_options options);
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  /// Connects (and authenticates unless told not to); reconnects if connected.
  probe_result connect();
  /// True while the connection can take commands.
  bool connected() const noexcept;
  /// Closes the connection.
  void close() noexcept;
  /// Sends one command (argv form, binary-safe) and reads its reply. A Redis
  /// error reply is returned as an outcome (NOAUTH/WRONGPASS -> auth_failed,
  /// others -> error) with the connection still usable.
  probe_result command(std::initializer_list<std::string_view> argv, reply* out = nullptr);
  /// Same, from a vector.
  probe_result command(const std::vector<std::string>& argv, reply* out = nullptr);
  /// Sends all commands at once (a pipeline) and reads every reply.
  probe_result pipeline(const std::vector<std::vector<std::string>>& commands, std::vector<reply>* out = nullptr);
  /// Server version and the address the socket reached.
  path_fingerprint fingerprint();
  /// The connected socket (-1 when not connected), for an event loop that
  /// takes over its I/O after connect(); close() still closes it.
  int native_handle() const noexcept;

private:
  struct impl;
  redis_endpoint endpoint_;
  client_options options_;
  std::unique_ptr<impl> impl_;
};

/// Maps a failed hiredis context to an outcome: its `err` and, for
/// REDIS_ERR_IO, the errno saved right after the failing call (ETIMEDOUT or
/// EAGAIN -> timeout, ECONNREFUSED -> refused, ECONNRESET -> reset).
outcome classify(int err, int saved_errno) noexcept;
/// Maps a Redis error reply to an outcome by its error code, the reply's
/// first word (NOAUTH, WRONGPASS -> auth_failed; others -> error).
outcome classify_reply(std::string_view error_reply) noexcept;

}  // namespace cutover::redis
