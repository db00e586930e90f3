// The server's own criteria: the app's .env, resources and hardening.
#include <sys/stat.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "core/host.hpp"
#include "core/process.hpp"
#include "criteria/checks.hpp"
#include "criteria/support.hpp"
#include "pg/session.hpp"
#include "redis/client.hpp"

namespace cutover::criteria {
namespace {

using report::criterion_result;
using report::status;
using namespace detail;

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

/// The `command` setting (an argument vector) exits 0; by default ufw's
/// configuration enables it or the nftables ruleset (its JSON form) has an
/// input hook. Judged from structure and exit codes, never from the text a
/// tool prints in the machine's language. No shell.
bool firewall_active(const criterion_settings& settings, std::chrono::milliseconds timeout) {
  if (!settings.command.empty()) return run_process({settings.command, {}, timeout}).status.ok();
  if (ufw_enabled()) return true;
  auto nft = run_process({{"nft", "-j", "list", "ruleset"}, {}, timeout});
  return nft.status.ok() && nft_has_input_hook(nft.out);
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

}  // namespace

void add_env_checks(std::vector<definition>& d) {
  using report::severity;
  using enum threshold_unit;
  d.push_back({"env.required", "The app's .env has every required variable, points at the private network, and works",
               {"server-migration"}, severity::primary, "", "", 0, none, "", {}, nullptr, eval_env_required});
}

void add_host_checks(std::vector<definition>& d) {
  using report::severity;
  using enum threshold_unit;
  d.push_back({"host.resources", "Memory used < 75% and disk used < 50%", {"server-migration"}, severity::secondary,
               "", "<", 75.0, pct, "%", {"threshold", "max_disk_pct", "path"}, nullptr, eval_host_resources});
  d.push_back({"host.hardening", ".env mode 600, sshd PasswordAuthentication no, firewall active", {"post-migration"},
               severity::secondary, "", "", 0, none, "", {"path", "command"}, nullptr, eval_host_hardening});
}

}  // namespace cutover::criteria
