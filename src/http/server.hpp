#pragma once
/// A small HTTP/1.1 server (Boost.Beast) for the loopback endpoints the
/// harness serves: the reply listener the app posts to (src/e2e) and the
/// Prometheus /metrics endpoint (src/monitor). One thread per server,
/// keep-alive as the client asks, an idle deadline per connection.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "core/outcome.hpp"

namespace cutover::http {

/// One whole request as the handler sees it.
struct request {
  std::string method;  ///< "GET", "POST", ...
  std::string target;  ///< path and query ("/metrics", "/reply?x=1")
  std::string body;    ///< at most 1 MB (larger requests are refused)
};

/// The handler's answer.
struct response {
  int code = 200;                           ///< HTTP status code
  std::string content_type = "text/plain";  ///< Content-Type header
  std::string body;                         ///< response body
};

/// Called on the server's thread for every request, once it has fully arrived.
using handler = std::function<response(const request&)>;

/// Parses "127.0.0.1:PORT" or "[::1]:PORT"; throws cutover::usage_error
/// naming `what` for anything but a loopback address (served data stays on this host).
std::pair<std::string, std::uint16_t> parse_loopback_listen(std::string_view text, std::string_view what = "--listen");

/// Serves a handler on a loopback address until destroyed. Construct and
/// destroy from one thread; the handler must be safe to call from the server's.
class server {
public:
  /// Does not listen yet (see start()); `idle` closes a connection idle that long.
  explicit server(handler h, std::chrono::milliseconds idle = std::chrono::seconds(30));
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds host:port (port 0 picks a free one) and starts the thread. Fails
  /// (outcome error, message saying why) for a non-loopback host or a port in use.
  probe_result start(const std::string& host, std::uint16_t port);
  /// The bound port (after a successful start()).
  std::uint16_t port() const noexcept;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace cutover::http
