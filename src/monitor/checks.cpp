#include "monitor/checks.hpp"

#include <sys/statvfs.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <memory>

#include "core/error.hpp"
#include "core/json_read.hpp"
#include "core/secret.hpp"
#include "e2e/checks.hpp"
#include "http/client.hpp"
#include "pg/session.hpp"
#include "redis/client.hpp"

namespace cutover::monitor {
namespace {

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

check make_db_check(std::string name, const pg_endpoint& endpoint, const check_options& options, std::string path) {
  auto s = std::make_shared<pg::session>(endpoint, pg::session_options{options.timeout, options.timeout, path});
  bool reuse = options.reuse_connections;
  return {std::move(name), true, [s, reuse](nlohmann::json&) {
            probe_result r;
            if (!s->connected()) r = s->connect();
            if (r.ok()) r = s->exec("SELECT 1");
            if (!r.ok() || !reuse) s->close();
            return r;
          }};
}

check make_redis_check(std::string name, const redis_endpoint& endpoint, const check_options& options,
                       std::string path) {
  auto c = std::make_shared<redis::client>(endpoint, redis::client_options{options.timeout, options.timeout, true, path});
  return {std::move(name), true, [c](nlohmann::json&) {
            probe_result r;
            if (!c->connected()) r = c->connect();
            if (r.ok()) r = c->command({"PING"});
            if (!r.ok()) c->close();
            return r;
          }};
}

check make_api_check(std::string name, const http_endpoint& endpoint, const check_options& options) {
  auto u = http::parse_url(endpoint.url, name);
  auto paths = options.api_paths;
  auto timeout = options.timeout;
  return {std::move(name), true, [u, paths, timeout](nlohmann::json&) {
            // One deadline for the whole check, shared by its requests.
            auto deadline = std::chrono::steady_clock::now() + timeout;
            for (const auto& p : paths) {
              auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
              if (left.count() <= 0) return probe_result::failure(outcome::timeout, "GET " + p + ": no time left");
              // The same client and judgement as api.health, so the two never disagree.
              auto r = e2e::check_health_path(u, p, left);
              if (!r.ok()) return r;
            }
            return probe_result{};
          }};
}

check make_host_check(const check_options& options) {
  auto disk = options.disk_path;
  return {"host", false, [disk](nlohmann::json& values) {
            try {
              values = read_host(disk);
              return probe_result{};
            } catch (const std::exception& e) {
              return probe_result::failure(outcome::error, e.what(), true);
            }
          }};
}

check make_pm2_check(const check_options& options) {
  auto secs = std::max<long long>(1, (options.timeout.count() + 999) / 1000);
  // `timeout` bounds a hung PM2 daemon; stderr is dropped (PM2 prints banners there).
  auto cmd = "timeout -k 1 " + std::to_string(secs) + " sh -c " + quote(options.pm2_command) + " 2>/dev/null";
  return {"pm2", true, [cmd](nlohmann::json& values) {
            std::string out;
            FILE* p = ::popen(cmd.c_str(), "r");
            if (!p) return probe_result::failure(outcome::error, "cannot run the pm2 command");
            std::array<char, 4096> buf{};
            std::size_t n = 0;
            while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
            int rc = ::pclose(p);
            if (rc != 0 && out.empty())
              return probe_result::failure(rc == 124 << 8 ? outcome::timeout : outcome::error,
                                           "pm2 command exited with status " + std::to_string(rc >> 8));
            try {
              auto st = parse_pm2_jlist(out);
              values = {{"online", st.online}, {"total", st.total}, {"restarts", st.restarts}};
              if (st.total == 0) return probe_result::failure(outcome::check_failed, "pm2 lists no process", true);
              if (!st.not_online.empty()) {
                std::string list;
                for (const auto& x : st.not_online) list += (list.empty() ? "" : ", ") + x;
                return probe_result::failure(outcome::check_failed, "not online: " + list, true);
              }
              return probe_result{};
            } catch (const std::exception& e) {
              return probe_result::failure(outcome::protocol_error, e.what(), true);
            }
          }};
}

pm2_status parse_pm2_jlist(std::string_view text) {
  // PM2 may print banners such as "[PM2] Spawning PM2 daemon" first: the
  // list is the first '[' from which the rest parses as a JSON array.
  nlohmann::json j;
  for (auto at = text.find('['); at != std::string_view::npos; at = text.find('[', at + 1)) {
    j = parse_json_or_discarded(text.substr(at));
    if (j.is_array()) break;
  }
  if (!j.is_array()) throw error("pm2 jlist: no JSON array in the output");
  pm2_status st;
  for (const auto& p : j) {
    if (!p.is_object()) continue;
    std::string name = p.value("name", "?");
    const auto env = p.contains("pm2_env") && p["pm2_env"].is_object() ? p["pm2_env"] : nlohmann::json::object();
    std::string status = env.value("status", "unknown");
    ++st.total;
    if (status == "online") ++st.online;
    else st.not_online.push_back(name + " (" + status + ")");
    if (env.contains("restart_time") && env["restart_time"].is_number_integer())
      st.restarts[name] += env["restart_time"].get<std::int64_t>();
  }
  return st;
}

nlohmann::json read_host(const std::string& disk_path) {
  std::ifstream mem("/proc/meminfo");
  std::string key;
  std::string unit;
  long long value = 0;
  long long total = 0;
  long long available = -1;
  while (mem >> key >> value >> unit) {
    if (key == "MemTotal:") total = value;
    if (key == "MemAvailable:") available = value;
  }
  if (total <= 0 || available < 0) throw error("cannot read /proc/meminfo");
  struct statvfs v {};
  if (::statvfs(disk_path.c_str(), &v) != 0 || v.f_blocks == 0) throw error("cannot stat filesystem " + disk_path);
  double load[3] = {0, 0, 0};
  std::ifstream("/proc/loadavg") >> load[0] >> load[1] >> load[2];
  auto used_bytes = (total - available) * 1024;
  return {{"mem_used_bytes", used_bytes},
          {"mem_used_pct", 100.0 * static_cast<double>(total - available) / static_cast<double>(total)},
          {"disk_used_pct", 100.0 * (1.0 - static_cast<double>(v.f_bavail) / static_cast<double>(v.f_blocks))},
          {"load1", load[0]},
          {"load5", load[1]},
          {"load15", load[2]}};
}

}  // namespace cutover::monitor
