#include "compare/comparison.hpp"

#include <gtest/gtest.h>

#include "compare/test_support.hpp"
#include "core/error.hpp"
#include "stats/compare.hpp"

namespace cutover::compare {
namespace {

using testing::make_measurement;
using testing::make_report;
using json = nlohmann::json;

input report_input(std::vector<report::measurement> ms, std::string file) {
  return from_report(make_report(std::move(ms)), std::move(file));
}

TEST(Compare, MatchesMetricsByIdAndTargetAndNotesTheRest) {
  auto a = report_input({make_measurement("pg.query.select1", "tunnel", 20e6, 200, 1),
                         make_measurement("redis.ping", "tunnel", 30e3, 200, 2)},
                        "/tmp/before.json");
  auto b = report_input({make_measurement("pg.query.select1", "tunnel", 40e3, 200, 3),
                         make_measurement("pg.connect", "tunnel", 1e6, 200, 4)},
                        "/tmp/after.json");
  auto c = compare_inputs(a, b, {});
  ASSERT_EQ(c.rows.size(), 1u);
  EXPECT_EQ(c.rows[0].metric, "pg.query.select1");
  EXPECT_EQ(c.rows[0].target, "tunnel");
  EXPECT_EQ(c.rows[0].a.label, "before");
  EXPECT_EQ(c.rows[0].b.label, "after");
  EXPECT_EQ(c.mode, "reports");
  ASSERT_EQ(c.notes.size(), 2u);
  EXPECT_EQ(c.notes[0], "only in A: redis.ping on tunnel");
  EXPECT_EQ(c.notes[1], "only in B: pg.connect on tunnel");
}

TEST(Compare, RefusesDifferentWorkloadsButIgnoresSampleCounts) {
  auto ma = make_measurement("pg.query.select1", "tunnel", 1e6, 100);
  auto mb = make_measurement("pg.query.select1", "tunnel", 1e6, 300);
  mb.workload["warmup"] = 5;
  EXPECT_NO_THROW(compare_inputs(report_input({ma}, "a.json"), report_input({mb}, "b.json"), {}));
  mb.workload["interval_us"] = 1000;
  try {
    compare_inputs(report_input({ma}, "a.json"), report_input({mb}, "b.json"), {});
    FAIL() << "expected a refusal";
  } catch (const config_error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("workload of pg.query.select1 on tunnel differs"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << "one line";
  }
}

TEST(Compare, TwoHostsWithDifferentClocksAndIdleStatesCompareAndSayIt) {
  auto ma = make_measurement("pg.query.select1", "tunnel", 1e6, 300);
  auto mb = make_measurement("pg.query.select1", "tunnel", 1e6, 300);
  ma.workload["clock"] = {{"observed_step_ns", 20}};
  mb.workload["clock"] = {{"observed_step_ns", 31}};
  ma.workload["cpu_idle"] = {{"held_awake", true}, {"state", "held"}};
  mb.workload["cpu_idle"] = {{"held_awake", false}, {"state", "unavailable (EACCES)"}};
  auto c = compare_inputs(report_input({ma}, "a.json"), report_input({mb}, "b.json"), {});
  ASSERT_EQ(c.rows.size(), 1u);
  EXPECT_NE(c.rows[0].note.find("CPUs held awake: A yes, B no"), std::string::npos) << c.rows[0].note;
}

TEST(Compare, RefusesNothingInCommonAndMixedKinds) {
  auto a = report_input({make_measurement("pg.query.select1", "tunnel", 1e6, 100),
                         make_measurement("pg.query.select1", "private", 1e6, 100)},
                        "a.json");
  auto b = report_input({make_measurement("pg.query.select1", "source", 1e6, 100)}, "b.json");
  EXPECT_THROW(compare_inputs(a, b, {}), config_error);
  json gb{{"benchmarks", json::array({{{"name", "BM_x"}, {"real_time", 5.0}, {"time_unit", "ns"}}})}};
  EXPECT_THROW(compare_inputs(a, from_google_benchmark(gb, "g.json"), {}), config_error);
}

// Before on the old server (tunnel only), after on the new one (private only).
TEST(Compare, PairsTheOneTargetOfEachReportAcrossHosts) {
  auto before = report_input({make_measurement("pg.query.select1", "tunnel", 20e6, 1000, 1),
                              make_measurement("redis.ping", "tunnel", 30e3, 1000, 2)},
                             "/tmp/before.json");
  auto after = report_input({make_measurement("pg.query.select1", "private", 40e3, 1000, 3),
                             make_measurement("pg.connect", "private", 1e6, 1000, 4)},
                            "/tmp/after.json");
  auto c = compare_inputs(before, after, {});
  EXPECT_EQ(c.mode, "targets");
  EXPECT_EQ(c.label_a, "tunnel");
  EXPECT_EQ(c.label_b, "private");
  ASSERT_EQ(c.rows.size(), 1u);
  EXPECT_EQ(c.rows[0].metric, "pg.query.select1");
  EXPECT_EQ(c.rows[0].a.path, "tunnel");
  EXPECT_EQ(c.rows[0].b.path, "private");
  ASSERT_TRUE(c.rows[0].ratio);
  EXPECT_NEAR(*c.rows[0].ratio, 500, 25);
  ASSERT_FALSE(c.criteria.empty());
  EXPECT_EQ(c.criteria[0].id, "db.latency.improvement");
  EXPECT_EQ(c.criteria[0].status, report::status::pass);
  ASSERT_EQ(c.notes.size(), 3u);
  EXPECT_EQ(c.notes[0], "each report has one target: tunnel of /tmp/before.json paired with private of /tmp/after.json");
  EXPECT_EQ(c.notes[1], "only on tunnel: redis.ping");
  EXPECT_EQ(c.notes[2], "only on private: pg.connect");
  // Same pairing when asked by name.
  auto named = compare_targets(before, "tunnel", after, "private", {});
  EXPECT_EQ(named.rows.size(), 1u);
  EXPECT_EQ(named.label_a, "tunnel");
}

TEST(Compare, TargetsAcrossReportsStillRefuseDifferentWorkloadsAndAbsentTargets) {
  auto ma = make_measurement("pg.query.select1", "tunnel", 20e6, 100);
  auto mb = make_measurement("pg.query.select1", "private", 40e3, 100);
  mb.workload["connections"] = 4;
  auto before = report_input({ma}, "before.json");
  auto after = report_input({mb}, "after.json");
  try {
    compare_inputs(before, after, {});
    FAIL() << "expected a refusal";
  } catch (const config_error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("tunnel of before.json with private of after.json"), std::string::npos) << what;
    EXPECT_NE(what.find("workload of pg.query.select1 on tunnel differs"), std::string::npos) << what;
  }
  EXPECT_THROW(compare_targets(before, "tunnel", after, "private", {}), config_error);
  try {
    compare_targets(before, "tunnel", after, "tunnel", {});
    FAIL() << "expected a refusal";
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("after.json: no measurement on target 'tunnel' (targets: private)"),
              std::string::npos)
        << e.what();
  }
}

TEST(Compare, SameTargetNameOnBothSidesIsAnOrdinaryBeforeAfter) {
  auto before = report_input({make_measurement("pg.query.select1", "private", 80e3, 200, 1)}, "/tmp/before.json");
  auto after = report_input({make_measurement("pg.query.select1", "private", 40e3, 200, 2)}, "/tmp/after.json");
  auto c = compare_inputs(before, after, {});
  EXPECT_EQ(c.mode, "reports");
  EXPECT_EQ(c.label_a, "before");
  EXPECT_EQ(c.rows.at(0).target, "private");
  auto named = compare_targets(before, "private", after, "private", {});
  EXPECT_EQ(named.label_a, "before") << "the same target on both sides: the files name the sides";
}

TEST(Compare, TargetsOfOneReportGiveRatioIntervalAndGo) {
  auto in = report_input({make_measurement("pg.query.select1", "tunnel", 20e6, 1000, 1),
                          make_measurement("pg.query.select1", "private", 40e3, 1000, 2)},
                         "r.json");
  auto c = compare_targets(in, "tunnel", "private", {});
  ASSERT_EQ(c.rows.size(), 1u);
  const auto& r = c.rows[0];
  EXPECT_EQ(r.a.label, "tunnel");
  EXPECT_EQ(r.b.label, "private");
  ASSERT_TRUE(r.ratio && r.ratio_lo && r.ratio_hi && r.p_value);
  EXPECT_NEAR(*r.ratio, 500, 25);
  EXPECT_LE(*r.ratio_lo, *r.ratio);
  EXPECT_GE(*r.ratio_hi, *r.ratio);
  EXPECT_LT(*r.p_value, 1e-10);
  EXPECT_EQ(r.classification, change::improved);
  ASSERT_TRUE(r.a.p99_ns.has_value()) << "1000 samples claim p99";
  ASSERT_EQ(c.criteria.size(), 2u);
  EXPECT_EQ(c.criteria[0].id, "db.latency.improvement");
  EXPECT_EQ(c.criteria[0].status, report::status::pass);
  EXPECT_EQ(c.criteria[1].id, "compare.no_regression");
  EXPECT_EQ(c.criteria[1].status, report::status::pass);
  EXPECT_EQ(c.verdict.decision, report::decision::go);
  EXPECT_TRUE(c.geomean.ratio.has_value());
}

TEST(Compare, UnknownTargetIsRefused) {
  auto in = report_input({make_measurement("pg.query.select1", "tunnel", 1e6, 100)}, "r.json");
  EXPECT_THROW(compare_targets(in, "tunnel", "private", {}), config_error);
}

TEST(Compare, IntervalIsReproducibleForASeed) {
  auto in = report_input({make_measurement("m", "x", 1e6, 500, 1), make_measurement("m", "y", 0.9e6, 500, 2)}, "r.json");
  options o;
  o.improvement_criterion = false;
  auto c1 = compare_targets(in, "x", "y", o);
  auto c2 = compare_targets(in, "x", "y", o);
  EXPECT_EQ(*c1.rows[0].ratio_lo, *c2.rows[0].ratio_lo);
  EXPECT_EQ(*c1.rows[0].ratio_hi, *c2.rows[0].ratio_hi);
}

TEST(Compare, SmallImprovementBelowTheRatioThresholdIsNoGo) {
  auto in = report_input({make_measurement("pg.query.select1", "tunnel", 2e6, 500, 1),
                          make_measurement("pg.query.select1", "private", 1e6, 500, 2)},
                         "r.json");
  auto c = compare_targets(in, "tunnel", "private", {});
  EXPECT_EQ(c.criteria[0].status, report::status::fail);
  EXPECT_EQ(c.verdict.decision, report::decision::no_go);
  EXPECT_EQ(report::exit_code(c.verdict.decision), 1);
}

TEST(Compare, RegressionBeyondTheLimitFails) {
  auto a = report_input({make_measurement("redis.ping", "private", 100e3, 500, 1)}, "a.json");
  auto b = report_input({make_measurement("redis.ping", "private", 130e3, 500, 2)}, "b.json");
  auto c = compare_inputs(a, b, {});
  EXPECT_EQ(c.rows[0].classification, change::regressed);
  ASSERT_EQ(c.criteria.size(), 1u) << "no pg.query.select1: no improvement criterion";
  EXPECT_EQ(c.criteria[0].status, report::status::fail);
  EXPECT_NEAR(c.criteria[0].measured.get<double>(), 30, 3);
  EXPECT_EQ(c.verdict.decision, report::decision::no_go);
  options lenient;
  lenient.max_regression = 0.5;
  EXPECT_EQ(compare_inputs(a, b, lenient).verdict.decision, report::decision::go);
}

const report::criterion_result& no_regression(const comparison& c) {
  for (const auto& k : c.criteria)
    if (k.id == "compare.no_regression") return k;
  throw std::runtime_error("no compare.no_regression");
}

TEST(Compare, MetricMissingFromBIsAFailureNotANote) {
  auto a = report_input({make_measurement("pg.query.select1", "tunnel", 40e3, 200, 1),
                         make_measurement("redis.ping", "tunnel", 30e3, 200, 2)},
                        "/tmp/before.json");
  auto b = report_input({make_measurement("pg.query.select1", "tunnel", 40e3, 200, 1)}, "/tmp/after.json");
  options lenient;
  lenient.min_ratio = 0.5;
  EXPECT_EQ(compare_inputs(a, a, lenient).verdict.decision, report::decision::go) << "the check can pass";
  auto c = compare_inputs(a, b, lenient);
  EXPECT_EQ(c.verdict.decision, report::decision::no_go);
  EXPECT_EQ(no_regression(c).status, report::status::fail);
  EXPECT_NE(no_regression(c).detail.find("redis.ping on tunnel missing from after"), std::string::npos)
      << no_regression(c).detail;
}

TEST(Compare, BFailingHalfItsSamplesIsAFailure) {
  auto ma = make_measurement("pg.query.select1", "tunnel", 40e3, 200, 1);
  auto mb = ma;
  mb.summary.errors[cutover::outcome::timeout] = 200;
  options lenient;
  lenient.min_ratio = 0.5;
  auto c = compare_inputs(report_input({ma}, "/tmp/before.json"), report_input({mb}, "/tmp/after.json"), lenient);
  EXPECT_EQ(c.verdict.decision, report::decision::no_go);
  EXPECT_NE(no_regression(c).detail.find("failed 50.0% of samples in after (0.0% in before)"), std::string::npos)
      << no_regression(c).detail;
  // As many failures as before, or fewer than max_error_ratio, do not fail it.
  ma.summary.errors[cutover::outcome::timeout] = 200;
  EXPECT_EQ(compare_inputs(report_input({ma}, "a.json"), report_input({mb}, "b.json"), lenient).verdict.decision,
            report::decision::go);
  mb.summary.errors[cutover::outcome::timeout] = 1;  // 0.5%
  ma.summary.errors.clear();
  EXPECT_EQ(compare_inputs(report_input({ma}, "a.json"), report_input({mb}, "b.json"), lenient).verdict.decision,
            report::decision::go);
}

TEST(Compare, HistogramClaimingATrillionValuesExpandsToACappedCopy) {
  auto m = make_measurement("m", "x", 1e6, 500, 1);
  m.samples_ns.clear();
  // Every bucket count multiplied: the buckets, not `count`, say how many values there are.
  for (auto& b : m.histogram["buckets"]) b[1] = b[1].get<std::int64_t>() * 2'000'000'000;
  m.histogram["count"] = 10;  // a count that hides it
  auto in = from_report(make_report({m}), "r.json");
  ASSERT_EQ(in.series.size(), 1u);
  EXPECT_LE(in.series[0].values.size(), 1'000'000u + stats::histogram::bucket_count);
  EXPECT_GT(in.series[0].values.size(), 900'000u);
  EXPECT_NEAR(stats::median(in.series[0].values), 1e6, 1e6 * 0.02);
}

TEST(Compare, HistogramsShareOneBudgetPerInput) {
  std::vector<report::measurement> ms;
  for (int i = 0; i < 100; ++i) {
    auto m = make_measurement("m" + std::to_string(i), "x", 1e6, 500, i);
    m.samples_ns.clear();
    for (auto& b : m.histogram["buckets"]) b[1] = b[1].get<std::int64_t>() * 1'000'000;
    ms.push_back(std::move(m));
  }
  std::size_t total = 0;
  for (const auto& s : from_report(make_report(ms), "r.json").series) total += s.values.size();
  EXPECT_LE(total, 8'000'000u + 100 * stats::histogram::bucket_count);
}

TEST(Compare, TooFewSamplesIsInconclusive) {
  auto in = report_input({make_measurement("pg.query.select1", "tunnel", 20e6, 10, 1),
                          make_measurement("pg.query.select1", "private", 40e3, 10, 2)},
                         "r.json");
  auto c = compare_targets(in, "tunnel", "private", {});
  EXPECT_EQ(c.rows[0].classification, change::insufficient);
  EXPECT_FALSE(c.rows[0].a.p50_ns.has_value()) << "p50 is not claimed from 10 samples";
  EXPECT_EQ(c.verdict.decision, report::decision::inconclusive);
  EXPECT_EQ(report::exit_code(c.verdict.decision), 3);
}

TEST(Compare, FallsBackToHistogramWithoutSamplesAndSaysSo) {
  auto ma = make_measurement("m", "x", 1e6, 500, 1);
  auto mb = make_measurement("m", "y", 0.5e6, 500, 2);
  ma.samples_ns.clear();
  auto in = report_input({ma, mb}, "r.json");
  auto c = compare_targets(in, "x", "y", {});
  EXPECT_EQ(c.rows[0].a.source, "histogram");
  EXPECT_EQ(c.rows[0].b.source, "samples");
  EXPECT_NE(c.rows[0].note.find("histogram bucket midpoints"), std::string::npos) << c.rows[0].note;
  ASSERT_TRUE(c.rows[0].ratio.has_value());
  EXPECT_NEAR(*c.rows[0].ratio, 2.0, 0.1);
  EXPECT_TRUE(c.rows[0].ratio_lo.has_value());
}

TEST(Classify, ThresholdsAndSignificance) {
  options o;  // min_change 5%, alpha 0.01
  EXPECT_EQ(classify(2.0, 1e-6, true, o), change::improved);
  EXPECT_EQ(classify(0.5, 1e-6, true, o), change::regressed);
  EXPECT_EQ(classify(1.02, 1e-6, true, o), change::unchanged) << "below min_change";
  EXPECT_EQ(classify(2.0, 0.2, true, o), change::unchanged) << "not significant";
  EXPECT_EQ(classify(2.0, std::nullopt, true, o), change::improved) << "no test: threshold alone";
  EXPECT_EQ(classify(2.0, 1e-6, false, o), change::insufficient);
  EXPECT_EQ(classify(std::nullopt, 1e-6, true, o), change::insufficient);
  o.min_change = 0.6;
  EXPECT_EQ(classify(2.0, 1e-6, true, o), change::unchanged);
}

TEST(Compare, WorkloadFingerprintDropsCountsOnly) {
  json w{{"operation", "select1"}, {"samples", 5}, {"warmup", 2}, {"interval_us", 0}};
  EXPECT_EQ(workload_fingerprint(w), (json{{"operation", "select1"}, {"interval_us", 0}}));
}

TEST(Compare, WorkloadFingerprintLeavesOutTheMeasuringMachine) {
  // Before and after are two hosts: their clocks, idle states and CPUs differ, the workload does not.
  json a{{"operation", "select1"}, {"mode", "closed-paired"},
         {"clock", {{"observed_step_ns", 20}}}, {"cpu_idle", {{"held_awake", true}, {"state", "held"}}},
         {"cpus", {{"requested", {0}}, {"state", "pinned"}}}};
  json b{{"operation", "select1"}, {"mode", "closed-paired"}, {"clock", {{"observed_step_ns", 31}}}};
  EXPECT_EQ(workload_fingerprint(a), workload_fingerprint(b));
  json c{{"operation", "select1"}, {"mode", "closed"}};
  EXPECT_NE(workload_fingerprint(a), workload_fingerprint(c)) << "the schedule is the workload's";
}

json google_benchmark_doc(const std::vector<double>& times, const std::string& unit, bool with_aggregates) {
  json bs = json::array();
  for (std::size_t i = 0; i < times.size(); ++i)
    bs.push_back({{"name", "BM_pg_select1/real_time"}, {"run_name", "BM_pg_select1/real_time"},
                  {"run_type", "iteration"}, {"repetitions", times.size()}, {"repetition_index", i},
                  {"iterations", 1000}, {"real_time", times[i]}, {"cpu_time", times[i] / 2}, {"time_unit", unit}});
  if (with_aggregates)
    for (const char* agg : {"mean", "median", "stddev", "cv"})
      bs.push_back({{"name", std::string("BM_pg_select1/real_time_") + agg}, {"run_name", "BM_pg_select1/real_time"},
                    {"run_type", "aggregate"}, {"aggregate_name", agg},
                    {"aggregate_unit", std::string(agg) == "cv" ? "percentage" : "time"},
                    {"real_time", times.empty() ? 1.0 : times[0]}, {"time_unit", unit}});
  return {{"context", {{"date", "2024-01-01T00:00:00+00:00"}, {"host_name", "dev"}}}, {"benchmarks", bs}};
}

TEST(GoogleBenchmark, RepetitionsGiveRatioIntervalAndTest) {
  auto a = from_google_benchmark(google_benchmark_doc({40, 41, 39, 40.5, 40.2, 39.8, 40.1, 40.3, 39.9, 40}, "us", true),
                                 "/tmp/old.json");
  auto b = from_google_benchmark(google_benchmark_doc({20, 20.5, 19.5, 20.2, 20.1, 19.9, 20, 20.3, 19.8, 20}, "us", true),
                                 "/tmp/new.json");
  ASSERT_EQ(a.series.size(), 1u);
  EXPECT_EQ(a.series[0].values.size(), 10u) << "aggregates are not repetitions";
  EXPECT_EQ(a.series[0].source, "repetitions");
  auto c = compare_inputs(a, b, {});
  EXPECT_EQ(c.mode, "google-benchmark");
  ASSERT_EQ(c.rows.size(), 1u);
  const auto& r = c.rows[0];
  ASSERT_TRUE(r.ratio && r.ratio_lo && r.ratio_hi && r.p_value);
  EXPECT_NEAR(*r.ratio, 2.0, 0.02);
  EXPECT_EQ(r.classification, change::improved);
  EXPECT_EQ(*r.a.p50_ns, 40'050) << "us converted to ns";
  EXPECT_EQ(c.verdict.decision, report::decision::go);
}

TEST(GoogleBenchmark, OneRepetitionHasNoIntervalAndSaysSo) {
  auto a = from_google_benchmark(google_benchmark_doc({1.5}, "ns", false), "old.json");
  auto b = from_google_benchmark(google_benchmark_doc({1.2}, "ns", false), "new.json");
  auto c = compare_inputs(a, b, {});
  const auto& r = c.rows[0];
  ASSERT_TRUE(r.ratio.has_value());
  EXPECT_NEAR(*r.ratio, 1.25, 1e-9) << "sub-ns times keep their precision";
  EXPECT_FALSE(r.ratio_lo.has_value());
  EXPECT_FALSE(r.p_value.has_value());
  EXPECT_NE(r.note.find("no interval"), std::string::npos) << r.note;
  EXPECT_EQ(r.classification, change::improved);
}

TEST(GoogleBenchmark, AggregatesOnlyUseTheMedian) {
  auto doc = google_benchmark_doc({}, "ms", false);
  doc["benchmarks"].push_back({{"name", "BM_y_median"}, {"run_name", "BM_y"}, {"run_type", "aggregate"},
                               {"aggregate_name", "median"}, {"real_time", 3.0}, {"time_unit", "ms"}});
  auto in = from_google_benchmark(doc, "g.json");
  ASSERT_EQ(in.series.size(), 1u);
  EXPECT_EQ(in.series[0].source, "aggregate:median");
  EXPECT_EQ(in.series[0].values[0], 3'000'000'000) << "ps";
}

TEST(GoogleBenchmark, ARunThatErrorsInBIsAFailure) {
  auto a = from_google_benchmark(google_benchmark_doc({40, 41, 39, 40.5, 40.2, 39.8, 40.1, 40.3, 39.9, 40}, "us", false),
                                 "old.json");
  auto bad = google_benchmark_doc({40, 41, 39, 40.5, 40.2, 39.8, 40.1, 40.3, 39.9, 40}, "us", false);
  auto a_doc = bad;
  a_doc["benchmarks"].push_back({{"name", "BM_y"}, {"run_name", "BM_y"}, {"real_time", 5.0}, {"time_unit", "ns"}});
  bad["benchmarks"].push_back({{"name", "BM_y"}, {"run_name", "BM_y"}, {"error_occurred", true}, {"error_message", "boom"}});
  auto c = compare_inputs(from_google_benchmark(a_doc, "old.json"), from_google_benchmark(bad, "new.json"), {});
  EXPECT_EQ(c.verdict.decision, report::decision::no_go);
  EXPECT_NE(no_regression(c).detail.find("BM_y errored in new (boom)"), std::string::npos) << no_regression(c).detail;
  EXPECT_EQ(no_regression(c).detail.find("missing"), std::string::npos) << no_regression(c).detail;
  EXPECT_EQ(compare_inputs(a, a, {}).verdict.decision, report::decision::go);
  // Times no benchmark measures are refused.
  auto negative = google_benchmark_doc({-1}, "ns", false);
  EXPECT_THROW(from_google_benchmark(negative, "g.json"), config_error);
  auto huge = google_benchmark_doc({1e300}, "s", false);
  EXPECT_THROW(from_google_benchmark(huge, "g.json"), config_error);
}

TEST(GoogleBenchmark, ErrorsAreNotedAndBadUnitsRefused) {
  json doc{{"benchmarks", json::array({{{"name", "BM_a"}, {"error_occurred", true}, {"error_message", "boom"}}})}};
  auto in = from_google_benchmark(doc, "g.json");
  EXPECT_TRUE(in.series.empty());
  ASSERT_EQ(in.notes.size(), 1u);
  EXPECT_EQ(in.notes[0], "BM_a: boom");
  json bad{{"benchmarks", json::array({{{"name", "BM_a"}, {"real_time", 1.0}, {"time_unit", "fortnight"}}})}};
  EXPECT_THROW(from_google_benchmark(bad, "g.json"), config_error);
}

TEST(Compare, JsonRoundTrip) {
  auto in = report_input({make_measurement("pg.query.select1", "tunnel", 20e6, 1000, 1),
                          make_measurement("pg.query.select1", "private", 40e3, 1000, 2)},
                         "r.json");
  auto c = compare_targets(in, "tunnel", "private", {});
  auto j = to_json(c);
  EXPECT_EQ(j["schema"], "cutover/comparison");
  EXPECT_EQ(j["schema_version"], schema_version);
  EXPECT_EQ(j["verdict"]["decision"], "GO");
  EXPECT_TRUE(j["rows"][0]["a"]["p50_ns"].is_number_integer());
  EXPECT_EQ(to_json(from_json(j, "x")), j);
  EXPECT_THROW(from_json(json{{"schema", "cutover/report"}}, "x"), config_error);
}

}  // namespace
}  // namespace cutover::compare
