#pragma once
/// Latency recording: every sample up to a cap (exact percentiles), always a
/// histogram (long runs), failures counted by outcome; and the summary of it.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/outcome.hpp"
#include "stats/histogram.hpp"

namespace cutover::stats {

/// Fewest ok samples for which percentile p (in [0, 100]) is claimed: enough
/// that about 10 samples lie above it, i.e. ceil(10 / (1 - p/100)):
/// p50 -> 20, p90 -> 100, p95 -> 200, p99 -> 1,000, p99.9 -> 10,000.
/// p <= 0 (min) and p >= 100 (max) are observed values and need 1.
std::int64_t samples_needed(double percentile) noexcept;

/// Summary of one recorder: what reports and criteria read.
/// Percentiles are nearest-rank: the ceil(p/100 * count)-th smallest ok
/// sample; from all samples when `exact`, else from the histogram (<= 0.4% off).
struct summary {
  std::int64_t count = 0;                      ///< ok samples
  std::map<outcome, std::int64_t> errors;  ///< failures by outcome (named "timeout", ... in JSON), non-zero only
  std::vector<std::string> error_messages;     ///< first distinct failure messages, "outcome: message"
  std::int64_t min_ns = 0;                     ///< smallest ok latency, ns
  std::int64_t p50_ns = 0;                     ///< median, ns
  std::int64_t p90_ns = 0;                     ///< 90th percentile, ns
  std::int64_t p95_ns = 0;                     ///< 95th percentile, ns
  std::int64_t p99_ns = 0;                     ///< 99th percentile, ns
  std::int64_t p999_ns = 0;                    ///< 99.9th percentile, ns
  std::int64_t max_ns = 0;                     ///< largest ok latency, ns
  double mean_ns = 0;                          ///< arithmetic mean, ns
  double stddev_ns = 0;                        ///< population standard deviation, ns
  bool exact = true;                           ///< percentiles from every sample, not the histogram

  /// Total failures over all outcomes.
  std::int64_t failures() const noexcept;
  /// Whether `count` is enough to claim percentile p (see samples_needed()).
  bool claimed(double percentile) const noexcept { return count >= samples_needed(percentile); }
  /// JSON with integer `_ns` durations and "insufficient": the unclaimed
  /// percentiles among "p50", "p90", "p95", "p99", "p999".
  nlohmann::json to_json() const;
  /// Inverse of to_json(); throws cutover::error on malformed input or on values
  /// no recorder produces (negative or out-of-range numbers, percentiles out of order).
  static summary from_json(const nlohmann::json& j);
};

/// Records the latencies and failures of one sampling thread.
/// Hot path: record() does no allocation below the cap (storage is reserved
/// up front) and takes no lock. Not thread-safe: one recorder per thread,
/// merge() them at the end. A copy does not keep the reserved storage:
/// construct recorders in place.
class recorder {
public:
  /// Default number of latencies kept for exact percentiles (8 MB).
  static constexpr std::size_t default_sample_cap = 1'000'000;
  /// Distinct failure messages kept (later ones are only counted).
  static constexpr std::size_t max_error_messages = 5;

  /// A recorder keeping up to `sample_cap` latencies (reserved now).
  explicit recorder(std::size_t sample_cap = default_sample_cap);

  /// Records the latency of one successful operation (negative counts as 0).
  void record(std::chrono::nanoseconds latency) noexcept {
    const auto ns = std::max<std::int64_t>(latency.count(), 0);
    if (samples_.size() < sample_cap_) samples_.push_back(ns);  // never reallocates: reserved
    histogram_.record(ns);
  }
  /// Records a failed operation of outcome `o` (not outcome::ok); keeps
  /// `message` if it is one of the first max_error_messages distinct ones.
  void record_failure(outcome o, std::string_view message);

  /// Adds everything `other` recorded (samples only while under the cap).
  void merge(const recorder& other);

  /// Ok samples recorded.
  std::int64_t count() const noexcept { return histogram_.count(); }
  /// Failures recorded for outcome `o`.
  std::int64_t failures(outcome o) const noexcept { return failures_[static_cast<std::size_t>(o)]; }
  /// The kept latencies in ns, in recording order (all of them when the summary is exact).
  std::span<const std::int64_t> samples() const noexcept { return samples_; }
  /// The histogram of every ok latency.
  const stats::histogram& histogram() const noexcept { return histogram_; }
  /// Maximum number of latencies kept.
  std::size_t sample_cap() const noexcept { return sample_cap_; }

  /// Summary of everything recorded (sorts a copy of the samples: not for the hot path).
  summary summarize() const;
  /// {"summary": summarize().to_json(), "histogram": histogram().to_json()}.
  nlohmann::json to_json() const;

private:
  std::size_t sample_cap_;
  std::vector<std::int64_t> samples_;
  stats::histogram histogram_;
  std::array<std::int64_t, outcome_count> failures_{};
  std::vector<std::string> error_messages_;
};

}  // namespace cutover::stats
