#include "criteria/criteria.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>

#include "core/error.hpp"

using namespace cutover;
using report::status;

namespace {

config lab_like(std::string_view criteria_json = "{}") {
  return parse_config(std::string(R"({"targets": {
      "tunnel": {"path": "tunnel", "postgres": "postgresql://u:pw-unit-1@127.0.0.1:1/db"},
      "private": {"path": "private", "postgres": "postgresql://u:pw-unit-1@127.0.0.1:2/db"}},
    "criteria": )") + std::string(criteria_json) + "}",
                      "unit.json");
}

report::measurement fake(std::string metric, std::string target, std::int64_t p50_ns, std::int64_t count,
                         std::int64_t timeouts = 0) {
  report::measurement m;
  m.metric = std::move(metric);
  m.target = std::move(target);
  m.summary.count = count;
  m.summary.p50_ns = p50_ns;
  m.summary.p99_ns = p50_ns * 2;
  m.summary.max_ns = p50_ns * 3;
  m.summary.mean_ns = static_cast<double>(p50_ns);
  if (timeouts) m.summary.errors[cutover::outcome::timeout] = timeouts;
  m.fingerprint.path = m.target;
  m.fingerprint.resolved = m.target == "tunnel" ? "127.0.0.1:1" : "127.0.0.1:2";
  return m;
}

/// The config error a criteria object gives, when read and then checked
/// against the criteria (as cli's load does); "no error" when none.
std::string error_of(std::string_view criteria_json) {
  try {
    criteria::check_settings(lab_like(criteria_json));
  } catch (const config_error& e) {
    return e.what();
  }
  return "no error";
}

report::criterion_result run(const config& cfg, std::string_view id, const std::vector<report::measurement>& ms,
                             std::string stage = "server-migration") {
  criteria::context ctx{cfg, std::move(stage), ms, std::chrono::steady_clock::now() + std::chrono::minutes(1)};
  return criteria::evaluate(*criteria::find(id), ctx);
}

report::criterion_result result(std::string id, report::severity sev, status st) {
  report::criterion_result r;
  r.id = std::move(id);
  r.severity = sev;
  r.status = st;
  return r;
}

}  // namespace

TEST(criteria, every_criterion_has_a_known_stage_and_an_evaluation) {
  for (const auto& d : criteria::all()) {
    // Without a stage, the command that holds its data judges it (compare, monitor).
    EXPECT_TRUE(d.evaluate || d.stages.empty()) << d.id;
    for (const auto& s : d.stages)
      EXPECT_TRUE(s == "all" || std::find(criteria::stages.begin(), criteria::stages.end(), s) != criteria::stages.end())
          << d.id << " " << s;
  }
  EXPECT_NE(criteria::find("db.latency.private"), nullptr);
  EXPECT_THROW(criteria::for_stage("cutover-day"), config_error);
  auto db = criteria::for_stage("db-migration");
  EXPECT_TRUE(std::any_of(db.begin(), db.end(), [](auto* d) { return d->id == "db.content.parity"; }));
  EXPECT_TRUE(std::none_of(db.begin(), db.end(), [](auto* d) { return d->id == "db.latency.private"; }));
}

TEST(criteria, commands_judging_a_criterion_start_from_its_one_definition) {
  for (const char* id : {"compare.no_regression", "soak.hourly_p99"}) {
    const auto* d = criteria::find(id);
    ASSERT_NE(d, nullptr) << id;
    EXPECT_TRUE(d->stages.empty()) << id;
    for (const auto& stage : criteria::stages)
      for (const auto* x : criteria::for_stage(stage)) EXPECT_NE(x->id, id) << stage;
  }
  auto r = criteria::result_for("compare.no_regression", "all", 5.0);
  EXPECT_EQ(r.title, criteria::find("compare.no_regression")->title);
  EXPECT_EQ(r.op, "<=");
  EXPECT_EQ(r.unit, "%");
  EXPECT_EQ(r.threshold, 5.0);
  EXPECT_EQ(r.status, status::error);
  EXPECT_EQ(criteria::result_for("db.latency.improvement", "server-migration").threshold, 20.0);
  EXPECT_THROW(criteria::result_for("no.such", "all"), error);
}

TEST(criteria, private_latency_passes_fails_and_is_inconclusive_with_too_few_samples) {
  auto cfg = lab_like();
  EXPECT_EQ(run(cfg, "db.latency.private", {fake("pg.query.select1", "private", 60'000, 1000)}).status, status::pass);
  EXPECT_EQ(run(cfg, "db.latency.private", {fake("pg.query.select1", "private", 1'500'000, 1000)}).status, status::fail);
  EXPECT_EQ(run(cfg, "db.latency.private", {fake("pg.query.select1", "private", 60'000, 5)}).status,
            status::inconclusive);
  auto missing = run(cfg, "db.latency.private", {});
  EXPECT_EQ(missing.status, status::error);
  EXPECT_NE(missing.detail.find("not measured"), std::string::npos);
}

TEST(criteria, failed_samples_fail_a_latency_criterion) {
  auto cfg = lab_like();
  auto r = run(cfg, "db.latency.private", {fake("pg.query.select1", "private", 60'000, 900, 100)});
  EXPECT_EQ(r.status, status::fail);
  EXPECT_NE(r.detail.find("100 of 1000 samples failed"), std::string::npos) << r.detail;
  EXPECT_EQ(run(cfg, "db.latency.private", {fake("pg.query.select1", "private", 0, 0, 50)}).status, status::fail);
}

TEST(criteria, a_private_figure_that_went_through_the_tunnel_fails) {
  auto cfg = lab_like();
  auto m = fake("pg.query.select1", "private", 60'000, 1000);
  m.fingerprint.resolved = "127.0.0.1:1";  // the tunnel's endpoint
  EXPECT_EQ(run(cfg, "db.latency.private", {m}).status, status::fail);
}

TEST(criteria, improvement_ratio_uses_thresholds_from_the_config) {
  std::vector<report::measurement> ms{fake("pg.query.select1", "tunnel", 25'000'000, 1000),
                                      fake("pg.query.select1", "private", 50'000, 1000)};
  auto r = run(lab_like(), "db.latency.improvement", ms);
  EXPECT_EQ(r.status, status::pass) << r.detail;
  EXPECT_DOUBLE_EQ(r.measured.get<double>(), 500.0);
  EXPECT_EQ(run(lab_like(R"({"db.latency.improvement": {"threshold": 1000}})"), "db.latency.improvement", ms).status,
            status::fail);
}

TEST(criteria, waiver_and_disable_come_from_the_config) {
  auto cfg = lab_like(R"({"db.latency.private": {"waive": "measured by the provider instead"},
                          "db.latency.tunnel": {"enabled": false}})");
  auto r = run(cfg, "db.latency.private", {fake("pg.query.select1", "private", 5'000'000, 1000)});
  EXPECT_EQ(r.status, status::waived);
  EXPECT_EQ(r.waiver, "measured by the provider instead");
  EXPECT_EQ(run(cfg, "db.latency.tunnel", {}, "db-migration").status, status::skipped);
}

TEST(criteria, a_waiver_of_only_blanks_never_gives_go) {
  // The config refuses it...
  for (const char* blank : {"\"   \"", "\"\\t\\n\"", "\"...\""})
    EXPECT_THROW(lab_like(std::string(R"({"db.latency.private": {"waive": )") + blank + "}}"), config_error) << blank;
  // ...and a report that carries one (read from a file) is not GO either.
  auto waived = result("db.latency.private", report::severity::primary, status::waived);
  waived.waiver = "   ";
  const auto v = criteria::decide({waived});
  EXPECT_EQ(v.decision, report::decision::no_go);
  ASSERT_FALSE(v.reasons.empty());
  EXPECT_NE(v.reasons.front().find("without a written reason"), std::string::npos) << v.reasons.front();
  auto secondary = result("redis.latency", report::severity::secondary, status::waived);
  secondary.waiver = " ";
  EXPECT_EQ(criteria::decide({result("p", report::severity::primary, status::pass), secondary}).decision,
            report::decision::no_go);
}

TEST(criteria, verdict_follows_the_plans_policy) {
  using report::severity;
  auto go = criteria::decide({result("a", severity::primary, status::pass), result("b", severity::secondary, status::pass),
                              result("c", severity::info, status::fail)});
  EXPECT_EQ(go.decision, report::decision::go);
  // fail closed: skipped or error on a primary is a failure
  EXPECT_EQ(criteria::decide({result("a", severity::primary, status::skipped)}).decision, report::decision::no_go);
  EXPECT_EQ(criteria::decide({result("a", severity::primary, status::error)}).decision, report::decision::no_go);
  auto waived = result("a", severity::primary, status::waived);
  waived.waiver = "accepted by the DBA";
  EXPECT_EQ(criteria::decide({waived}).decision, report::decision::go);
  // 4 of 5 secondary = 80% passes; 3 of 5 does not
  std::vector<report::criterion_result> rs{result("p", severity::primary, status::pass)};
  for (int i = 0; i < 5; ++i) rs.push_back(result("s" + std::to_string(i), severity::secondary, i < 4 ? status::pass : status::fail));
  EXPECT_EQ(criteria::decide(rs).decision, report::decision::go);
  rs[4].status = status::fail;
  EXPECT_EQ(criteria::decide(rs).decision, report::decision::no_go);
  // insufficient data: inconclusive, unless something failed
  EXPECT_EQ(criteria::decide({result("a", severity::primary, status::inconclusive)}).decision,
            report::decision::inconclusive);
  EXPECT_EQ(criteria::decide({result("a", severity::primary, status::inconclusive), result("b", severity::primary, status::fail)})
                .decision,
            report::decision::no_go);
  EXPECT_EQ(criteria::decide({}).decision, report::decision::inconclusive);
  EXPECT_EQ(report::exit_code(report::decision::go), 0);
  EXPECT_EQ(report::exit_code(report::decision::no_go), 1);
  EXPECT_EQ(report::exit_code(report::decision::inconclusive), 3);
}

TEST(criteria, unreachable_database_fails_db_reachable_with_a_clear_detail) {
  auto r = run(lab_like(), "db.reachable", {});
  EXPECT_EQ(r.status, status::fail);
  EXPECT_NE(r.detail.find("refused"), std::string::npos) << r.detail;
  EXPECT_EQ(r.detail.find("pw-unit-1"), std::string::npos);
}

TEST(criteria, host_resources_thresholds_come_from_the_config) {
  auto roomy = lab_like(R"({"host.resources": {"threshold": 100, "max_disk_pct": 100}})");
  auto r = run(roomy, "host.resources", {});
  EXPECT_EQ(r.status, status::pass) << r.detail;
  EXPECT_TRUE(r.measured.contains("memory_used_pct"));
  auto tight = lab_like(R"({"host.resources": {"threshold": 0, "note": "impossible on purpose"}})");
  auto t = run(tight, "host.resources", {});
  EXPECT_EQ(t.status, status::fail) << t.detail;
  EXPECT_NE(t.detail.find("[config: impossible on purpose]"), std::string::npos) << t.detail;
}

TEST(criteria, an_endpoint_given_up_on_is_not_probed_again_by_later_criteria) {
  // 127.0.0.1:2 (the private target) refuses: the first criterion gives it up.
  auto cfg = lab_like();
  std::vector<report::measurement> ms;
  std::map<std::string, std::string> given_up;
  criteria::context ctx{cfg, "server-migration", ms, std::chrono::steady_clock::now() + std::chrono::minutes(1),
                        &given_up};
  auto first = criteria::evaluate(*criteria::find("db.reachable"), ctx);
  EXPECT_EQ(first.status, status::fail);
  ASSERT_TRUE(given_up.contains("pg/private"));
  EXPECT_EQ(given_up.at("pg/private").find("pw-unit-1"), std::string::npos);

  // A reason only this test wrote proves the later criteria did not probe again.
  given_up["pg/private"] = "unit sentinel";
  for (const char* id : {"db.reachable", "db.usable.sequences", "baileys.auth"}) {
    auto r = criteria::evaluate(*criteria::find(id), ctx);
    EXPECT_NE(r.status, status::pass) << id;
    EXPECT_NE(r.detail.find("not probed again: unit sentinel"), std::string::npos) << id << ": " << r.detail;
  }
  // Without a shared list (a criterion evaluated alone) nothing is remembered.
  criteria::context alone{cfg, "server-migration", ms, std::chrono::steady_clock::now() + std::chrono::minutes(1)};
  EXPECT_EQ(criteria::evaluate(*criteria::find("db.reachable"), alone).status, status::fail);
}

TEST(criteria, timeouts_are_cut_to_what_is_left_of_the_run) {
  using namespace std::chrono_literals;
  auto cfg = lab_like();
  std::vector<report::measurement> ms;
  criteria::context early{cfg, "server-migration", ms, std::chrono::steady_clock::now() + 1min};
  EXPECT_EQ(early.within_run(3000ms), 3000ms);
  criteria::context late{cfg, "server-migration", ms, std::chrono::steady_clock::now() + 500ms};
  EXPECT_LE(late.within_run(3000ms), 500ms);
  EXPECT_GE(late.within_run(3000ms), 400ms);
  criteria::context past{cfg, "server-migration", ms, std::chrono::steady_clock::now() - 1s};
  EXPECT_EQ(past.within_run(3000ms), 1ms);
}

TEST(criteria, settings_are_checked_against_the_registered_criteria_before_anything_runs) {
  EXPECT_EQ(error_of(R"({"db.latency.private": {"threshold": 2}, "db.reachable": {"severity": "info"}})"), "no error");
  auto unknown = error_of(R"({"db.latncy.private": {"threshold": 2}})");
  EXPECT_EQ(unknown.rfind("unit.json: criteria.\"db.latncy.private\": unknown criterion (one of: ", 0), 0u) << unknown;
  // The list is the registry's, so every registered id is in it.
  for (const auto& d : criteria::all()) EXPECT_NE(unknown.find(d.id), std::string::npos) << d.id;
  EXPECT_EQ(error_of(R"({"db.reachable": {"severity": "blocker"}})"),
            "unit.json: criteria.\"db.reachable\".severity: expected primary, secondary or info");
}

TEST(criteria, a_setting_of_the_wrong_type_is_a_config_error_not_ignored) {
  EXPECT_EQ(error_of(R"({"db.latency.tunnel": {"enabled": "nope"}})"),
            "unit.json: criteria.\"db.latency.tunnel\".enabled: expected true or false");
  EXPECT_EQ(error_of(R"({"db.latency.tunnel": {"max_error_ratio": "x"}})"),
            "unit.json: criteria.\"db.latency.tunnel\".max_error_ratio: expected a number from 0 to 1, got 'x'");
  EXPECT_EQ(error_of(R"({"host.resources": {"path": 7}})"), "unit.json: criteria.\"host.resources\".path: expected a string");
  EXPECT_EQ(error_of(R"({"host.resources": {"max_disk_pct": 101}})"),
            "unit.json: criteria.\"host.resources\".max_disk_pct: expected a percent from 0 to 100");
  EXPECT_EQ(error_of(R"({"redis.latency": {"max_ms": -1}})"),
            "unit.json: criteria.\"redis.latency\".max_ms: expected milliseconds, a number >= 0");
  EXPECT_EQ(error_of(R"({"db.latency.tunnel": {"threshold": "fast"}})"),
            "unit.json: criteria.\"db.latency.tunnel\".threshold: expected a number, got 'fast'");
  EXPECT_NE(error_of(R"({"services.online": {"command": ""}})").find("expected a command"), std::string::npos);
  // "false" as text is a boolean, and disables like false does.
  auto cfg = lab_like(R"({"db.latency.tunnel": {"enabled": "false"}})");
  EXPECT_EQ(run(cfg, "db.latency.tunnel", {}, "db-migration").status, status::skipped);
}

TEST(criteria, a_setting_the_criterion_does_not_read_is_refused_naming_what_it_reads) {
  EXPECT_EQ(error_of(R"({"redis.latency": {"threshold": 2, "max_ms": 50, "max_error_ratio": 0.1, "target": "private"}})"),
            "no error");
  // max_ms is redis.latency's; on db.latency.private it would be silently ignored.
  EXPECT_EQ(error_of(R"({"db.latency.private": {"max_ms": 5}})"),
            "unit.json: criteria.\"db.latency.private\".max_ms: not a setting of db.latency.private (it reads: enabled, "
            "severity, waive, note, threshold, target, max_error_ratio)");
  // A criterion judged by another command takes its limit from that command's options.
  EXPECT_NE(error_of(R"({"compare.no_regression": {"threshold": 5}})").find("not a setting of compare.no_regression"),
            std::string::npos);
  // host.resources once read its disk limit from max_ms: the old config gets the new name.
  EXPECT_EQ(error_of(R"({"host.resources": {"max_ms": 60}})"),
            "unit.json: criteria.\"host.resources\".max_ms: was the disk limit in percent; write it as max_disk_pct "
            "(the same number: percent of the disk used)");
  EXPECT_EQ(error_of(R"({"host.resources": {"max_disk_pct": 60, "path": "/"}})"), "no error");
}

TEST(criteria, a_threshold_is_read_in_its_unit) {
  using criteria::threshold_unit;
  EXPECT_EQ(criteria::find("db.latency.private")->threshold_in, threshold_unit::ms);
  EXPECT_EQ(criteria::find("e2e.reply")->threshold_in, threshold_unit::s);
  EXPECT_EQ(criteria::find("downtime.window")->threshold_in, threshold_unit::min);
  EXPECT_EQ(criteria::to_duration(threshold_unit::min, 1.5), std::chrono::seconds(90));
  EXPECT_EQ(criteria::from_duration(threshold_unit::s, std::chrono::milliseconds(2500)), 2.5);
  EXPECT_THROW(criteria::to_duration(threshold_unit::pct, 1), error);
  // 2 in the config is 2 ms for db.latency.private: a 1.5 ms p50 passes, a 2.5 ms one fails.
  auto cfg = lab_like(R"({"db.latency.private": {"threshold": 2}})");
  auto pass = run(cfg, "db.latency.private", {fake("pg.query.select1", "private", 1'500'000, 1000)});
  EXPECT_EQ(pass.status, status::pass) << pass.detail;
  EXPECT_EQ(pass.threshold, 2'000'000) << "the report's threshold is in the result's unit, ns";
  auto fail = run(cfg, "db.latency.private", {fake("pg.query.select1", "private", 2'500'000, 1000)});
  EXPECT_EQ(fail.status, status::fail) << fail.detail;
}

TEST(criteria, readme_criteria_table_gives_each_threshold_with_the_unit_the_code_reads) {
  std::ifstream in(CUTOVER_SOURCE_DIR "/README.md");
  ASSERT_TRUE(in) << "README.md";
  std::map<std::string, std::string> cells;  // id -> the threshold cell
  std::string line;
  while (std::getline(in, line)) {
    // | `id` | stage | severity | passes when | threshold (unit, default) | other settings |
    if (!line.starts_with("| `")) continue;
    std::vector<std::string> cols;
    std::size_t at = 1;
    for (auto bar = line.find(" | ", at); bar != std::string::npos; at = bar + 3, bar = line.find(" | ", at))
      cols.push_back(line.substr(at, bar - at));
    if (cols.size() < 5) continue;
    auto id = cols[0].substr(cols[0].find('`') + 1);
    cells[id.substr(0, id.find('`'))] = cols[4];
  }
  for (const auto& d : criteria::all()) {
    if (d.id.starts_with("db.usable.")) continue;  // one row, `db.usable.*`, without a threshold
    ASSERT_TRUE(cells.contains(d.id)) << d.id << " has no row in README's criteria table";
    const auto& cell = cells[d.id];
    const auto unit = std::string(criteria::to_string(d.threshold_in));
    EXPECT_TRUE(cell.starts_with(unit == "-" ? "-" : "`" + unit + "`")) << d.id << ": '" << cell << "' should start with " << unit;
    if (d.threshold_in != criteria::threshold_unit::none) {
      char plan[32];
      std::snprintf(plan, sizeof plan, "%g", d.default_threshold);
      EXPECT_NE(cell.find(plan), std::string::npos) << d.id << ": '" << cell << "' should give the plan's " << plan;
    }
  }
  EXPECT_TRUE(cells.contains("db.usable.*"));
}
