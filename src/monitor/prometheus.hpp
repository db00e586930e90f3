#pragma once
/// Prometheus text exposition of a series (for node_exporter's textfile
/// collector or a scrape of /metrics), and a loopback-only HTTP endpoint.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "monitor/series.hpp"

namespace cutover::monitor {

/// Text format 0.0.4: per component up, checks by outcome, uptime,
/// downtime, outages, latency summary (p50/p90/p99 of the run), host
/// readings and PM2 processes/restarts; every family with HELP and TYPE.
std::string render_prometheus(const series_stats& stats);
/// Escapes a label value (backslash, double quote, newline).
std::string prometheus_label(std::string_view value);

/// Serves GET /metrics on a loopback address (an http::server) from its own
/// thread until destroyed; `body` is called per request (it must be thread-safe).
class metrics_server {
public:
  /// Binds `listen` ("127.0.0.1:PORT", see http::parse_loopback_listen) and
  /// starts; throws cutover::usage_error for a non-loopback address,
  /// cutover::error when it cannot be bound.
  metrics_server(std::string_view listen, std::function<std::string()> body);
  ~metrics_server();
  metrics_server(const metrics_server&) = delete;
  metrics_server& operator=(const metrics_server&) = delete;
  /// The port actually bound (useful with port 0).
  std::uint16_t port() const noexcept;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace cutover::monitor
