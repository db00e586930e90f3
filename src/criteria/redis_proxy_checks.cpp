// The Redis and SOCKS5 proxy criteria.
#include <chrono>

#include "core/error.hpp"
#include "criteria/checks.hpp"
#include "criteria/support.hpp"
#include "net/tcp_probe.hpp"
#include "redis/client.hpp"
#include "report/format.hpp"

namespace cutover::criteria {
namespace {

using report::criterion_result;
using report::status;
using json = nlohmann::json;
using namespace detail;

void eval_redis_latency(const context& ctx, criterion_result& out) {
  auto name = ctx.target_for(out.id);
  out.unit = "ns";
  const auto mean_limit = ctx.threshold_duration(*find(out.id)).count();
  // `max_ms` is in milliseconds whatever the threshold's unit.
  const auto max_limit = to_duration(threshold_unit::ms, ctx.settings(out.id).max_ms.value_or(5.0)).count();
  out.threshold = {{"mean_ns", mean_limit}, {"max_ns", max_limit}};
  const auto* m = usable(ctx, out, "redis.ping", name, 50);
  if (!m) return;
  auto mean = static_cast<std::int64_t>(m->summary.mean_ns);
  out.measured = {{"mean_ns", mean}, {"max_ns", m->summary.max_ns}};
  out.status = mean < mean_limit && m->summary.max_ns < max_limit ? status::pass : status::fail;
  out.detail = "PING mean " + report::human_ns(m->summary.mean_ns) + ", max " + report::human_ns(static_cast<double>(m->summary.max_ns)) +
               " over " + std::to_string(m->summary.count) + " samples (need mean < " +
               report::human_ns(static_cast<double>(mean_limit)) + ", max < " + report::human_ns(static_cast<double>(max_limit)) + ")";
}

void eval_redis_auth(const context& ctx, criterion_result& out) {
  auto name = ctx.target_for(out.id);
  const auto& t = require_target(ctx, name);
  if (!t.redis) throw error("target '" + name + "' has no redis endpoint");
  redis::client anon(*t.redis, {ctx.within_run(ctx.cfg.timeouts.connect), ctx.within_run(ctx.cfg.timeouts.command), false, name});
  auto r = anon.connect();
  if (!r.ok()) {
    out.status = status::fail;
    out.detail = "cannot reach " + t.redis->display() + ": " + r.message;
    return;
  }
  auto unauth = anon.command({"PING"});
  redis::client authed(*t.redis, {ctx.within_run(ctx.cfg.timeouts.connect), ctx.within_run(ctx.cfg.timeouts.command), true, name});
  auto a = authed.connect();
  if (a.ok()) a = authed.command({"PING"});
  out.measured = {{"without_password", unauth.ok() ? "ok" : std::string(to_string(unauth.result))},
                  {"with_password", a.ok() ? "ok" : std::string(to_string(a.result))}};
  if (unauth.ok()) {
    out.status = status::fail;
    out.detail = t.redis->display() + " answered PING without a password";
  } else if (unauth.result != outcome::auth_failed) {
    out.status = status::fail;
    out.detail = "unauthenticated PING failed, but not with NOAUTH: " + unauth.message;
  } else if (!a.ok()) {
    out.status = status::fail;
    out.detail = "authenticated PING failed: " + a.message;
  } else {
    out.status = status::pass;
    out.detail = "NOAUTH without the password; PONG with it";
  }
}

void eval_proxy_socks5(const context& ctx, criterion_result& out) {
  auto name = ctx.target_for(out.id);
  const auto& t = require_target(ctx, name);
  if (!t.socks5) throw error("target '" + name + "' has no socks5 endpoint");
  const auto& probe = ctx.cfg.expect.socks5_probe;
  auto colon = probe.rfind(':');
  if (probe.empty() || colon == std::string::npos) throw error("expect.socks5_probe must be host:port");
  net::socks5_check_options o;
  o.proxy_host = t.socks5->host;
  o.proxy_port = t.socks5->port;
  o.dest_host = probe.substr(0, colon);
  o.dest_port = static_cast<std::uint16_t>(std::stoi(probe.substr(colon + 1)));
  o.timeout = ctx.within_run(ctx.cfg.timeouts.connect + ctx.cfg.timeouts.command);
  auto t0 = std::chrono::steady_clock::now();
  auto r = net::socks5_check(o);
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
  out.measured = r.ok() ? json("ok") : json(std::string(to_string(r.result)));
  out.status = r.ok() ? status::pass : status::fail;
  out.detail = r.ok() ? "handshake, CONNECT " + probe + " and GET / through " + t.socks5->display() + " in " +
                            report::human_ns(static_cast<double>(ns))
                      : r.message;
}

}  // namespace

void add_redis_proxy_checks(std::vector<definition>& d) {
  using report::severity;
  using enum threshold_unit;
  const std::vector<std::string> latency_settings{"threshold", "target", "max_error_ratio"};
  d.push_back({"redis.auth", "Redis refuses commands without the password (NOAUTH) and answers with it",
               {"server-migration"}, severity::primary, "", "", 0, none, "", {"target"}, nullptr, eval_redis_auth});
  d.push_back({"redis.latency", "Redis PING: mean < 1 ms, max < 5 ms", {"server-migration"}, severity::secondary,
               "redis.ping", "<", 1.0, ms, "ns", {"threshold", "target", "max_error_ratio", "max_ms"},
               [](const context& c) { return one("redis.ping", c.target_for("redis.latency")); }, eval_redis_latency});
  d.push_back({"proxy.socks5", "SOCKS5 proxy (Xray) completes a handshake and CONNECT to the probe host",
               {"server-migration"}, severity::primary, "", "", 0, none, "", {"target"}, nullptr, eval_proxy_socks5});
}

}  // namespace cutover::criteria
