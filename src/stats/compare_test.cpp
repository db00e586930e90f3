#include "stats/compare.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "core/error.hpp"

using namespace cutover::stats;

namespace {

std::vector<std::int64_t> lognormal(std::size_t n, double median, double sigma, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> d(std::log(median), sigma);
  std::vector<std::int64_t> v(n);
  for (auto& x : v) x = std::llround(d(rng));
  return v;
}

// The textbook bootstrap (actually resampling), to check the order-statistic shortcut against.
std::pair<double, double> naive_bootstrap(const std::vector<std::int64_t>& a, const std::vector<std::int64_t>& b,
                                          int resamples, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<double> ratios;
  std::vector<std::int64_t> ra(a.size()), rb(b.size());
  std::uniform_int_distribution<std::size_t> ia(0, a.size() - 1), ib(0, b.size() - 1);
  for (int i = 0; i < resamples; ++i) {
    for (auto& x : ra) x = a[ia(rng)];
    for (auto& x : rb) x = b[ib(rng)];
    ratios.push_back(median(ra) / median(rb));
  }
  std::sort(ratios.begin(), ratios.end());
  return {ratios[static_cast<std::size_t>(0.025 * (resamples - 1))],
          ratios[static_cast<std::size_t>(0.975 * (resamples - 1))]};
}

}  // namespace

TEST(mann_whitney, separated_samples_match_scipy) {
  // scipy.stats.mannwhitneyu([1..5], [6..10], method='asymptotic'): U = 0,
  // p = erfc(((25 - 12.5 - 0.5) / sqrt(25 * 11 / 12)) / sqrt(2)) = 0.0121857...
  const std::vector<std::int64_t> a{1, 2, 3, 4, 5}, b{6, 7, 8, 9, 10};
  const auto r = mann_whitney_u(a, b);
  EXPECT_DOUBLE_EQ(r.u, 0);
  EXPECT_NEAR(r.p_value, 0.012185780, 1e-8);
  const auto rev = mann_whitney_u(b, a);
  EXPECT_DOUBLE_EQ(rev.u, 25);
  EXPECT_NEAR(rev.p_value, r.p_value, 1e-15);
}

TEST(mann_whitney, ties_use_average_ranks_and_tie_correction) {
  // a = {1, 2, 2, 3}, b = {2, 3, 4, 5, 5}. Pooled ranks: 1 -> 1, 2 x3 -> 3,
  // 3 x2 -> 5.5, 4 -> 7, 5 x2 -> 8.5. R_a = 1 + 3 + 3 + 5.5 = 12.5, U_a = 12.5 - 10 = 2.5.
  // sigma^2 = 20/12 * (10 - (24 + 6 + 6) / 72) = 20/12 * 9.5 = 15.8333;
  // z = (17.5 - 10 - 0.5) / 3.97911 = 1.75918; p = erfc(z / sqrt 2) = 0.078548...
  const std::vector<std::int64_t> a{1, 2, 2, 3}, b{2, 3, 4, 5, 5};
  const auto r = mann_whitney_u(a, b);
  EXPECT_DOUBLE_EQ(r.u, 2.5);
  EXPECT_NEAR(r.p_value, std::erfc(7.0 / std::sqrt(20.0 / 12 * 9.5) / std::sqrt(2.0)), 1e-12);
  EXPECT_NEAR(r.p_value, 0.0785, 5e-4);
}

TEST(mann_whitney, identical_samples_are_not_significant) {
  const std::vector<std::int64_t> a{5, 5, 5}, b{5, 5};
  EXPECT_EQ(mann_whitney_u(a, b).p_value, 1);
  const std::vector<std::int64_t> c{1, 2, 3, 4}, d{1, 2, 3, 4};
  EXPECT_EQ(mann_whitney_u(c, d).p_value, 1);
  EXPECT_EQ(mann_whitney_u({}, d).p_value, 1);
}

TEST(mann_whitney, shifted_distributions_are_detected) {
  const auto a = lognormal(300, 1'000, 0.3, 1), b = lognormal(300, 1'200, 0.3, 2);
  EXPECT_LT(mann_whitney_u(a, b).p_value, 1e-6);
  const auto c = lognormal(300, 1'000, 0.3, 3);
  EXPECT_GT(mann_whitney_u(a, c).p_value, 1e-3);
}

TEST(bootstrap, ci_contains_the_true_ratio_and_is_reproducible) {
  const auto a = lognormal(501, 2'000'000, 0.5, 21), b = lognormal(400, 1'000'000, 0.5, 22);
  const auto r = bootstrap_ratio_of_medians(a, b);
  EXPECT_NEAR(r.ratio, median(a) / median(b), 1e-12);
  EXPECT_LT(r.lo, r.ratio);
  EXPECT_GT(r.hi, r.ratio);
  EXPECT_LE(r.lo, 2.0);
  EXPECT_GE(r.hi, 2.0);
  EXPECT_LT(r.hi - r.lo, 0.6);  // informative, not just wide
  const auto again = bootstrap_ratio_of_medians(a, b);
  EXPECT_EQ(again.lo, r.lo);
  EXPECT_EQ(again.hi, r.hi);
  const auto other = bootstrap_ratio_of_medians(a, b, 2000, 43);
  EXPECT_NE(other.lo, r.lo);
  const auto wider = bootstrap_ratio_of_medians(a, b, 2000, 42, 0.99);
  EXPECT_LT(wider.lo, r.lo);
  EXPECT_GT(wider.hi, r.hi);
}

TEST(bootstrap, agrees_with_actual_resampling) {
  // Odd and even sizes exercise both median draws.
  const auto a = lognormal(201, 3'000, 0.4, 31), b = lognormal(150, 1'000, 0.6, 32);
  const auto fast = bootstrap_ratio_of_medians(a, b, 4000, 1);
  const auto [lo, hi] = naive_bootstrap(a, b, 4000, 2);
  EXPECT_NEAR(fast.lo, lo, lo * 0.03);
  EXPECT_NEAR(fast.hi, hi, hi * 0.03);
}

TEST(bootstrap, misuse_throws) {
  const std::vector<std::int64_t> a{1, 2, 3};
  EXPECT_THROW(bootstrap_ratio_of_medians(a, {}), cutover::error);
  EXPECT_THROW(bootstrap_ratio_of_medians(a, a, 0), cutover::error);
  EXPECT_THROW(bootstrap_ratio_of_medians(a, a, 100, 1, 1.0), cutover::error);
  const auto one = bootstrap_ratio_of_medians(std::vector<std::int64_t>{4}, std::vector<std::int64_t>{2});
  EXPECT_EQ(one.ratio, 2);
  EXPECT_EQ(one.lo, 2);
  EXPECT_EQ(one.hi, 2);
}

TEST(geometric_mean, known_values) {
  EXPECT_NEAR(geometric_mean(std::vector<double>{1, 4, 16}), 4, 1e-12);
  EXPECT_NEAR(geometric_mean(std::vector<double>{2, 8}), 4, 1e-12);
  EXPECT_TRUE(std::isnan(geometric_mean({})));
  EXPECT_TRUE(std::isnan(geometric_mean(std::vector<double>{1, 0})));
}

TEST(median, odd_even_empty) {
  EXPECT_EQ(median(std::vector<std::int64_t>{3, 1, 2}), 2);
  EXPECT_EQ(median(std::vector<std::int64_t>{4, 1, 2, 3}), 2.5);
  EXPECT_TRUE(std::isnan(median({})));
}
