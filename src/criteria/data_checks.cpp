#include "criteria/data_checks.hpp"

#include <algorithm>
#include <chrono>

#include "core/error.hpp"
#include "criteria/checks.hpp"
#include "pg/parity.hpp"
#include "pg/session.hpp"

namespace cutover::criteria {
namespace {

using report::criterion_result;
using report::status;

void eval_schema(const context& ctx, criterion_result& out) {
  both_sides db(ctx, out.id);
  auto diff = pg::diff_schema(pg::read_schema(db.source, ctx.cfg.expect.tables),
                              pg::read_schema(db.target, ctx.cfg.expect.tables));
  if (!diff.status.ok()) {
    out.status = status::error;
    out.detail = diff.status.message;
    return;
  }
  out.measured = static_cast<std::int64_t>(diff.differences.size());
  out.unit = "differences";
  out.status = diff.equal() ? status::pass : status::fail;
  out.detail = diff.equal() ? "tables, columns, types, defaults, indexes and constraints match"
                            : first_lines(diff.differences);
}

void eval_rows(const context& ctx, criterion_result& out) {
  both_sides db(ctx, out.id);
  auto src = pg::count_rows(db.source, ctx.cfg.expect.tables);
  auto dst = pg::count_rows(db.target, ctx.cfg.expect.tables);
  auto diff = pg::diff_counts(src, dst);
  if (!diff.status.ok()) {
    out.status = status::error;
    out.detail = diff.status.message;
    return;
  }
  std::int64_t total = 0;
  for (const auto& t : src.tables) total += t.rows;
  out.measured = static_cast<std::int64_t>(diff.differences.size());
  out.unit = "tables differing";
  out.status = diff.equal() ? status::pass : status::fail;
  out.detail = diff.equal() ? std::to_string(src.tables.size()) + " tables, " + std::to_string(total) + " rows, every count equal"
                            : first_lines(diff.differences);
}

void eval_content(const context& ctx, criterion_result& out) {
  both_sides db(ctx, out.id);
  pg::content_options options;
  // Statements aim at a quarter of the statement timeout, so a slow server still finishes each one.
  options.statement_budget = std::max(std::chrono::milliseconds(100), ctx.cfg.timeouts.statement / 4);
  if (const auto& recheck = ctx.settings(out.id).recheck) options.recheck_delay = *recheck;
  auto diff = pg::compare_content(db.source, db.target, ctx.cfg.expect.tables, options);
  auto lines = diff.lines();
  if (!diff.status.ok() && lines.empty()) lines.push_back(diff.status.message);
  std::int64_t rows = 0;
  std::size_t caught_up = 0;
  std::vector<std::string> changing;
  for (const auto& t : diff.tables) {
    rows += t.source_rows;
    caught_up += t.caught_up;
    for (const auto& k : t.changed_during_check) changing.push_back("table " + t.table + " " + k.key);
  }
  out.measured = static_cast<std::int64_t>(lines.size());
  out.unit = "differences";
  const std::string live = caught_up ? "; " + std::to_string(caught_up) + " rows differed, then matched at the re-check" : "";
  if (!diff.equal()) {
    out.status = diff.status.ok() ? status::fail : status::error;
    out.detail = first_lines(lines) + (changing.empty() ? "" : "; changed during the check (not judged): " + first_lines(changing, 3)) + live;
  } else if (!changing.empty()) {
    // Rows still moving on the source cannot be judged: neither equal nor different.
    out.status = status::inconclusive;
    out.detail = std::to_string(changing.size()) + " rows changed during the check and still differ (source still "
                 "taking writes?): " + first_lines(changing, 3) + "; no row really differs" + live;
  } else {
    out.status = status::pass;
    out.detail = std::to_string(diff.tables.size()) + " tables, " + std::to_string(rows) +
                 " rows hashed in the database, all equal" + live;
  }
}

void eval_baileys_auth(const context& ctx, criterion_result& out) {
  const auto& e = both_sides::endpoint(ctx, ctx.target_for(out.id));
  pg::session s(e, {ctx.within_run(ctx.cfg.timeouts.connect), ctx.within_run(ctx.cfg.timeouts.statement), ctx.target_for(out.id)});
  connect_or_give_up(ctx, s, ctx.target_for(out.id));
  auto b = pg::read_baileys(s, ctx.cfg.expect.company_id);
  if (!b.status.ok()) {
    out.status = b.status.result == outcome::check_failed ? status::fail : status::error;
    out.detail = b.status.message;
    return;
  }
  out.measured = {{"auth_rows", b.auth_rows}, {"creds_type", b.creds_type}};
  bool ok = b.auth_rows == 1 && b.creds_type == "object";
  out.status = ok ? status::pass : status::fail;
  out.detail = b.summary();
}

void eval_baileys_keys(const context& ctx, criterion_result& out) {
  both_sides db(ctx, out.id);
  auto t = pg::read_baileys(db.target, ctx.cfg.expect.company_id);
  auto s = pg::read_baileys(db.source, ctx.cfg.expect.company_id);
  if (!t.status.ok() || !s.status.ok()) {
    const auto& bad = !t.status.ok() ? t.status : s.status;
    out.status = bad.result == outcome::check_failed ? status::fail : status::error;
    out.detail = (!t.status.ok() ? "target: " : "source: ") + bad.message;
    return;
  }
  std::vector<std::string> problems;
  out.threshold = ctx.cfg.expect.whatsapp_keys;
  out.measured = t.keys;
  if (t.keys != ctx.cfg.expect.whatsapp_keys)
    problems.push_back("target has " + std::to_string(t.keys) + " keys, expected " + std::to_string(ctx.cfg.expect.whatsapp_keys));
  if (t.keys != s.keys)
    problems.push_back("target has " + std::to_string(t.keys) + " keys, source " + std::to_string(s.keys));
  for (const auto& type : ctx.cfg.expect.key_types)
    if (std::none_of(t.key_types.begin(), t.key_types.end(), [&](const auto& p) { return p.first == type; }))
      problems.push_back("key type " + type + " missing in target");
  out.status = problems.empty() ? status::pass : status::fail;
  out.detail = problems.empty() ? t.summary() + "; equal to source"
                                : first_lines(problems);
}

}  // namespace

both_sides::both_sides(const context& ctx, std::string_view id)
    : source(endpoint(ctx, "source"), {ctx.within_run(ctx.cfg.timeouts.connect), ctx.within_run(ctx.cfg.timeouts.statement), "source"}),
      target(endpoint(ctx, ctx.target_for(id)),
             {ctx.within_run(ctx.cfg.timeouts.connect), ctx.within_run(ctx.cfg.timeouts.statement), ctx.target_for(id)}) {
  connect_or_give_up(ctx, source, "source", "source: ");
  connect_or_give_up(ctx, target, ctx.target_for(id), "target: ");
}

void connect_or_give_up(const context& ctx, pg::session& s, const std::string& name, std::string_view side) {
  if (auto why = ctx.gave_up_on("pg", name)) throw error(std::string(side) + "not probed again: " + *why);
  if (auto r = s.connect(); !r.ok()) {
    ctx.give_up("pg", name, "connect to " + name + " failed: " + r.message);
    throw error(std::string(side) + r.message);
  }
}

const pg_endpoint& both_sides::endpoint(const context& ctx, const std::string& name) {
  const auto* t = ctx.cfg.find(name);
  if (!t || !t->postgres) throw error("no target '" + name + "' with a postgres endpoint in the config");
  return *t->postgres;
}

std::string first_lines(const std::vector<std::string>& lines, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < std::min(n, lines.size()); ++i) out += (out.empty() ? "" : "; ") + lines[i];
  if (lines.size() > n) out += "; and " + std::to_string(lines.size() - n) + " more";
  return out;
}

void add_data_checks(std::vector<definition>& d) {
  using report::severity;
  using enum threshold_unit;
  d.push_back({"db.schema.parity", "Tables, columns, types, indexes and constraints: source == target",
               {"db-migration"}, severity::primary, "", "", 0, none, "", {"target"}, nullptr, eval_schema});
  d.push_back({"db.rows.parity", "Exact row count per table: source == target", {"db-migration"}, severity::primary, "",
               "", 0, none, "", {"target"}, nullptr, eval_rows});
  d.push_back({"db.content.parity", "Per-table content hash (chunked, order-independent, canonical jsonb): source == target",
               {"db-migration"}, severity::primary, "", "", 0, none, "", {"target", "recheck_ms"}, nullptr, eval_content});
  d.push_back({"baileys.auth", "whatsapp_auth has the company's row and creds is a JSON object", {"db-migration"},
               severity::primary, "", "", 0, none, "", {"target"}, nullptr, eval_baileys_auth});
  // Its threshold is expect.whatsapp_keys, not a `threshold` setting.
  d.push_back({"baileys.keys", "whatsapp_keys count == expected == source, with every key type", {"db-migration"},
               severity::primary, "whatsapp_keys", "==", 335, none, "keys", {"target"}, nullptr, eval_baileys_keys});
}

}  // namespace cutover::criteria
