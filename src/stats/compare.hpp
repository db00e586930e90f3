#pragma once
/// Statistics for before/after comparisons: bootstrap CI of a ratio of
/// medians, Mann-Whitney U, geometric mean.
#include <cstdint>
#include <span>

namespace cutover::stats {

/// A ratio with its confidence interval.
struct ratio_interval {
  double ratio = 0;  ///< point estimate: median(a) / median(b)
  double lo = 0;     ///< lower bound of the confidence interval
  double hi = 0;     ///< upper bound of the confidence interval
};

/// Median of `values` (mean of the two middle values for an even count); NaN when empty.
double median(std::span<const std::int64_t> values);

/// Percentile-bootstrap confidence interval of median(a) / median(b):
/// `resamples` times, resample a and b with replacement (same sizes) and take
/// the ratio of the medians; the bounds are the (1 - confidence)/2 and
/// (1 + confidence)/2 quantiles (linear interpolation) of those ratios.
/// Each resample's median is drawn directly as the order statistic it is
/// (Beta-distributed rank), which has the same distribution as sorting an
/// actual resample but costs O(1): total O(n log n + resamples).
/// Reproducible for a given seed (std::mt19937_64, with libstdc++'s distributions).
/// Throws cutover::error when a or b is empty, resamples < 1 or confidence
/// is not in (0, 1). A zero median of b gives infinite ratios.
ratio_interval bootstrap_ratio_of_medians(std::span<const std::int64_t> a, std::span<const std::int64_t> b,
                                          int resamples = 2000, std::uint64_t seed = 42,
                                          double confidence = 0.95);

/// Result of a Mann-Whitney U test.
struct mann_whitney_result {
  double u = 0;        ///< U statistic of `a` (as scipy returns it): rank sum of a - n_a (n_a + 1) / 2
  double p_value = 1;  ///< two-sided p-value
};

/// Two-sided Mann-Whitney U test with the normal approximation, tie
/// correction and continuity correction, as
/// scipy.stats.mannwhitneyu(a, b, alternative='two-sided', method='asymptotic').
/// p_value is 1 when a or b is empty or every value is tied.
mann_whitney_result mann_whitney_u(std::span<const std::int64_t> a, std::span<const std::int64_t> b);

/// Geometric mean, exp(mean(log x)); NaN when empty or any value is <= 0.
double geometric_mean(std::span<const double> values);

}  // namespace cutover::stats
