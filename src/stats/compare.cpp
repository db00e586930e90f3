#include "stats/compare.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace cutover::stats {
namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// Draws Beta(alpha, beta) as X / (X + Y) with X ~ Gamma(alpha), Y ~ Gamma(beta).
double draw_beta(std::mt19937_64& rng, double alpha, double beta) {
  const double x = std::gamma_distribution<double>(alpha, 1.0)(rng);
  const double y = std::gamma_distribution<double>(beta, 1.0)(rng);
  return x / (x + y);
}

// Median of a size-n resample (with replacement) of `sorted`. A resample
// index is floor(n * U), so the k-th smallest index is floor(n * U_(k)), with
// U_(k) ~ Beta(k, n - k + 1); given U_(k) = u, U_(k+1) = u + (1 - u) * Beta(1, n - k).
double resampled_median(std::mt19937_64& rng, const std::vector<std::int64_t>& sorted) {
  const auto n = sorted.size();
  const auto at = [&](double u) {
    return static_cast<double>(sorted[std::min(n - 1, static_cast<std::size_t>(u * static_cast<double>(n)))]);
  };
  if (n == 1) return static_cast<double>(sorted[0]);
  const auto k = (n + 1) / 2;  // lower middle rank, 1-based
  const double u = draw_beta(rng, static_cast<double>(k), static_cast<double>(n - k + 1));
  if (n % 2 == 1) return at(u);
  const double next = u + (1 - u) * draw_beta(rng, 1.0, static_cast<double>(n - k));
  return (at(u) + at(next)) / 2;
}

double sorted_median(const std::vector<std::int64_t>& sorted) {
  const auto n = sorted.size();
  if (n == 0) return nan;
  if (n % 2 == 1) return static_cast<double>(sorted[n / 2]);
  return (static_cast<double>(sorted[n / 2 - 1]) + static_cast<double>(sorted[n / 2])) / 2;
}

std::vector<std::int64_t> sorted_copy(std::span<const std::int64_t> values) {
  std::vector<std::int64_t> v(values.begin(), values.end());
  std::sort(v.begin(), v.end());
  return v;
}

// Linear-interpolated quantile of sorted values (numpy's default), q in [0, 1].
double quantile(const std::vector<double>& sorted, double q) {
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const auto hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

}  // namespace

double median(std::span<const std::int64_t> values) { return sorted_median(sorted_copy(values)); }

ratio_interval bootstrap_ratio_of_medians(std::span<const std::int64_t> a, std::span<const std::int64_t> b,
                                          int resamples, std::uint64_t seed, double confidence) {
  if (a.empty() || b.empty()) throw error("bootstrap: both samples must be non-empty");
  if (resamples < 1) throw error("bootstrap: resamples must be >= 1");
  if (!(confidence > 0 && confidence < 1)) throw error("bootstrap: confidence must be in (0, 1)");
  const auto sa = sorted_copy(a);
  const auto sb = sorted_copy(b);
  std::mt19937_64 rng(seed);
  std::vector<double> ratios(static_cast<std::size_t>(resamples));
  for (auto& r : ratios) {
    const double ma = resampled_median(rng, sa);
    r = ma / resampled_median(rng, sb);
  }
  std::sort(ratios.begin(), ratios.end());
  const double alpha = 1 - confidence;
  return {sorted_median(sa) / sorted_median(sb), quantile(ratios, alpha / 2), quantile(ratios, 1 - alpha / 2)};
}

mann_whitney_result mann_whitney_u(std::span<const std::int64_t> a, std::span<const std::int64_t> b) {
  const auto n1 = static_cast<double>(a.size());
  const auto n2 = static_cast<double>(b.size());
  if (a.empty() || b.empty()) return {0, 1};
  // (value, from a?) sorted by value; ties get the average of their ranks.
  std::vector<std::pair<std::int64_t, bool>> all;
  all.reserve(a.size() + b.size());
  for (auto v : a) all.emplace_back(v, true);
  for (auto v : b) all.emplace_back(v, false);
  std::sort(all.begin(), all.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  double rank_sum_a = 0;
  double tie_term = 0;  // sum of t^3 - t over tie groups
  for (std::size_t i = 0; i < all.size();) {
    std::size_t j = i;
    while (j < all.size() && all[j].first == all[i].first) ++j;
    const double avg_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;
    for (std::size_t k = i; k < j; ++k)
      if (all[k].second) rank_sum_a += avg_rank;
    const auto t = static_cast<double>(j - i);
    tie_term += t * t * t - t;
    i = j;
  }
  const double n = n1 + n2;
  const double u1 = rank_sum_a - n1 * (n1 + 1) / 2;
  const double u2 = n1 * n2 - u1;
  const double mu = n1 * n2 / 2;
  const double sigma = std::sqrt(n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1))));
  if (!(sigma > 0)) return {u1, 1};
  // Two-sided: scipy takes the larger U, then subtracts 0.5 for continuity.
  const double z = (std::max(u1, u2) - mu - 0.5) / sigma;
  const double p = std::erfc(z / std::sqrt(2.0));
  return {u1, std::clamp(p, 0.0, 1.0)};
}

double geometric_mean(std::span<const double> values) {
  if (values.empty()) return nan;
  double log_sum = 0;
  for (double v : values) {
    if (!(v > 0)) return nan;
    log_sum += std::log(v);
  }
  return std::exp(log_sum / static_cast<double>(values.size()));
}

}  // namespace cutover::stats
