#include "monitor/checks.hpp"

#include <map>
#include <memory>

#include "core/error.hpp"
#include "core/host.hpp"
#include "e2e/checks.hpp"
#include "http/client.hpp"
#include "pg/session.hpp"
#include "redis/client.hpp"

namespace cutover::monitor {

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
              auto h = read_host(disk);
              values = {{"mem_used_bytes", h.mem_used_bytes}, {"mem_used_pct", h.mem_used_pct},
                        {"disk_used_pct", h.disk_used_pct}, {"load1", h.load[0]},
                        {"load5", h.load[1]},           {"load15", h.load[2]}};
              return probe_result{};
            } catch (const std::exception& e) {
              return probe_result::failure(outcome::error, e.what(), true);
            }
          }};
}

check make_pm2_check(const check_options& options) {
  e2e::pm2_query query{options.pm2_command, options.pm2_home};
  auto timeout = options.timeout;
  return {"pm2", true, [query, timeout](nlohmann::json& values) {
            std::string out;
            if (auto r = e2e::run_pm2_jlist(query, timeout, out); !r.ok()) return r;
            try {
              auto list = e2e::parse_pm2_jlist(out);
              int online = 0;
              std::map<std::string, std::int64_t> restarts;
              std::string not_online;
              for (const auto& p : list) {
                restarts[p.name] += p.restarts;  // cluster mode lists one name several times
                if (p.status == "online") ++online;
                else not_online += (not_online.empty() ? "" : ", ") + p.name + " (" + p.status + ")";
              }
              values = {{"online", online}, {"total", list.size()}, {"restarts", restarts}};
              if (list.empty()) return probe_result::failure(outcome::check_failed, "pm2 lists no process", true);
              if (!not_online.empty()) return probe_result::failure(outcome::check_failed, "not online: " + not_online, true);
              return probe_result{};
            } catch (const std::exception& e) {
              return probe_result::failure(outcome::protocol_error, e.what(), true);
            }
          }};
}

}  // namespace cutover::monitor
