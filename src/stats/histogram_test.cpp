#include "stats/histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "core/error.hpp"

using cutover::config_error;
using cutover::stats::for_each_recorded;
using cutover::stats::histogram;
using cutover::stats::recorded_bucket;

namespace {

// Log-uniform values over [lo, hi] ns, seeded.
std::vector<std::int64_t> log_uniform(std::size_t n, double lo, double hi, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> d(std::log(lo), std::log(hi));
  std::vector<std::int64_t> v(n);
  for (auto& x : v) x = static_cast<std::int64_t>(std::exp(d(rng)));
  return v;
}

// Nearest rank on already sorted values.
std::int64_t nearest_rank(const std::vector<std::int64_t>& v, double p) {
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size()) / 100.0 - 1e-9));
  return v[std::clamp<std::size_t>(rank, 1, v.size()) - 1];
}

}  // namespace

TEST(histogram, small_values_are_exact_nearest_rank) {
  histogram h;
  for (int v = 100; v >= 1; --v) h.record(v);
  EXPECT_EQ(h.count(), 100);
  EXPECT_EQ(h.value_at_percentile(0), 1);
  EXPECT_EQ(h.value_at_percentile(1), 1);
  EXPECT_EQ(h.value_at_percentile(50), 50);
  EXPECT_EQ(h.value_at_percentile(50.5), 51);
  EXPECT_EQ(h.value_at_percentile(99), 99);
  EXPECT_EQ(h.value_at_percentile(99.9), 100);
  EXPECT_EQ(h.value_at_percentile(100), 100);
  EXPECT_EQ(h.min(), 1);
  EXPECT_EQ(h.max(), 100);
  EXPECT_DOUBLE_EQ(h.mean(), 50.5);
  EXPECT_NEAR(h.stddev(), std::sqrt((100.0 * 100.0 - 1) / 12), 1e-9);
}

TEST(histogram, empty_reports_zeros) {
  histogram h;
  EXPECT_EQ(h.count(), 0);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), 0);
  EXPECT_EQ(h.value_at_percentile(50), 0);
  EXPECT_EQ(h.stddev(), 0);
}

TEST(histogram, bucket_layout_is_contiguous_and_narrow) {
  // Every bucket starts where the previous one ended and is <= 1/128 of its values.
  using namespace cutover::stats::detail;
  for (std::size_t i = 1; i < histogram::bucket_count; ++i) {
    ASSERT_EQ(bucket_lowest(i), bucket_lowest(i - 1) + bucket_width(i - 1)) << i;
    ASSERT_EQ(bucket_index(bucket_lowest(i)), i);
    ASSERT_EQ(bucket_index(bucket_lowest(i) - 1), i - 1);
    ASSERT_LE(bucket_width(i) * 128, std::max<std::int64_t>(bucket_lowest(i), 128)) << i;
  }
  const auto last = histogram::bucket_count - 1;
  EXPECT_EQ(bucket_lowest(last) + bucket_width(last) - 1, histogram::highest_trackable_ns);
  EXPECT_GE(histogram::highest_trackable_ns, std::int64_t{3600} * 1'000'000'000);  // >= 1 hour
}

TEST(histogram, relative_error_within_one_percent_from_1us_to_10s) {
  auto values = log_uniform(200'000, 1e3, 1e10, 7);
  histogram h;
  for (auto v : values) h.record(v);
  std::sort(values.begin(), values.end());
  for (double p : {0.1, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.9, 99.99}) {
    const auto exact = static_cast<double>(nearest_rank(values, p));
    const auto approx = static_cast<double>(h.value_at_percentile(p));
    EXPECT_LE(std::abs(approx - exact) / exact, 0.01) << "p" << p << " exact " << exact << " got " << approx;
  }
  EXPECT_EQ(h.min(), values.front());
  EXPECT_EQ(h.max(), values.back());
}

TEST(histogram, merge_equals_recording_everything_in_one) {
  const auto values = log_uniform(50'000, 1e3, 1e9, 11);
  histogram all, left, right;
  for (std::size_t i = 0; i < values.size(); ++i) {
    all.record(values[i]);
    (i % 3 == 0 ? left : right).record(values[i]);
  }
  left.merge(right);
  EXPECT_EQ(left.count(), all.count());
  EXPECT_EQ(left.min(), all.min());
  EXPECT_EQ(left.max(), all.max());
  EXPECT_NEAR(left.mean(), all.mean(), all.mean() * 1e-12);
  EXPECT_NEAR(left.stddev(), all.stddev(), all.stddev() * 1e-9);
  for (double p = 0; p <= 100; p += 0.5) EXPECT_EQ(left.value_at_percentile(p), all.value_at_percentile(p)) << p;
  EXPECT_EQ(left.to_json()["buckets"], all.to_json()["buckets"]);

  histogram empty;
  empty.merge(all);
  EXPECT_EQ(empty.min(), all.min());
  EXPECT_EQ(empty.value_at_percentile(50), all.value_at_percentile(50));
}

TEST(histogram, json_round_trip_keeps_percentiles) {
  const auto values = log_uniform(10'000, 1e4, 1e8, 3);
  histogram h;
  for (auto v : values) h.record(v);
  const auto j = h.to_json();
  EXPECT_EQ(j["layout"]["sub_bucket_bits"], 7);
  EXPECT_LT(j["buckets"].size(), histogram::bucket_count);  // sparse
  const auto back = histogram::from_json(nlohmann::json::parse(j.dump()));
  EXPECT_EQ(back.count(), h.count());
  EXPECT_EQ(back.min(), h.min());
  EXPECT_EQ(back.max(), h.max());
  EXPECT_NEAR(back.mean(), h.mean(), 0.5);
  EXPECT_NEAR(back.stddev(), h.stddev(), 0.5);
  for (double p : {0.0, 50.0, 90.0, 99.0, 99.9, 100.0}) EXPECT_EQ(back.value_at_percentile(p), h.value_at_percentile(p));
  EXPECT_EQ(back.to_json(), j);
}

TEST(histogram, from_json_rejects_other_layouts_and_bad_input) {
  histogram h;
  h.record(5);
  auto j = h.to_json();
  j["layout"]["sub_bucket_bits"] = 8;
  EXPECT_THROW(histogram::from_json(j), cutover::error);
  j = h.to_json();
  j["count"] = 2;
  EXPECT_THROW(histogram::from_json(j), cutover::error);
  j = h.to_json();
  j["buckets"] = nlohmann::json::array({nlohmann::json::array({999'999, 1})});
  EXPECT_THROW(histogram::from_json(j), cutover::error);
  EXPECT_THROW(histogram::from_json(nlohmann::json::object()), cutover::error);
}

TEST(histogram, out_of_range_values_are_clamped_but_min_max_exact) {
  histogram h;
  const std::int64_t huge = std::int64_t{1} << 50;
  h.record(huge);
  h.record(-5);
  EXPECT_EQ(h.max(), huge);
  EXPECT_EQ(h.min(), -5);
  EXPECT_EQ(h.value_at_percentile(100), huge);
  EXPECT_EQ(h.to_json()["buckets"].size(), 2u);
}

TEST(histogram, record_corrected_backfills_missed_intervals) {
  histogram h;
  h.record_corrected(1000, 100);  // 1000, 900, ..., 100
  EXPECT_EQ(h.count(), 10);
  EXPECT_EQ(h.min(), 100);
  EXPECT_EQ(h.max(), 1000);
  EXPECT_DOUBLE_EQ(h.mean(), 550);
  histogram fast;
  fast.record_corrected(50, 100);  // below the interval: nothing missed
  fast.record_corrected(50, 0);
  EXPECT_EQ(fast.count(), 2);
}

TEST(histogram, for_each_recorded_walks_the_json_buckets_at_the_values_percentiles_report) {
  histogram h;
  for (int i = 0; i < 90; ++i) h.record(1'000'000);
  for (int i = 0; i < 10; ++i) h.record(5'000'000);
  std::vector<recorded_bucket> seen;
  for_each_recorded(h.to_json(), [&](const recorded_bucket& b) { seen.push_back(b); });
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].count, 90);
  EXPECT_EQ(seen[1].count, 10);
  // The values are the ones the percentiles report (clamped to the exact min and max).
  EXPECT_EQ(seen[0].value_ns, h.value_at_percentile(50));
  EXPECT_EQ(seen[1].value_ns, h.value_at_percentile(99));
  // Outside the layout or empty: passed over; not integers: a clear error.
  std::vector<recorded_bucket> none;
  for_each_recorded(nlohmann::json{{"buckets", {{-1, 5}, {histogram::bucket_count, 5}, {3, 0}}}},
                    [&](const recorded_bucket& b) { none.push_back(b); });
  EXPECT_TRUE(none.empty());
  for_each_recorded(nlohmann::json::array(), [&](const recorded_bucket& b) { none.push_back(b); });
  EXPECT_TRUE(none.empty());
  const auto bucket_of = [](nlohmann::json b) { return nlohmann::json{{"buckets", nlohmann::json::array({std::move(b)})}}; };
  EXPECT_THROW(for_each_recorded(bucket_of(nlohmann::json::array({"a", 1})), [](const recorded_bucket&) {}), config_error);
  EXPECT_THROW(for_each_recorded(bucket_of(7), [](const recorded_bucket&) {}), config_error);
}
