// The acceptance criteria of the plan (DESIGN.md "Acceptance criteria").
// Each is one definition: stage, severity, default threshold from the plan,
// the measurements it needs, and how it is judged.
#include <sys/stat.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/duration.hpp"
#include "core/error.hpp"
#include "core/host.hpp"
#include "core/process.hpp"
#include "criteria/app_checks.hpp"
#include "criteria/criteria.hpp"
#include "criteria/data_checks.hpp"
#include "report/format.hpp"
#include "criteria/usable_checks.hpp"
#include "net/tcp_probe.hpp"
#include "pg/session.hpp"
#include "redis/client.hpp"
#include "stats/recorder.hpp"

namespace cutover::criteria {
namespace {

using report::criterion_result;
using report::status;
using json = nlohmann::json;

const target& require_target(const context& ctx, const std::string& name) {
  const auto* t = ctx.cfg.find(name);
  if (!t) throw error("no target named '" + name + "' in the config");
  return *t;
}

const pg_endpoint& require_pg(const context& ctx, const std::string& name) {
  const auto& t = require_target(ctx, name);
  if (!t.postgres) throw error("target '" + name + "' has no postgres endpoint");
  return *t.postgres;
}

pg::session_options pg_options(const context& ctx, const std::string& path) {
  return {ctx.within_run(ctx.cfg.timeouts.connect), ctx.within_run(ctx.cfg.timeouts.statement), path};
}

double max_error_ratio(const context& ctx, std::string_view id) { return ctx.settings(id).max_error_ratio.value_or(0.01); }

/// Shared judgement of a measured latency: present, mostly successful,
/// enough samples for the percentile, then compared with the threshold.
/// Returns the measurement when it is usable (status left for the caller).
const report::measurement* usable(const context& ctx, criterion_result& out, const std::string& metric,
                                  const std::string& target, double percentile) {
  const auto* m = ctx.find(metric, target);
  if (!m) {
    out.status = status::error;
    out.detail = metric + " on " + target + " was not measured";
    return nullptr;
  }
  const auto& s = m->summary;
  auto total = s.count + s.failures();
  if (s.count == 0) {
    out.status = status::fail;
    out.detail = metric + " on " + target + ": every sample failed";
    if (!s.error_messages.empty()) out.detail += " (" + s.error_messages.front() + ")";
    return nullptr;
  }
  double err = total ? static_cast<double>(s.failures()) / static_cast<double>(total) : 0;
  if (err > max_error_ratio(ctx, out.id)) {
    out.status = status::fail;
    out.detail = metric + " on " + target + ": " + std::to_string(s.failures()) + " of " + std::to_string(total) +
                 " samples failed";
    if (!s.error_messages.empty()) out.detail += " (" + s.error_messages.front() + ")";
    return nullptr;
  }
  // An open loop that did not apply its load measured something else.
  if (m->workload.is_object() && m->workload.value("valid", true) == false) {
    out.status = status::inconclusive;
    out.detail = metric + " on " + target + ": the open-loop measurement is invalid (" +
                 m->workload.value("invalid_reason", std::string("no reason recorded")) + ")";
    return nullptr;
  }
  // Sufficiency's other half: the clock must be far finer than the value.
  if (m->workload.is_object() && m->workload.contains("clock") && m->workload["clock"].is_object()) {
    const auto& c = m->workload["clock"];
    const auto res = c.value("resolution_ns", std::int64_t{0});
    const auto factor = c.value("claim_factor", std::int64_t{100});
    const auto value = percentile >= 99.9 ? s.p999_ns
                       : percentile >= 99 ? s.p99_ns
                       : percentile >= 95 ? s.p95_ns
                       : percentile >= 90 ? s.p90_ns
                                          : s.p50_ns;
    if (res > 0 && value < factor * res) {
      out.status = status::inconclusive;
      out.detail = metric + " on " + target + ": p" + std::to_string(static_cast<int>(percentile)) + " " +
                   std::to_string(value) + " ns is not far above the clock's resolution (" + std::to_string(res) +
                   " ns; needs " + std::to_string(factor) + "x)";
      return nullptr;
    }
  }
  if (!s.claimed(percentile)) {
    out.status = status::inconclusive;
    out.detail = metric + " on " + target + ": " + std::to_string(s.count) + " samples are too few to claim p" +
                 std::to_string(static_cast<int>(percentile)) + " (need " +
                 std::to_string(stats::samples_needed(percentile)) + ")";
    return nullptr;
  }
  return m;
}

/// p50 of a metric on a target below the criterion's threshold (a time).
void p50_below(const context& ctx, criterion_result& out, const std::string& metric, const std::string& target) {
  const auto limit = ctx.threshold_duration(*find(out.id)).count();
  out.threshold = limit;
  out.unit = "ns";
  const auto* m = usable(ctx, out, metric, target, 50);
  if (!m) return;
  const auto& s = m->summary;
  out.measured = s.p50_ns;
  out.status = s.p50_ns < limit ? status::pass : status::fail;
  out.detail = "p50 " + report::human_ns(static_cast<double>(s.p50_ns)) + " on " + target + " over " + std::to_string(s.count) +
               " samples";
  if (s.claimed(99)) out.detail += ", p99 " + report::human_ns(static_cast<double>(s.p99_ns));
  if (!m->fingerprint.resolved.empty()) out.detail += "; reached " + m->fingerprint.resolved;
  if (!m->fingerprint.server_addr.empty()) out.detail += " (server saw " + m->fingerprint.server_addr + ")";
}

std::vector<need> one(std::string metric, std::string target) { return {need{std::move(metric), std::move(target)}}; }

// --- database ---------------------------------------------------------------

void eval_db_reachable(const context& ctx, criterion_result& out) {
  auto name = ctx.target_for(out.id);
  const auto& e = require_pg(ctx, name);
  if (auto why = ctx.gave_up_on("pg", name)) {
    out.status = status::fail;
    out.measured = "given up";
    out.detail = "not probed again: " + *why;
    return;
  }
  pg::session s(e, pg_options(ctx, name));
  auto r = s.connect();
  if (!r.ok()) ctx.give_up("pg", name, "connect to " + name + " failed: " + r.message);
  pg::rows rows;
  if (r.ok())
    r = s.exec("SELECT now()::text, has_schema_privilege(current_user, 'public', 'CREATE'), current_database()", &rows);
  if (!r.ok()) {
    out.status = status::fail;
    out.measured = std::string(to_string(r.result));
    out.detail = r.message;
    return;
  }
  auto f = s.fingerprint();
  bool can_create = rows.at(0).at(1).value_or("f") == "t";
  out.measured = {{"now", rows[0][0].value_or("")}, {"can_create_in_public", can_create}, {"server", f.server_version}};
  out.status = can_create ? status::pass : status::fail;
  out.detail = e.display() + " answered SELECT NOW() (" + f.server_version + ")" +
               (can_create ? "" : "; but the user may not create in schema public");
}

void eval_db_auth(const context& ctx, criterion_result& out) {
  auto name = ctx.target_for(out.id);
  auto e = require_pg(ctx, name);
  if (e.password.empty()) {
    out.status = status::fail;
    out.detail = "no password configured for " + e.display() + ": the server must require one";
    return;
  }
  // Probed even when the run gave up on the endpoint: a wrong configured
  // password gives the endpoint up, and a refused wrong password is still
  // what this criterion must see.
  e.password = secret(e.password.reveal() + "-cutover-wrong");
  pg::session s(e, pg_options(ctx, name));
  auto r = s.connect();
  // Only a server that cannot be reached is given up on: refusing the wrong
  // password is what this criterion wants to see.
  if (r.result == outcome::timeout || r.result == outcome::refused)
    ctx.give_up("pg", name, "connect to " + name + " failed: " + r.message);
  out.measured = r.ok() ? "connected" : std::string(to_string(r.result));
  out.status = r.result == outcome::auth_failed ? status::pass : status::fail;
  out.detail = r.ok() ? "a wrong password was accepted by " + e.display()
                      : r.result == outcome::auth_failed ? "a wrong password is refused" : "unexpected: " + r.message;
}

// --- latency ----------------------------------------------------------------

void eval_net_private(const context& ctx, criterion_result& out) {
  p50_below(ctx, out, "net.tcp_connect", ctx.target_for(out.id));
}

void eval_db_latency_private(const context& ctx, criterion_result& out) {
  auto name = ctx.target_for(out.id);
  p50_below(ctx, out, "pg.query.select1", name);
  // A private-network figure must not have gone through the tunnel.
  const auto* m = ctx.find("pg.query.select1", name);
  const auto* tunnel = ctx.cfg.find("tunnel");
  if (m && tunnel && tunnel->postgres && name != "tunnel") {
    auto tunnel_ep = tunnel->postgres->host + ":" + std::to_string(tunnel->postgres->port);
    if (m->fingerprint.resolved == tunnel_ep || m->fingerprint.path == "tunnel") {
      out.status = status::fail;
      out.detail = "the " + name + " measurement reached " + m->fingerprint.resolved + ", the tunnel's endpoint";
    }
  }
}

void eval_db_latency_tunnel(const context& ctx, criterion_result& out) {
  p50_below(ctx, out, "pg.query.select1", "tunnel");
}

void eval_db_latency_improvement(const context& ctx, criterion_result& out) {
  out.threshold = ctx.threshold(*find(out.id));
  out.unit = "ratio";
  criterion_result tmp = out;
  const auto* a = usable(ctx, out, "pg.query.select1", "tunnel", 50);
  if (!a) return;
  const auto* b = usable(ctx, tmp, "pg.query.select1", ctx.target_for(out.id), 50);
  if (!b) {
    out.status = tmp.status;
    out.detail = tmp.detail;
    return;
  }
  double ratio = static_cast<double>(a->summary.p50_ns) / static_cast<double>(std::max<std::int64_t>(1, b->summary.p50_ns));
  out.measured = std::round(ratio * 10) / 10;
  out.status = ratio >= out.threshold.get<double>() ? status::pass : status::fail;
  bool paired = a->workload.is_object() && a->workload.value("mode", "") == "closed-paired";
  out.detail = "tunnel p50 " + report::human_ns(static_cast<double>(a->summary.p50_ns)) + " / " + b->target + " p50 " +
               report::human_ns(static_cast<double>(b->summary.p50_ns)) + (paired ? " (paired samples)" : "");
}

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

// --- redis, proxy -----------------------------------------------------------

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

// --- environment and host ---------------------------------------------------

void eval_env_required(const context& ctx, criterion_result& out) {
  if (!ctx.cfg.env_file) throw error("the config names no env_file (the application's .env)");
  const auto& env = ctx.cfg.env;
  std::vector<std::string> problems;
  for (const auto& k : ctx.cfg.expect.env_required) {
    auto it = env.find(k);
    if (it == env.end() || it->second.empty()) problems.push_back(k + " is missing or empty");
  }
  auto get = [&](const char* k) -> std::string {
    auto it = env.find(k);
    return it == env.end() ? "" : it->second;
  };
  std::string hostport = get("POSTGRES_HOST") + ":" + get("POSTGRES_PORT");
  if (const auto* tunnel = ctx.cfg.find("tunnel"); tunnel && tunnel->postgres &&
      hostport == tunnel->postgres->host + ":" + std::to_string(tunnel->postgres->port))
    problems.push_back("POSTGRES_HOST:PORT " + hostport + " is the SSH tunnel, not the private network");
  if (const auto* priv = ctx.cfg.find("private"); priv && priv->postgres &&
      hostport != priv->postgres->host + ":" + std::to_string(priv->postgres->port))
    problems.push_back("POSTGRES_HOST:PORT " + hostport + " is not the private database endpoint " +
                       priv->postgres->host + ":" + std::to_string(priv->postgres->port));
  if (!ctx.cfg.expect.private_host.empty() && get("POSTGRES_HOST") != ctx.cfg.expect.private_host)
    problems.push_back("POSTGRES_HOST is " + get("POSTGRES_HOST") + ", expected the private address " +
                       ctx.cfg.expect.private_host);
  if (get("USE_LEGACY_SUPABASE") != "false")
    problems.push_back("USE_LEGACY_SUPABASE must be false (is '" + get("USE_LEGACY_SUPABASE") + "')");
  // The values must also work, not just be present.
  if (problems.empty()) {
    pg_endpoint e;
    e.host = get("POSTGRES_HOST");
    try {
      e.port = static_cast<std::uint16_t>(std::stoi(get("POSTGRES_PORT")));
    } catch (...) {
      problems.push_back("POSTGRES_PORT is not a number");
    }
    e.dbname = get("POSTGRES_DATABASE");
    e.user = get("POSTGRES_USER");
    e.password = secret(get("POSTGRES_PASSWORD"));
    if (problems.empty()) {
      pg::session s(e, pg_options(ctx, "env"));
      auto r = s.connect();
      if (r.ok()) r = s.exec("SELECT 1");
      if (!r.ok()) problems.push_back("connecting with the .env's PostgreSQL values failed: " + r.message);
    }
    if (auto url = get("REDIS_URL"); !url.empty()) {
      try {
        auto re = parse_redis_url(url, "REDIS_URL");
        if (re.password.empty()) re.password = secret(get("REDIS_PASSWORD"));
        redis::client c(re, {ctx.within_run(ctx.cfg.timeouts.connect), ctx.within_run(ctx.cfg.timeouts.command), true, "env"});
        auto r = c.connect();
        if (r.ok()) r = c.command({"PING"});
        if (!r.ok()) problems.push_back("Redis with the .env's REDIS_URL/REDIS_PASSWORD failed: " + r.message);
      } catch (const std::exception& e) {
        problems.push_back(e.what());
      }
    }
  }
  out.measured = static_cast<std::int64_t>(problems.size());
  out.unit = "problems";
  out.status = problems.empty() ? status::pass : status::fail;
  std::string detail;
  for (const auto& p : problems) detail += (detail.empty() ? "" : "; ") + p;
  out.detail = problems.empty() ? ctx.cfg.env_file->string() + ": every required variable set, database and Redis reachable with them"
                                : detail;
}

void eval_host_resources(const context& ctx, criterion_result& out) {
  const auto& s = ctx.settings(out.id);
  std::string path = s.path.empty() ? "/" : s.path;
  double mem_limit = ctx.threshold(*find(out.id));
  double disk_limit = s.max_disk_pct.value_or(50.0);
  auto host = read_host(path);
  double disk = host.disk_used_pct;
  double mem = host.mem_used_pct;
  out.unit = "%";
  out.threshold = {{"memory_used_pct", mem_limit}, {"disk_used_pct", disk_limit}};
  out.measured = {{"memory_used_pct", std::round(mem * 10) / 10}, {"disk_used_pct", std::round(disk * 10) / 10}};
  out.status = mem < mem_limit && disk < disk_limit ? status::pass : status::fail;
  char buf[160];
  std::snprintf(buf, sizeof buf, "memory %.1f%% used (limit %.0f%%), disk %s %.1f%% used (limit %.0f%%)", mem, mem_limit,
                path.c_str(), disk, disk_limit);
  out.detail = buf;
}

/// The `command` setting (an argument vector) exits 0; by default `ufw
/// status` says active or `nft list ruleset` has an input hook. No shell.
bool firewall_active(const criterion_settings& settings, std::chrono::milliseconds timeout) {
  if (!settings.command.empty()) return run_process({settings.command, {}, timeout}).status.ok();
  auto ufw = run_process({{"ufw", "status"}, {}, timeout});
  if (ufw.status.ok() && ufw.out.find("Status: active") != std::string::npos) return true;
  auto nft = run_process({{"nft", "list", "ruleset"}, {}, timeout});
  return nft.status.ok() && nft.out.find("hook input") != std::string::npos;
}

void eval_host_hardening(const context& ctx, criterion_result& out) {
  std::vector<std::string> problems;
  if (!ctx.cfg.env_file) {
    problems.push_back("no env_file configured");
  } else {
    struct stat st {};
    if (::stat(ctx.cfg.env_file->c_str(), &st) != 0) problems.push_back("cannot stat " + ctx.cfg.env_file->string());
    else if ((st.st_mode & 077) != 0) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "%o", st.st_mode & 0777);
      problems.push_back(ctx.cfg.env_file->string() + " has mode " + buf + ", expected 600");
    }
  }
  const auto& s = ctx.settings(out.id);
  std::string sshd = s.path.empty() ? "/etc/ssh/sshd_config" : s.path;
  std::ifstream in(sshd);
  if (!in) {
    problems.push_back("cannot read " + sshd);
  } else {
    std::string line;
    std::string value;
    while (std::getline(in, line)) {
      std::istringstream ls(line);
      std::string k;
      std::string v;
      ls >> k >> v;
      if (k == "Match") break;  // only the global section applies to every login
      if (k == "PasswordAuthentication" && value.empty()) value = v;
    }
    if (value != "no") problems.push_back(sshd + ": PasswordAuthentication is " + (value.empty() ? "unset (default yes)" : value));
  }
  if (!firewall_active(s, ctx.cfg.timeouts.command + ctx.cfg.timeouts.connect))
    problems.push_back("no active firewall (ufw inactive and no nftables input hook)");
  out.measured = static_cast<std::int64_t>(problems.size());
  out.unit = "problems";
  out.status = problems.empty() ? status::pass : status::fail;
  for (const auto& p : problems) out.detail += (out.detail.empty() ? "" : "; ") + p;
  if (problems.empty()) out.detail = ".env mode 600, password logins off, firewall active";
}

/// The series a `cutover downtime` or `cutover monitor` report wrote for
/// `metric`: the component named by the criterion's `target` setting, else
/// the whole service. Their numbers live in the measurement's workload.
const report::measurement* series_measurement(const context& ctx, const criterion_result& out, const char* metric,
                                              std::string& name) {
  name = ctx.settings(out.id).target.empty() ? "service" : ctx.settings(out.id).target;
  return ctx.find(metric, name);
}

std::string hms(std::int64_t ns) { return clock_text(std::chrono::nanoseconds(ns), true); }

std::string longest_outage(const json& w) {
  const json outages = w.value("outages", json::array());
  const json* longest = nullptr;
  for (const auto& o : outages)
    if (!longest || o.value("duration_ns", std::int64_t{0}) > longest->value("duration_ns", std::int64_t{0})) longest = &o;
  if (!longest) return "";
  return "; longest " + hms(longest->value("duration_ns", std::int64_t{0})) + " from " + longest->value("start", "") +
         " (" + longest->value("first_error", "") + ")";
}

// Threshold in minutes (config `threshold`; 15 for the DB switchover, 240 for the server move).
void eval_downtime_window(const context& ctx, criterion_result& out) {
  auto limit = ctx.threshold_duration(*find(out.id)).count();
  out.threshold = limit;
  out.unit = "ns";
  std::string name;
  const auto* m = series_measurement(ctx, out, "downtime.total", name);
  if (!m) {
    out.status = status::error;
    out.detail = "not measured: run `cutover downtime --watch api,db,redis --out R.json` through the maintenance "
                 "window, then pass --measurements R.json (no downtime.total for '" + name + "')";
    return;
  }
  const auto& w = m->workload;
  auto observed = w.value("observed_ns", std::int64_t{0});
  if (observed <= 0) {
    out.status = status::error;
    out.detail = "downtime.total on " + name + " holds no checks";
    return;
  }
  auto down = w.value("downtime_ns", std::int64_t{0});
  out.measured = down;
  bool still_down = w.value("still_down", false);
  out.status = down < limit && !still_down ? status::pass : status::fail;
  out.detail = name + " down " + hms(down) + " in " + std::to_string(w.value("outage_count", 0)) + " outage(s) over a " +
               hms(observed) + " watch (limit " + hms(limit) + ")" + longest_outage(w);
  if (still_down) out.detail += "; still down when the watch ended";
}

void eval_soak_uptime(const context& ctx, criterion_result& out) {
  double limit = ctx.threshold(*find(out.id));
  out.threshold = limit;
  out.unit = "%";
  std::string name;
  const auto* m = series_measurement(ctx, out, "soak.uptime", name);
  if (!m) {
    out.status = status::error;
    out.detail = "not measured: run `cutover monitor --out DIR` over the period, then pass --measurements "
                 "DIR/report.json (no soak.uptime for '" + name + "')";
    return;
  }
  const auto& w = m->workload;
  auto checks = w.value("checks", std::int64_t{0});
  if (checks <= 0) {
    out.status = status::error;
    out.detail = "soak.uptime on " + name + " holds no checks";
    return;
  }
  double uptime = w.value("uptime_pct", 0.0);
  out.measured = uptime;
  // One check can only tell 100 / checks percent apart: fewer checks than
  // that cannot show the uptime is above the limit.
  auto needed = limit < 100 ? static_cast<std::int64_t>(std::ceil(100.0 / (100.0 - limit))) : checks + 1;
  char pct[32];
  std::snprintf(pct, sizeof pct, "%.3f%%", uptime);
  out.detail = name + " up " + pct + " of " + hms(w.value("observed_ns", std::int64_t{0})) + " observed (" +
               std::to_string(checks) + " checks per component, " + std::to_string(w.value("outage_count", 0)) +
               " outage(s), down " + hms(w.value("downtime_ns", std::int64_t{0})) + ")" + longest_outage(w);
  if (uptime <= limit) {
    out.status = status::fail;
  } else if (checks < needed) {
    out.status = status::inconclusive;
    out.detail += "; " + std::to_string(checks) + " checks cannot resolve " + std::to_string(limit) + "% (need " +
                  std::to_string(needed) + ")";
  } else {
    out.status = status::pass;
  }
}

std::vector<definition> make_all() {
  using report::severity;
  using enum threshold_unit;
  const std::vector<std::string> latency_settings{"threshold", "target", "max_error_ratio"};
  std::vector<definition> d;
  d.push_back({"db.reachable", "Target PostgreSQL answers SELECT NOW() and the user may create in schema public",
               {"all"}, severity::primary, "", "", 0, none, "", {"target"}, nullptr, eval_db_reachable});
  d.push_back({"db.auth", "PostgreSQL refuses a wrong password", {"all"}, severity::primary, "", "", 0, none, "",
               {"target"}, nullptr, eval_db_auth});
  add_data_checks(d);
  add_usable_checks(d);
  d.push_back({"env.required", "The app's .env has every required variable, points at the private network, and works",
               {"server-migration"}, severity::primary, "", "", 0, none, "", {}, nullptr, eval_env_required});
  d.push_back({"net.private.reachable", "TCP connect to the database over the private network", {"server-migration"},
               severity::primary, "net.tcp_connect", "<", 1.0, ms, "ns", latency_settings,
               [](const context& c) { return one("net.tcp_connect", c.target_for("net.private.reachable")); },
               eval_net_private});
  d.push_back({"db.latency.private", "Query round trip over the private network (p50)", {"server-migration"},
               severity::primary, "pg.query.select1", "<", 1.0, ms, "ns", latency_settings,
               [](const context& c) { return one("pg.query.select1", c.target_for("db.latency.private")); },
               eval_db_latency_private});
  d.push_back({"db.latency.improvement", "Query round trip before / after the move (p50 ratio; the plan says 20-50x)",
               {"server-migration"}, severity::primary, "pg.query.select1", ">=", 20.0, ratio, "ratio", latency_settings,
               [](const context& c) {
                 return std::vector<need>{{"pg.query.select1", "tunnel"},
                                          {"pg.query.select1", c.target_for("db.latency.improvement")}};
               },
               eval_db_latency_improvement});
  // Always through the tunnel: no `target`.
  d.push_back({"db.latency.tunnel", "Query round trip through the SSH tunnel (p50)", {"db-migration"},
               severity::secondary, "pg.query.select1", "<", 50.0, ms, "ns", {"threshold", "max_error_ratio"},
               [](const context&) { return one("pg.query.select1", "tunnel"); }, eval_db_latency_tunnel});
  d.push_back({"redis.auth", "Redis refuses commands without the password (NOAUTH) and answers with it",
               {"server-migration"}, severity::primary, "", "", 0, none, "", {"target"}, nullptr, eval_redis_auth});
  d.push_back({"redis.latency", "Redis PING: mean < 1 ms, max < 5 ms", {"server-migration"}, severity::secondary,
               "redis.ping", "<", 1.0, ms, "ns", {"threshold", "target", "max_error_ratio", "max_ms"},
               [](const context& c) { return one("redis.ping", c.target_for("redis.latency")); }, eval_redis_latency});
  d.push_back({"proxy.socks5", "SOCKS5 proxy (Xray) completes a handshake and CONNECT to the probe host",
               {"server-migration"}, severity::primary, "", "", 0, none, "", {"target"}, nullptr, eval_proxy_socks5});
  d.push_back({"host.resources", "Memory used < 75% and disk used < 50%", {"server-migration"}, severity::secondary,
               "", "<", 75.0, pct, "%", {"threshold", "max_disk_pct", "path"}, nullptr, eval_host_resources});
  d.push_back({"host.hardening", ".env mode 600, sshd PasswordAuthentication no, firewall active", {"post-migration"},
               severity::secondary, "", "", 0, none, "", {"path", "command"}, nullptr, eval_host_hardening});
  add_app_checks(d);
  d.push_back({"downtime.window", "Measured downtime of the switchover within the window", {"switchover"},
               severity::primary, "downtime.total", "<", 15.0, min, "ns", {"threshold", "target"}, nullptr,
               eval_downtime_window});
  d.push_back({"soak.uptime", "Uptime over the parallel run / monitoring period", {"parallel-run", "post-migration"},
               severity::primary, "soak.uptime", ">", 99.0, pct, "%", {"threshold", "target"}, nullptr, eval_soak_uptime});
  // Judged by the commands that hold their data (no stage: validate never
  // runs them); their limits are command-line options, not settings.
  d.push_back({"compare.no_regression", "No metric slower than the baseline beyond the limit (or lost)", {},
               severity::primary, "", "<=", 10.0, pct, "%", {}, nullptr, nullptr});
  d.push_back({"soak.hourly_p99", "p99 check latency of every hour below the limit", {}, severity::secondary,
               "soak.uptime", "<", 0, none, "ns", {}, nullptr, nullptr});
  return d;
}

}  // namespace

const std::vector<definition>& all() {
  static const std::vector<definition> list = make_all();
  return list;
}

}  // namespace cutover::criteria
