#pragma once
/// Plain TCP probes: connect time to an endpoint, and a SOCKS5 handshake +
/// CONNECT through a proxy (the plan's Xray on localhost:1080).
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "core/outcome.hpp"

namespace cutover::net {

/// A probe whose run() is one TCP connect (then close) to host:port; `path`
/// labels the fingerprint. The connect is bounded by `timeout`.
std::unique_ptr<probe> make_tcp_probe(std::string host, std::uint16_t port, std::chrono::milliseconds timeout,
                                      std::string path = {});

/// One TCP connect, bounded by `timeout`; on success `fd_out` (if given) gets
/// the connected socket, otherwise it is closed.
probe_result tcp_connect(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout,
                         int* fd_out = nullptr);

/// Options of a SOCKS5 check. Every step shares one deadline.
struct socks5_check_options {
  std::string proxy_host = "127.0.0.1";
  std::uint16_t proxy_port = 1080;
  std::string dest_host;  ///< IPv4 literal or a name the proxy resolves
  std::uint16_t dest_port = 80;
  bool http_get = true;   ///< after CONNECT, send `GET /` and expect an HTTP status line
  std::chrono::milliseconds timeout{3000};
};

/// Greets the proxy (no-auth method), CONNECTs to the destination, and
/// optionally fetches `/` through it. ok only when every step succeeded;
/// the message names the step that failed.
probe_result socks5_check(const socks5_check_options& options);

}  // namespace cutover::net
