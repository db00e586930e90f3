// The report model and its text sinks (Markdown, JUnit, console) on
// hand-made reports: what CI and the GO/NO-GO reader see.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "core/secret.hpp"
#include "report/console.hpp"
#include "report/render.hpp"
#include "report/report.hpp"

namespace cutover::report {
namespace {

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

criterion_result criterion(std::string id, status st, severity sev = severity::primary, std::string detail = "") {
  criterion_result c;
  c.id = std::move(id);
  c.title = "title of " + c.id;
  c.stage = "server-migration";
  c.severity = sev;
  c.status = st;
  c.detail = std::move(detail);
  c.duration_s = 0.25;
  return c;
}

measurement latency(std::string metric, std::string target, std::int64_t count, std::int64_t p50_ns) {
  measurement m;
  m.metric = std::move(metric);
  m.target = std::move(target);
  m.fingerprint.path = m.target;
  m.summary.count = count;
  m.summary.p50_ns = p50_ns;
  m.summary.p90_ns = p50_ns * 2;
  m.summary.p95_ns = p50_ns * 2;
  m.summary.p99_ns = p50_ns * 3;
  m.summary.p999_ns = p50_ns * 3;
  m.summary.mean_ns = static_cast<double>(p50_ns);
  m.summary.max_ns = p50_ns * 4;
  m.summary.min_ns = p50_ns / 2;
  return m;
}

/// A NO-GO report with one criterion of each status and two measurements.
report sample_report() {
  report r;
  r.run = {"20260101T000000Z-abc123", "validate", "server-migration", "lab", "host1", "2026-01-01T00:00:00.000Z",
           "2026-01-01T00:01:00.000Z"};
  auto latency_pass = criterion("db.latency.private", status::pass);
  latency_pass.op = "<";
  latency_pass.unit = "ns";
  latency_pass.threshold = 1'000'000;
  latency_pass.measured = 41'200;
  r.criteria.push_back(latency_pass);
  r.criteria.push_back(criterion("db.rows.parity", status::fail, severity::primary, "bookings: 10 | 9 rows <&>"));
  r.criteria.push_back(criterion("redis.auth", status::error, severity::primary, "cannot reach"));
  r.criteria.push_back(criterion("e2e.context", status::skipped, severity::primary, "disabled in the config"));
  auto waived = criterion("host.hardening", status::waived, severity::secondary, "was fail: no firewall");
  waived.waiver = "the provider's panel manages it";
  r.criteria.push_back(waived);
  r.criteria.push_back(criterion("db.latency.tunnel", status::inconclusive, severity::secondary, "too few samples"));
  r.verdict = verdict{decision::no_go, {"primary db.rows.parity fail: bookings differ"}, nlohmann::json::object()};
  auto few = latency("pg.query.select1", "private", 200, 41'200);
  few.summary.errors[cutover::outcome::timeout] = 2;
  r.measurements.push_back(few);
  r.measurements.push_back(latency("pg.query.select1", "tunnel", 2000, 20'600'000));
  r.notes.push_back("gave up on pg of target source");
  return r;
}

TEST(report_names, round_trip_through_their_tables) {
  for (auto s : {status::pass, status::fail, status::error, status::skipped, status::waived, status::inconclusive})
    EXPECT_EQ(status_from_string(to_string(s)), s);
  for (auto s : {severity::primary, severity::secondary, severity::info}) EXPECT_EQ(severity_from_string(to_string(s)), s);
  for (auto d : {decision::go, decision::no_go, decision::inconclusive}) EXPECT_EQ(decision_from_string(to_string(d)), d);
  EXPECT_EQ(to_string(decision::no_go), "NO-GO");
  EXPECT_FALSE(status_from_string("PASS"));
  EXPECT_FALSE(status_from_string(""));
  EXPECT_FALSE(decision_from_string("go"));
}

TEST(report_names, only_go_exits_zero) {
  EXPECT_EQ(exit_code(decision::go), 0);
  EXPECT_EQ(exit_code(decision::no_go), 1);
  EXPECT_EQ(exit_code(decision::inconclusive), 3);
}

TEST(report_json, round_trips_criteria_verdict_measurements_and_notes) {
  auto r = sample_report();
  auto j = to_json(r);
  EXPECT_EQ(j["schema"], "cutover/report");
  EXPECT_EQ(j["verdict"]["exit_code"], 1);
  EXPECT_FALSE(j["tool"]["git_sha"].get<std::string>().empty());
  auto back = from_json(j, "test");
  ASSERT_EQ(back.criteria.size(), r.criteria.size());
  for (std::size_t i = 0; i < r.criteria.size(); ++i) {
    EXPECT_EQ(back.criteria[i].id, r.criteria[i].id);
    EXPECT_EQ(back.criteria[i].status, r.criteria[i].status);
    EXPECT_EQ(back.criteria[i].severity, r.criteria[i].severity);
    EXPECT_EQ(back.criteria[i].detail, r.criteria[i].detail);
  }
  EXPECT_EQ(back.criteria[4].waiver, "the provider's panel manages it");
  ASSERT_TRUE(back.verdict);
  EXPECT_EQ(back.verdict->decision, decision::no_go);
  ASSERT_EQ(back.measurements.size(), 2u);
  EXPECT_EQ(back.measurements[0].summary.p50_ns, 41'200);
  EXPECT_EQ(back.measurements[0].summary.errors.at(cutover::outcome::timeout), 2);
  ASSERT_NE(back.find("pg.query.select1", "tunnel"), nullptr);
  EXPECT_EQ(back.find("pg.query.select1", "nowhere"), nullptr);
  EXPECT_EQ(back.notes, r.notes);
}

TEST(report_json, an_unknown_decision_never_reads_as_go) {
  auto j = to_json(sample_report());
  j["verdict"]["decision"] = "go!";
  EXPECT_EQ(from_json(j, "test").verdict->decision, decision::no_go);
}

TEST(report_json, refuses_what_is_not_a_report) {
  EXPECT_THROW(from_json(nlohmann::json::array(), "x.json"), config_error);
  EXPECT_THROW(from_json({{"schema", "cutover/comparison"}}, "x.json"), config_error);
  auto j = to_json(sample_report());
  j["schema_version"] = 99;
  EXPECT_THROW(from_json(j, "x.json"), config_error);
  j = to_json(sample_report());
  j["criteria"][0]["status"] = "passed";
  try {
    from_json(j, "x.json");
    FAIL() << "an unknown status was accepted";
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("x.json"), std::string::npos) << e.what();
  }
}

TEST(report_markdown, decision_first_then_one_row_per_criterion) {
  auto md = render_markdown(sample_report());
  EXPECT_EQ(md.rfind("## cutover validate: **NO-GO**", 0), 0u) << md;
  EXPECT_NE(md.find("- primary db.rows.parity fail: bookings differ"), std::string::npos);
  // Every criterion once in the full table; what blocks GO listed again above it.
  const auto all = md.find("### All criteria");
  ASSERT_NE(all, std::string::npos) << md;
  const auto details = md.substr(all);
  for (const auto* st : {"✅ pass", "❌ fail", "💥 error", "⏭️ skipped", "⚠️ waived", "❔ inconclusive"})
    EXPECT_EQ(count_of(details, std::string("| ") + st + " |"), 1u) << st << "\n" << md;
  const auto blocking = md.substr(0, all);
  for (const auto* st : {"❌ fail", "💥 error", "⏭️ skipped", "❔ inconclusive"})
    EXPECT_EQ(count_of(blocking, std::string("| ") + st + " |"), 1u) << st << " stands in the way of GO\n" << md;
  for (const auto* st : {"✅ pass", "⚠️ waived"}) EXPECT_EQ(count_of(blocking, std::string("| ") + st + " |"), 0u) << st;
  // The measured value and the threshold in the criterion's unit.
  EXPECT_NE(md.find("| 41.2 us | < 1.00 ms |"), std::string::npos) << md;
  // A '|' in a detail would break the table: escaped.
  EXPECT_NE(md.find("bookings: 10 \\| 9 rows"), std::string::npos) << md;
  EXPECT_NE(md.find("(waived: the provider's panel manages it)"), std::string::npos);
  EXPECT_NE(md.find("> gave up on pg of target source"), std::string::npos);
}

TEST(report_markdown, p99_only_with_enough_samples) {
  auto md = render_markdown(sample_report());
  // 200 samples cannot claim a p99; 2000 can.
  EXPECT_NE(md.find("| `pg.query.select1` | private | private | 200 | 41.2 us | 82.4 us | n/a | 164.8 us | 2 timeout |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| `pg.query.select1` | tunnel | tunnel | 2000 | 20.60 ms | 41.20 ms | 61.80 ms | 82.40 ms | 0 |"),
            std::string::npos)
      << md;
}

TEST(report_markdown, measurements_only_report_has_no_decision) {
  auto r = sample_report();
  r.verdict.reset();
  r.criteria.clear();
  r.run.command = "bench";
  auto md = render_markdown(r);
  EXPECT_EQ(md.rfind("## cutover bench: **no decision (measurements only)**", 0), 0u) << md;
  EXPECT_EQ(md.find("| criterion |"), std::string::npos);
}

TEST(report_junit, counts_follow_junit_meanings) {
  auto x = render_junit(sample_report());
  // inconclusive is a failure (it blocks), waived is not.
  EXPECT_NE(x.find("<testsuites name=\"cutover\" tests=\"6\" failures=\"2\" errors=\"1\" skipped=\"1\" time=\"1.500\">"),
            std::string::npos)
      << x;
  EXPECT_NE(x.find("<testsuite name=\"cutover.server-migration\" tests=\"6\""), std::string::npos) << x;
  EXPECT_EQ(count_of(x, "<testcase "), 6u);
  EXPECT_EQ(count_of(x, "</testcase>"), 6u);
  EXPECT_EQ(count_of(x, "<failure "), 2u);
  EXPECT_EQ(count_of(x, "<error "), 1u);
  EXPECT_EQ(count_of(x, "<skipped "), 1u);
  EXPECT_NE(x.find("<failure type=\"inconclusive\""), std::string::npos);
  EXPECT_NE(x.find("<property name=\"decision\" value=\"NO-GO\"/>"), std::string::npos);
  EXPECT_NE(x.find("waived: the provider&apos;s panel manages it"), std::string::npos) << x;
}

TEST(report_junit, escapes_markup_and_control_characters) {
  auto x = render_junit(sample_report());
  EXPECT_NE(x.find("bookings: 10 | 9 rows &lt;&amp;&gt;"), std::string::npos) << x;
  EXPECT_EQ(x.find("<&>"), std::string::npos);
  EXPECT_EQ(xml_escape(std::string("a\x01" "b\"c'")), "a b&quot;c&apos;");
  EXPECT_EQ(xml_escape("tab\tnew\nline"), "tab\tnew\nline");
}

TEST(report_console, durations_and_values_carry_their_unit) {
  EXPECT_EQ(human_ns(999), "999 ns");
  EXPECT_EQ(human_ns(41'200), "41.2 us");
  EXPECT_EQ(human_ns(20'600'000), "20.60 ms");
  EXPECT_EQ(human_ns(2.5e9), "2.50 s");
  EXPECT_EQ(value_text(nlohmann::json(), "ns"), "-");
  EXPECT_EQ(value_text(1'000'000, "ns"), "1.00 ms");
  EXPECT_EQ(value_text(242.0, "ratio"), "242 ratio");
  EXPECT_EQ(value_text(3, "problems"), "3 problems");
  EXPECT_EQ(value_text(nlohmann::json{{"mean_ns", 500}, {"max_ns", 2'000'000}}, "ns"), "max 2.00 ms, mean 500 ns");
}

TEST(report_console, criteria_lines_and_decision) {
  std::ostringstream os;
  print_criteria(os, sample_report());
  auto text = os.str();
  EXPECT_NE(text.find("PASS         db.latency.private"), std::string::npos) << text;
  EXPECT_NE(text.find("measured 41.2 us (need < 1.00 ms)"), std::string::npos) << text;
  EXPECT_NE(text.find("waived: the provider's panel manages it"), std::string::npos);
  EXPECT_NE(text.find("Decision: NO-GO"), std::string::npos);
}

TEST(report_console, tunnel_over_private_ratio) {
  std::ostringstream os;
  print_measurements(os, sample_report().measurements);
  EXPECT_NE(os.str().find("tunnel / private (p50)"), std::string::npos) << os.str();
  EXPECT_NE(os.str().find("500x"), std::string::npos) << os.str();
}

TEST(report_write, atomic_and_scrubbed) {
  auto dir = std::filesystem::temp_directory_path() / ("cutover-report-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  register_secret("s3cr3t-report-test");
  write_atomic(dir / "sub" / "r.md", "password s3cr3t-report-test here\n");
  std::ifstream in(dir / "sub" / "r.md");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text.find("s3cr3t-report-test"), std::string::npos) << text;
  EXPECT_NE(text.find("password"), std::string::npos);
  // Nothing but the file itself is left in the folder.
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir / "sub")) ++files;
  EXPECT_EQ(files, 1u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cutover::report
