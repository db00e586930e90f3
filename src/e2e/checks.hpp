#pragma once
/// Service checks of the app: its health endpoints and its PM2 process list.
/// The parsing and judging parts take text, so they are tested without a network.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.hpp"
#include "core/outcome.hpp"
#include "http/client.hpp"

namespace cutover::e2e {

/// Judges one health answer: HTTP 200, a JSON object body, "status":"ok".
/// ok, or check_failed (wrong code or status) / protocol_error (not JSON),
/// with a one-line message quoting the start of the body.
probe_result check_health_answer(int code, std::string_view body);

/// What the health endpoints answered: one entry per path.
struct health_report {
  std::vector<std::string> ok_paths;  ///< paths that answered 200 {"status":"ok"}
  std::vector<std::string> problems;  ///< "<path>: <why>" for the others
};
/// GETs `path` on the API and judges the answer (check_health_answer): the
/// network outcome (timeout, refused, ...) or the judgement, with a message
/// naming the path. The one health judgement of api.health and `cutover
/// monitor`'s api check. Never throws for network faults.
probe_result check_health_path(const http::url& api, const std::string& path, std::chrono::milliseconds timeout);
/// check_health_path() for each of `paths`, `timeout` each.
health_report check_health(const http::url& api, const std::vector<std::string>& paths, std::chrono::milliseconds timeout);

/// One process as `pm2 jlist` shows it.
struct pm2_process {
  std::string name;           ///< PM2 process name
  std::string status;         ///< "online", "stopped", "errored", ...
  std::int64_t restarts = 0;  ///< pm2_env.restart_time
  std::int64_t pid = 0;       ///< 0 when not running
};

/// Parses `pm2 jlist` output (banner lines before the JSON array are
/// skipped). Throws cutover::error when there is no JSON array.
std::vector<pm2_process> parse_pm2_jlist(std::string_view text);

/// Problems of the named services: missing, not online, or restarted more
/// than `max_restarts` times; empty when all are fine. Names each service.
std::vector<std::string> judge_services(const std::vector<pm2_process>& list, const std::vector<std::string>& services,
                                        std::int64_t max_restarts);

/// How to ask PM2 for its process list: an argument vector, never a shell line.
struct pm2_query {
  std::vector<std::string> argv;  ///< prints `pm2 jlist` output, e.g. {"pm2", "jlist"}
  std::string home;               ///< PM2_HOME given to it; empty: the environment's
};

/// The query of the app's settings (`<pm2_command> jlist`, app.pm2_home), or
/// `command` instead of `<pm2_command> jlist` when given.
pm2_query pm2_query_of(const app_settings& app, std::vector<std::string> command = {});

/// Runs the query (no shell) within `timeout` and leaves its stdout in `out`.
/// A PM2_HOME whose daemon is not running is reported as refused instead of
/// running pm2 (which would start a new, empty daemon).
probe_result run_pm2_jlist(const pm2_query& query, std::chrono::milliseconds timeout, std::string& out);

}  // namespace cutover::e2e
