#pragma once
/// The checks a monitor or downtime run samples: one operation per component
/// (database query, Redis PING, API health, PM2 status, host readings), each
/// bounded by its own timeout and returning a typed outcome.
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config.hpp"
#include "core/outcome.hpp"

namespace cutover::monitor {

/// One component's check. `run` is called from one thread at a time (the
/// component's own), may keep a connection between calls, never throws for a
/// network fault, and returns within about `timeout` (PostgreSQL connects:
/// at least 2 s, libpq's floor). Readings (host, PM2) go into `values`.
struct check {
  std::string name;           ///< component name in samples and reports ("db", "redis.private", ...)
  bool availability = true;   ///< counts towards uptime and downtime (false for host readings)
  std::function<probe_result(nlohmann::json& values)> run;  ///< one check
};

/// Options shared by the checks.
struct check_options {
  std::chrono::milliseconds timeout{1000};  ///< per check (connect + operation)
  bool reuse_connections = false;  ///< db: SELECT 1 on a kept connection instead of a new connection per check
  std::vector<std::string> api_paths{"/health"};  ///< api: paths that must answer 200
  std::string disk_path = "/";     ///< host: filesystem whose usage is read
  std::vector<std::string> pm2_command;  ///< pm2: argument vector printing `pm2 jlist` output (empty disables)
  std::string pm2_home;            ///< pm2: PM2_HOME for it (empty: the environment's)
};

/// PostgreSQL: connect (unless reused) and SELECT 1.
check make_db_check(std::string name, const pg_endpoint& endpoint, const check_options& options, std::string path);
/// Redis: PING on a kept connection (reopened after a failure).
check make_redis_check(std::string name, const redis_endpoint& endpoint, const check_options& options,
                       std::string path);
/// HTTP: GET of every api path (src/http's client) under one deadline; ok when
/// each answers as api.health wants (200 and {"status":"ok"}, e2e::check_health_path).
check make_api_check(std::string name, const http_endpoint& endpoint, const check_options& options);
/// Host: memory, disk (options.disk_path) and load (values only, no availability).
check make_host_check(const check_options& options);
/// PM2: runs options.pm2_command (no shell) within the timeout; ok when every process is online.
check make_pm2_check(const check_options& options);


}  // namespace cutover::monitor
