#pragma once
/// Log-linear latency histogram (HdrHistogram-style) of nanosecond values.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include <nlohmann/json.hpp>

namespace cutover::stats {

/// Fixed-memory log-linear histogram of int64 nanosecond values.
///
/// Layout: values below 2 * 128 get one bucket each (exact); above that every
/// power of two is split into 128 equal sub-buckets, so a bucket is at most
/// 1/128 (0.78%) of its value wide and a reported value (the bucket midpoint)
/// is within 0.4% of any value recorded in it. Values from 0 up to
/// `highest_trackable_ns` (2^42 - 1 ns, about 73 minutes) keep that precision;
/// larger values land in the last bucket and negative values count as 0.
/// min(), max(), mean() and stddev() are exact (from the raw values).
/// Memory is fixed at construction (4608 counters, 36 KiB) however long it runs.
/// Not thread-safe: one histogram per thread, merge() at the end.
class histogram {
public:
  /// log2 of the sub-buckets per power of two (128 => <= 0.78% bucket width).
  static constexpr int sub_bucket_bits = 7;
  /// Values up to 2^max_exponent - 1 ns keep full precision.
  static constexpr int max_exponent = 42;
  /// Largest value recorded at full precision, in ns (about 73 minutes).
  static constexpr std::int64_t highest_trackable_ns = (std::int64_t{1} << max_exponent) - 1;
  /// Number of buckets (fixed by the layout above).
  static constexpr std::size_t bucket_count =
      std::size_t{(max_exponent - sub_bucket_bits + 1)} << sub_bucket_bits;

  /// An empty histogram.
  histogram();

  /// Records one value in ns.
  void record(std::int64_t ns) noexcept { record_n(ns, 1); }
  /// Records one value in ns `n` times.
  void record_n(std::int64_t ns, std::int64_t n) noexcept;
  /// Records `ns` and, like HdrHistogram's recordValueWithExpectedInterval,
  /// back-fills the samples a stalled closed loop did not send: ns - k *
  /// expected_interval_ns for k = 1, 2, ... while that is >= the interval.
  /// An interval <= 0 records `ns` alone.
  void record_corrected(std::int64_t ns, std::int64_t expected_interval_ns) noexcept;

  /// Number of recorded values.
  std::int64_t count() const noexcept { return count_; }
  /// Smallest recorded value in ns (exact); 0 when empty.
  std::int64_t min() const noexcept { return count_ ? min_ : 0; }
  /// Largest recorded value in ns (exact); 0 when empty.
  std::int64_t max() const noexcept { return count_ ? max_ : 0; }
  /// Mean of the recorded values in ns (exact); 0 when empty.
  double mean() const noexcept { return mean_; }
  /// Population standard deviation of the recorded values in ns (exact); 0 when empty.
  double stddev() const noexcept;
  /// Nearest-rank percentile, p in [0, 100], in ns: the midpoint of the bucket
  /// holding the ceil(p/100 * count)-th smallest value, clamped to [min, max].
  /// p <= 0 gives min(), p >= 100 gives max(); 0 when empty.
  std::int64_t value_at_percentile(double p) const noexcept;

  /// Adds every value recorded in `other`.
  void merge(const histogram& other) noexcept;

  /// Sparse JSON: layout parameters, count, exact min/max/mean/stddev and the
  /// non-empty buckets as [[bucket_index, count], ...].
  nlohmann::json to_json() const;
  /// Inverse of to_json(); throws cutover::error on another layout or bad input.
  static histogram from_json(const nlohmann::json& j);

private:
  std::vector<std::int64_t> counts_;  // bucket_count entries, never resized
  std::int64_t count_ = 0;
  std::int64_t min_ = 0;
  std::int64_t max_ = 0;
  double mean_ = 0.0;  // Welford running mean and sum of squared deviations
  double m2_ = 0.0;
};

/// One non-empty bucket of a recorded histogram.
struct recorded_bucket {
  std::int64_t value_ns = 0;  ///< the bucket's midpoint (as value_at_percentile() reports it), within the exact [min, max]
  std::int64_t count = 0;     ///< values recorded in it (> 0)
};

/// Calls `fn` for every non-empty bucket of a histogram in the JSON form
/// histogram::to_json() writes (a report's, a comparison's), in the
/// document's order. A bucket outside the layout or with a count <= 0 is
/// passed over; a document without buckets gives no call. Throws
/// config_error for a bucket that is not a pair of 64-bit integers.
void for_each_recorded(const nlohmann::json& h, const std::function<void(const recorded_bucket&)>& fn);

namespace detail {

/// Bucket index of a value in ns (clamped to [0, highest_trackable_ns]).
std::size_t bucket_index(std::int64_t ns) noexcept;
/// Smallest value in ns that falls in bucket `index`.
std::int64_t bucket_lowest(std::size_t index) noexcept;
/// Width of bucket `index` in ns.
std::int64_t bucket_width(std::size_t index) noexcept;
/// The value bucket `index` stands for: its midpoint.
inline std::int64_t bucket_midpoint(std::size_t index) noexcept { return bucket_lowest(index) + (bucket_width(index) - 1) / 2; }

}  // namespace detail

}  // namespace cutover::stats
