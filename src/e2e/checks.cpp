#include "e2e/checks.hpp"

#include <signal.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/json_read.hpp"
#include "core/process.hpp"

namespace cutover::e2e {
namespace {

/// The start of a body for a message: one line, at most 80 characters.
std::string quote_body(std::string_view body) {
  std::string s(body.substr(0, 80));
  for (auto& c : s)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return "'" + s + (body.size() > 80 ? "...'" : "'");
}

}  // namespace

probe_result check_health_answer(int code, std::string_view body) {
  auto j = parse_json_or_discarded(body);
  if (code != 200)
    return probe_result::failure(outcome::check_failed, "HTTP " + std::to_string(code) + ": " + quote_body(body), true);
  if (j.is_discarded()) return probe_result::failure(outcome::protocol_error, "HTTP 200 but the body is not JSON: " + quote_body(body), true);
  if (!j.is_object() || !j.contains("status"))
    return probe_result::failure(outcome::check_failed, "HTTP 200 but no \"status\" field: " + quote_body(body), true);
  if (j["status"] != "ok")
    return probe_result::failure(outcome::check_failed, "status is " + j["status"].dump() + ", not \"ok\": " + quote_body(body), true);
  return {};
}

probe_result check_health_path(const http::url& api, const std::string& path, std::chrono::milliseconds timeout) {
  auto r = http::send(api, "GET", path, {}, timeout);
  // A network failure's message already names the URL.
  if (!r.status.ok()) return r.status;
  auto v = check_health_answer(r.code, r.body);
  if (!v.ok()) v.message = path + ": " + v.message;
  return v;
}

health_report check_health(const http::url& api, const std::vector<std::string>& paths, std::chrono::milliseconds timeout) {
  health_report out;
  for (const auto& p : paths) {
    auto v = check_health_path(api, p, timeout);
    if (v.ok()) out.ok_paths.push_back(p);
    else out.problems.push_back(v.message);
  }
  return out;
}

std::vector<pm2_process> parse_pm2_jlist(std::string_view text) {
  // PM2 may print banners ("[PM2] Spawning PM2 daemon") first: the list is
  // the first '[' from which the rest parses as a JSON array.
  nlohmann::json j;
  for (auto at = text.find('['); at != std::string_view::npos; at = text.find('[', at + 1)) {
    j = parse_json_or_discarded(text.substr(at));
    if (j.is_array()) break;
  }
  if (!j.is_array()) throw error("pm2 jlist: no JSON array in the output " + quote_body(text));
  std::vector<pm2_process> out;
  for (const auto& p : j) {
    if (!p.is_object()) continue;
    pm2_process proc;
    proc.name = p.value("name", "?");
    if (p.contains("pid") && p["pid"].is_number_integer()) proc.pid = p["pid"].get<std::int64_t>();
    if (p.contains("pm2_env") && p["pm2_env"].is_object()) {
      const auto& env = p["pm2_env"];
      proc.status = env.value("status", "unknown");
      if (env.contains("restart_time") && env["restart_time"].is_number_integer())
        proc.restarts = env["restart_time"].get<std::int64_t>();
    } else {
      proc.status = "unknown";
    }
    out.push_back(std::move(proc));
  }
  return out;
}

std::vector<std::string> judge_services(const std::vector<pm2_process>& list, const std::vector<std::string>& services,
                                        std::int64_t max_restarts) {
  std::vector<std::string> problems;
  for (const auto& name : services) {
    const pm2_process* found = nullptr;
    for (const auto& p : list)
      if (p.name == name) found = &p;
    if (!found) problems.push_back(name + " is not in PM2's list");
    else if (found->status != "online") problems.push_back(name + " is " + found->status);
    else if (found->restarts > max_restarts)
      problems.push_back(name + " restarted " + std::to_string(found->restarts) + " times (max " +
                         std::to_string(max_restarts) + ")");
  }
  return problems;
}

pm2_query pm2_query_of(const app_settings& app, std::vector<std::string> command) {
  if (command.empty()) command = {app.pm2_command, "jlist"};
  return {std::move(command), app.pm2_home};
}

probe_result run_pm2_jlist(const pm2_query& query, std::chrono::milliseconds timeout, std::string& out) {
  out.clear();
  if (query.argv.empty() || query.argv[0].empty()) return probe_result::failure(outcome::error, "no PM2 command configured");
  process_options o{query.argv, {}, timeout};
  if (!query.home.empty()) {
    // `pm2 jlist` starts a daemon when none runs: check first, so a stopped
    // PM2 is reported as such instead of being replaced by an empty one.
    std::ifstream pidfile(std::filesystem::path(query.home) / "pm2.pid");
    long pid = 0;
    if (!(pidfile >> pid) || pid <= 0 || ::kill(static_cast<pid_t>(pid), 0) != 0)
      return probe_result::failure(outcome::refused, "no PM2 daemon running for PM2_HOME=" + query.home);
    o.env.emplace_back("PM2_HOME", query.home);
  }
  auto r = run_process(o);
  out = std::move(r.out);
  return r.status;
}

}  // namespace cutover::e2e
