#include "stats/recorder.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "core/error.hpp"

using namespace cutover;
using namespace cutover::stats;
using std::chrono::nanoseconds;

namespace {

recorder one_to(int n, std::uint64_t seed = 1) {
  std::vector<int> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), 1);
  std::shuffle(v.begin(), v.end(), std::mt19937_64(seed));
  recorder r(10'000);
  for (int x : v) r.record(nanoseconds(x));
  return r;
}

}  // namespace

TEST(recorder, nearest_rank_percentiles_on_1_to_100) {
  const auto s = one_to(100).summarize();
  EXPECT_TRUE(s.exact);
  EXPECT_EQ(s.count, 100);
  EXPECT_EQ(s.min_ns, 1);
  EXPECT_EQ(s.p50_ns, 50);
  EXPECT_EQ(s.p90_ns, 90);
  EXPECT_EQ(s.p95_ns, 95);
  EXPECT_EQ(s.p99_ns, 99);
  EXPECT_EQ(s.p999_ns, 100);
  EXPECT_EQ(s.max_ns, 100);
  EXPECT_DOUBLE_EQ(s.mean_ns, 50.5);
  EXPECT_NEAR(s.stddev_ns, 28.866070047722118, 1e-9);
}

TEST(recorder, nearest_rank_on_odd_sizes) {
  const auto s = one_to(7).summarize();  // ceil(0.5 * 7) = 4th, ceil(0.9 * 7) = 7th
  EXPECT_EQ(s.p50_ns, 4);
  EXPECT_EQ(s.p90_ns, 7);
  const auto one = one_to(1).summarize();
  EXPECT_EQ(one.p50_ns, 1);
  EXPECT_EQ(one.p999_ns, 1);
}

TEST(recorder, samples_needed_per_percentile) {
  EXPECT_EQ(samples_needed(50), 20);
  EXPECT_EQ(samples_needed(90), 100);
  EXPECT_EQ(samples_needed(95), 200);
  EXPECT_EQ(samples_needed(99), 1'000);
  EXPECT_EQ(samples_needed(99.9), 10'000);
  EXPECT_EQ(samples_needed(0), 1);
  EXPECT_EQ(samples_needed(100), 1);
}

TEST(recorder, sufficiency_flags) {
  const auto insufficient = [](int n) { return one_to(n).summarize().to_json()["insufficient"]; };
  using nlohmann::json;
  EXPECT_EQ(insufficient(10), json({"p50", "p90", "p95", "p99", "p999"}));
  EXPECT_EQ(insufficient(100), json({"p95", "p99", "p999"}));
  EXPECT_EQ(insufficient(999), json({"p99", "p999"}));
  EXPECT_EQ(insufficient(1'000), json({"p999"}));
  EXPECT_EQ(insufficient(10'000), json::array());
  const auto s = one_to(1'000).summarize();
  EXPECT_TRUE(s.claimed(99));
  EXPECT_FALSE(s.claimed(99.9));
  EXPECT_TRUE(summary{}.claimed(50) == false);
}

TEST(recorder, beyond_the_cap_uses_the_histogram) {
  recorder r(1'000);
  std::mt19937_64 rng(5);
  std::lognormal_distribution<double> d(std::log(30'000.0), 0.5);
  std::vector<std::int64_t> all;
  for (int i = 0; i < 20'000; ++i) {
    all.push_back(static_cast<std::int64_t>(d(rng)));
    r.record(nanoseconds(all.back()));
  }
  EXPECT_EQ(r.samples().size(), 1'000u);
  EXPECT_EQ(r.count(), 20'000);
  const auto s = r.summarize();
  EXPECT_FALSE(s.exact);
  std::sort(all.begin(), all.end());
  EXPECT_EQ(s.min_ns, all.front());
  EXPECT_EQ(s.max_ns, all.back());
  EXPECT_NEAR(static_cast<double>(s.p50_ns), static_cast<double>(all[9'999]), all[9'999] * 0.01);
  EXPECT_NEAR(static_cast<double>(s.p99_ns), static_cast<double>(all[19'799]), all[19'799] * 0.01);
  EXPECT_NEAR(static_cast<double>(s.p999_ns), static_cast<double>(all[19'979]), all[19'979] * 0.01);
}

TEST(recorder, failures_by_outcome_with_first_distinct_messages) {
  recorder r;
  r.record(nanoseconds(10));
  r.record_failure(outcome::timeout, "statement timeout");
  r.record_failure(outcome::timeout, "statement timeout");
  r.record_failure(outcome::refused, "connection refused");
  for (int i = 0; i < 10; ++i) r.record_failure(outcome::error, "boom " + std::to_string(i));
  EXPECT_EQ(r.failures(outcome::timeout), 2);
  const auto s = r.summarize();
  EXPECT_EQ(s.count, 1);
  EXPECT_EQ(s.failures(), 13);
  EXPECT_EQ(s.errors, (std::map<outcome, std::int64_t>{{outcome::timeout, 2}, {outcome::refused, 1}, {outcome::error, 10}}));
  ASSERT_EQ(s.error_messages.size(), recorder::max_error_messages);
  EXPECT_EQ(s.error_messages[0], "timeout: statement timeout");
  EXPECT_EQ(s.error_messages[1], "refused: connection refused");
  EXPECT_EQ(s.error_messages[4], "error: boom 2");
}

TEST(recorder, merge_equals_recording_everything_in_one) {
  recorder all(100'000), a(100'000), b(100'000);
  std::mt19937_64 rng(9);
  std::uniform_int_distribution<std::int64_t> d(1'000, 5'000'000);
  for (int i = 0; i < 5'000; ++i) {
    const nanoseconds v(d(rng));
    all.record(v);
    (i % 2 ? a : b).record(v);
  }
  a.record_failure(outcome::reset, "x");
  b.record_failure(outcome::reset, "y");
  all.record_failure(outcome::reset, "x");
  all.record_failure(outcome::reset, "y");
  a.merge(b);
  auto ja = a.summarize().to_json();
  auto jall = all.summarize().to_json();
  EXPECT_NEAR(ja["mean_ns"].get<double>(), jall["mean_ns"].get<double>(), 1);
  EXPECT_NEAR(ja["stddev_ns"].get<double>(), jall["stddev_ns"].get<double>(), 1);
  for (auto* k : {"mean_ns", "stddev_ns"}) {
    ja.erase(k);
    jall.erase(k);
  }
  EXPECT_EQ(ja, jall);
  EXPECT_TRUE(a.summarize().exact);
}

TEST(recorder, merge_past_the_cap_is_not_exact) {
  recorder a(10), b(10);
  for (int i = 1; i <= 8; ++i) {
    a.record(nanoseconds(i));
    b.record(nanoseconds(100 + i));
  }
  a.merge(b);
  EXPECT_EQ(a.samples().size(), 10u);
  EXPECT_EQ(a.count(), 16);
  const auto s = a.summarize();
  EXPECT_FALSE(s.exact);
  EXPECT_EQ(s.max_ns, 108);
  EXPECT_EQ(s.p50_ns, 8);
}

TEST(recorder, json_has_integer_ns_fields_and_round_trips) {
  auto r = one_to(2'000);
  r.record_failure(outcome::timeout, "t");
  const auto j = r.to_json();
  ASSERT_TRUE(j.contains("summary"));
  ASSERT_TRUE(j.contains("histogram"));
  const auto& s = j["summary"];
  for (const auto& [key, value] : s.items()) {
    if (key.ends_with("_ns")) {
      EXPECT_TRUE(value.is_number_integer()) << key;
    }
  }
  for (auto* key : {"min_ns", "p50_ns", "p90_ns", "p95_ns", "p99_ns", "p999_ns", "max_ns", "mean_ns", "stddev_ns"})
    EXPECT_TRUE(s.contains(key)) << key;
  EXPECT_EQ(s["p99_ns"], 1'980);
  EXPECT_EQ(s["errors"]["timeout"], 1);
  EXPECT_EQ(s["insufficient"], nlohmann::json({"p999"}));
  const auto back = summary::from_json(nlohmann::json::parse(s.dump()));
  EXPECT_EQ(back.to_json(), s);
  EXPECT_THROW(summary::from_json(nlohmann::json::object()), cutover::error);
  // The stored histogram recomputes the same percentiles (exact below 256 ns, within 1% above).
  const auto h = histogram::from_json(j["histogram"]);
  EXPECT_NEAR(static_cast<double>(h.value_at_percentile(99)), 1'980.0, 1'980 * 0.01);
}

TEST(recorder, empty_summary) {
  recorder r(0);
  const auto s = r.summarize();
  EXPECT_EQ(s.count, 0);
  EXPECT_TRUE(s.exact);
  EXPECT_EQ(s.p50_ns, 0);
  EXPECT_EQ(s.to_json()["insufficient"].size(), 5u);
}

TEST(summary, from_json_refuses_measurements_no_recorder_can_make) {
  recorder r;
  for (int i = 1; i <= 100; ++i) r.record(std::chrono::nanoseconds(i * 1000));
  const auto good = r.summarize().to_json();
  EXPECT_NO_THROW(summary::from_json(good));
  auto with = [&](const char* key, nlohmann::json v) {
    auto j = good;
    j[key] = std::move(v);
    return j;
  };
  auto message = [](const nlohmann::json& j) {
    try {
      summary::from_json(j);
    } catch (const cutover::error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  // The false GO of issue 13: "measured -1 ns" passed db.latency.private.
  EXPECT_EQ(message(with("p50_ns", -1)), "summary: p50_ns -1 is negative");
  EXPECT_EQ(message(with("p50_ns", nlohmann::json::parse("18446744073709551615"))),
            "summary: p50_ns: integer out of range");
  EXPECT_EQ(message(with("p50_ns", 1e30)), "summary: p50_ns: not an integer in range");
  EXPECT_EQ(message(with("count", -5)), "summary: count -5 is negative");
  EXPECT_EQ(message(with("p90_ns", 1)), "summary: p90_ns 1 is below p50_ns 50000 (percentiles out of order)");
  EXPECT_EQ(message(with("max_ns", 2)), "summary: max_ns 2 is below p999_ns 100000 (percentiles out of order)");
  EXPECT_EQ(message(with("errors", {{"timeout", -1}})), "summary: errors.timeout -1 is negative");
  // Counted by outcome: a name that is none is refused, not kept as text.
  EXPECT_EQ(message(with("errors", {{"slow", 1}})), "summary: errors.slow: not an outcome (timeout, refused, ...)");
  EXPECT_EQ(message(with("mean_ns", 10)), "summary: mean_ns is outside [min_ns, max_ns]");
  auto empty = recorder(0).summarize().to_json();
  EXPECT_NO_THROW(summary::from_json(empty));
  empty["p50_ns"] = 5;
  EXPECT_EQ(message(empty), "summary: latencies given for count 0");
}

TEST(histogram, from_json_refuses_buckets_that_do_not_add_up) {
  histogram h;
  h.record(1000);
  auto j = h.to_json();
  j["buckets"] = {{100, 9'000'000'000'000'000'000}, {101, 9'000'000'000'000'000'000}};  // would overflow the sum
  j["count"] = 5;
  EXPECT_THROW(histogram::from_json(j), cutover::error);
  j = h.to_json();
  j["count"] = 1'000'000'000'000;  // the count the buckets do not hold
  EXPECT_THROW(histogram::from_json(j), cutover::error);
  j = h.to_json();
  j["buckets"][0][1] = nlohmann::json::parse("18446744073709551615");
  EXPECT_THROW(histogram::from_json(j), cutover::error);
}
