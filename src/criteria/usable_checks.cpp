#include "criteria/checks.hpp"

#include <functional>

#include "criteria/data_checks.hpp"
#include "core/error.hpp"
#include "pg/parity_usable.hpp"

namespace cutover::criteria {
namespace {

using report::criterion_result;
using report::status;

// The schema the app's tables live in, as for the parity criteria.
const std::vector<std::string> app_schemas{"public"};

/// Turns a check's findings into the criterion's status and one-line detail.
void judge(const pg::usable_findings& f, const std::string& passed, criterion_result& out) {
  if (!f.status.ok()) {
    out.status = status::error;
    out.detail = f.status.message;
    return;
  }
  out.measured = static_cast<std::int64_t>(f.problems.size());
  out.unit = "problems";
  if (!f.problems.empty()) {
    out.status = status::fail;
    out.detail = first_lines(f.problems);
    return;
  }
  out.status = status::pass;
  out.detail = std::to_string(f.checked) + " " + passed;
  if (!f.notes.empty()) out.detail += "; noted: " + first_lines(f.notes, 3);
}

/// A criterion that compares source and target.
std::function<void(const context&, criterion_result&)> paired(
    std::function<pg::usable_findings(pg::session&, pg::session&)> check, std::string passed) {
  return [check = std::move(check), passed = std::move(passed)](const context& ctx, criterion_result& out) {
    both_sides db(ctx, out.id);
    judge(check(db.source, db.target), passed, out);
  };
}

/// A criterion that only looks at the target (as the app's role).
std::function<void(const context&, criterion_result&)> target_only(
    std::function<pg::usable_findings(pg::session&)> check, std::string passed) {
  return [check = std::move(check), passed = std::move(passed)](const context& ctx, criterion_result& out) {
    const auto name = ctx.target_for(out.id);
    pg::session s(both_sides::endpoint(ctx, name), {ctx.within_run(ctx.cfg.timeouts.connect), ctx.within_run(ctx.cfg.timeouts.statement), name});
    connect_or_give_up(ctx, s, name);
    judge(check(s), passed, out);
  };
}

}  // namespace

void add_usable_checks(std::vector<definition>& d) {
  using report::severity;
  auto add = [&](std::string id, std::string title, severity sev,
                 std::function<void(const context&, criterion_result&)> eval) {
    d.push_back({std::move(id), std::move(title), {"db-migration"}, sev, "", "", 0, threshold_unit::none, "", {"target"},
                 nullptr, std::move(eval)});
  };
  const auto& s = app_schemas;
  add("db.usable.sequences", "Every sequence-fed column's next value lies beyond its max (setval ran after the copy)",
      severity::primary,
      target_only([&s](pg::session& t) { return pg::check_sequences(t, s); }, "sequence-fed columns ahead of their data"));
  add("db.usable.privileges", "The app's role holds on the target every privilege the source role held",
      severity::primary,
      paired([&s](pg::session& a, pg::session& b) { return pg::check_privileges(a, b, s); },
             "objects with the source role's privileges"));
  add("db.usable.integrity", "Indexes valid, constraints validated and triggers enabled as on the source",
      severity::primary,
      paired([&s](pg::session& a, pg::session& b) { return pg::check_integrity(a, b, s); },
             "constraints and triggers as on source, every index valid"));
  add("db.usable.objects", "Functions, views, triggers, types and used extensions of the source exist on the target",
      severity::primary,
      paired([&s](pg::session& a, pg::session& b) { return pg::check_objects(a, b, s); },
             "objects present and equal on target"));
  add("db.usable.rls", "Row level security lets the app's role see what it saw on the source", severity::primary,
      paired([&s](pg::session& a, pg::session& b) { return pg::check_rls(a, b, s); },
             "tables and policies with the source's row visibility"));
  add("db.usable.settings", "The app role's session defaults (time zone, search_path, read-only, ...) match the source",
      severity::primary,
      paired([](pg::session& a, pg::session& b) { return pg::check_settings(a, b); },
             "settings as on source, target accepts writes"));
  add("db.usable.collation", "Collations and their versions: source == target, target's versions current",
      severity::primary,
      paired([&s](pg::session& a, pg::session& b) { return pg::check_collation(a, b, s); },
             "collation facts equal, versions current"));
  add("db.usable.statistics", "Every table of the target has planner statistics (ANALYZE ran after the copy)",
      severity::info,
      target_only([&s](pg::session& t) { return pg::check_statistics(t, s); }, "tables analyzed"));
}

}  // namespace cutover::criteria
