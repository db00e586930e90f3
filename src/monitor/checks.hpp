#pragma once
/// The checks a monitor or downtime run samples: one operation per component
/// (database query, Redis PING, API health, PM2 status, host readings), each
/// bounded by its own timeout and returning a typed outcome.
#include <chrono>
#include <functional>
#include <map>
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
  std::string pm2_command;         ///< pm2: command printing `pm2 jlist` output ("" disables)
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
/// PM2: runs options.pm2_command under `timeout`; ok when every process is online.
check make_pm2_check(const check_options& options);

/// What `pm2 jlist` said.
struct pm2_status {
  int total = 0;                          ///< processes listed
  int online = 0;                         ///< processes with status "online"
  std::vector<std::string> not_online;    ///< "name (status)" of the others
  std::map<std::string, std::int64_t> restarts;  ///< restart_time per process name
};
/// Parses `pm2 jlist` output (tolerates text before the JSON array, as
/// PM2 prints warnings there). Throws cutover::error when no array is found.
pm2_status parse_pm2_jlist(std::string_view text);

/// Host readings: memory used (bytes, %), disk used (%), load averages.
nlohmann::json read_host(const std::string& disk_path);

}  // namespace cutover::monitor
