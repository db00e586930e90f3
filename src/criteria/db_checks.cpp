// The database criteria: reachable, authentication, and latency over the network paths.
#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "criteria/checks.hpp"
#include "criteria/support.hpp"
#include "pg/session.hpp"
#include "report/format.hpp"

namespace cutover::criteria {
namespace {

using report::criterion_result;
using report::status;
using namespace detail;

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

}  // namespace

void add_db_checks(std::vector<definition>& d) {
  using report::severity;
  using enum threshold_unit;
  d.push_back({"db.reachable", "Target PostgreSQL answers SELECT NOW() and the user may create in schema public",
               {"all"}, severity::primary, "", "", 0, none, "", {"target"}, nullptr, eval_db_reachable});
  d.push_back({"db.auth", "PostgreSQL refuses a wrong password", {"all"}, severity::primary, "", "", 0, none, "",
               {"target"}, nullptr, eval_db_auth});
}

void add_db_latency_checks(std::vector<definition>& d) {
  using report::severity;
  using enum threshold_unit;
  const std::vector<std::string> latency_settings{"threshold", "target", "max_error_ratio"};
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
}

}  // namespace cutover::criteria
