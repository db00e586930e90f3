#include "stats/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <string>

#include "core/error.hpp"
#include "core/json_read.hpp"

namespace cutover::stats {
namespace detail {
namespace {
constexpr int sub_bucket_bits = histogram::sub_bucket_bits;
constexpr std::int64_t sub_bucket_count = std::int64_t{1} << sub_bucket_bits;
}  // namespace

std::size_t bucket_index(std::int64_t ns) noexcept {
  const auto v = static_cast<std::uint64_t>(std::clamp<std::int64_t>(ns, 0, histogram::highest_trackable_ns));
  // Below 2 * sub_bucket_count every value has its own bucket; the magnitude is
  // clamped there so one formula covers both the linear and the log part.
  const int magnitude = std::max(static_cast<int>(std::bit_width(v)) - 1, sub_bucket_bits);
  const int shift = magnitude - sub_bucket_bits;
  return (static_cast<std::size_t>(shift) << sub_bucket_bits) + static_cast<std::size_t>(v >> shift);
}

std::int64_t bucket_lowest(std::size_t index) noexcept {
  const auto i = static_cast<std::int64_t>(index);
  if (i < 2 * sub_bucket_count) return i;
  const auto shift = (i >> sub_bucket_bits) - 1;
  return (sub_bucket_count + (i & (sub_bucket_count - 1))) << shift;
}

std::int64_t bucket_width(std::size_t index) noexcept {
  const auto i = static_cast<std::int64_t>(index);
  if (i < 2 * sub_bucket_count) return 1;
  return std::int64_t{1} << ((i >> sub_bucket_bits) - 1);
}

}  // namespace detail

using detail::bucket_index;

histogram::histogram() : counts_(bucket_count, 0) {}

void histogram::record_n(std::int64_t ns, std::int64_t n) noexcept {
  if (n <= 0) return;
  counts_[bucket_index(ns)] += n;
  if (count_ == 0) {
    min_ = max_ = ns;
  } else {
    min_ = std::min(min_, ns);
    max_ = std::max(max_, ns);
  }
  // Welford/Chan update: stable for large means with small spread, unlike sum of squares.
  const auto old_count = static_cast<double>(count_);
  count_ += n;
  const double delta = static_cast<double>(ns) - mean_;
  const double weight = static_cast<double>(n) / static_cast<double>(count_);
  mean_ += delta * weight;
  m2_ += delta * delta * old_count * weight;
}

void histogram::record_corrected(std::int64_t ns, std::int64_t expected_interval_ns) noexcept {
  record(ns);
  if (expected_interval_ns <= 0) return;
  for (std::int64_t missing = ns - expected_interval_ns; missing >= expected_interval_ns;
       missing -= expected_interval_ns)
    record(missing);
}

double histogram::stddev() const noexcept {
  return count_ ? std::sqrt(m2_ / static_cast<double>(count_)) : 0.0;
}

std::int64_t histogram::value_at_percentile(double p) const noexcept {
  if (count_ == 0) return 0;
  if (p <= 0) return min_;
  if (p >= 100) return max_;
  // Nearest rank; the epsilon keeps p * n / 100 == 99.0 from rounding up to 100.
  const double exact_rank = p * static_cast<double>(count_) / 100.0;
  const auto rank = std::clamp<std::int64_t>(static_cast<std::int64_t>(std::ceil(exact_rank - 1e-9)), 1, count_);
  std::int64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      return std::clamp(detail::bucket_midpoint(i), min_, max_);
    }
  }
  return max_;
}

void histogram::merge(const histogram& other) noexcept {
  if (other.count_ == 0) return;
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  if (count_ == 0) {
    min_ = other.min_;
    max_ = other.max_;
  } else {
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
  const auto a = static_cast<double>(count_);
  const auto b = static_cast<double>(other.count_);
  const double delta = other.mean_ - mean_;
  count_ += other.count_;
  const auto n = static_cast<double>(count_);
  mean_ += delta * b / n;
  m2_ += other.m2_ + delta * delta * a * b / n;
}

nlohmann::json histogram::to_json() const {
  auto buckets = nlohmann::json::array();
  for (std::size_t i = 0; i < counts_.size(); ++i)
    if (counts_[i] != 0) buckets.push_back({i, counts_[i]});
  return {
      {"layout",
       {{"kind", "log_linear"},
        {"sub_bucket_bits", sub_bucket_bits},
        {"max_exponent", max_exponent},
        {"bucket_count", bucket_count}}},
      {"count", count_},
      {"min_ns", min()},
      {"max_ns", max()},
      // Integer ns, as every duration in reports; sub-ns precision is noise.
      {"mean_ns", std::llround(mean_)},
      {"stddev_ns", std::llround(stddev())},
      {"buckets", std::move(buckets)},
  };
}

histogram histogram::from_json(const nlohmann::json& j) {
  try {
    const auto& layout = j.at("layout");
    if (layout.at("kind") != "log_linear" || layout.at("sub_bucket_bits") != sub_bucket_bits ||
        layout.at("max_exponent") != max_exponent)
      throw error("histogram: unsupported layout " + layout.dump());
    histogram h;
    std::int64_t total = 0;
    for (const auto& b : j.at("buckets")) {
      const auto index = json_int64(b.at(0), "histogram: bucket index");
      const auto n = json_int64(b.at(1), "histogram: bucket count");
      if (index < 0 || index >= static_cast<std::int64_t>(bucket_count) || n < 0 ||
          n > std::numeric_limits<std::int64_t>::max() - total)
        throw error("histogram: bad bucket " + b.dump());
      h.counts_[static_cast<std::size_t>(index)] += n;
      total += n;
    }
    h.count_ = json_int64(j.at("count"), "histogram: count");
    if (h.count_ != total) throw error("histogram: count does not match the buckets");
    if (h.count_ > 0) {
      h.min_ = json_int64(j.at("min_ns"), "histogram: min_ns");
      h.max_ = json_int64(j.at("max_ns"), "histogram: max_ns");
      h.mean_ = static_cast<double>(json_int64(j.at("mean_ns"), "histogram: mean_ns"));
      const auto sd = static_cast<double>(json_int64(j.at("stddev_ns"), "histogram: stddev_ns"));
      if (h.min_ < 0 || h.max_ < h.min_ || sd < 0) throw error("histogram: min_ns, max_ns or stddev_ns out of range");
      h.m2_ = sd * sd * static_cast<double>(h.count_);
    }
    return h;
  } catch (const nlohmann::json::exception& e) {
    throw error(std::string("histogram: malformed JSON: ") + e.what());
  }
}

void for_each_recorded(const nlohmann::json& h, const std::function<void(const recorded_bucket&)>& fn) {
  if (!h.is_object() || !h.contains("buckets") || !h["buckets"].is_array()) return;
  // The exact ends, when the document has them, so the first and last buckets sit right.
  std::int64_t lo = 0;
  std::int64_t hi = histogram::highest_trackable_ns;
  if (h.contains("min_ns") && h.contains("max_ns")) {
    lo = json_int64(h["min_ns"], "histogram min_ns");
    hi = std::max(lo, json_int64(h["max_ns"], "histogram max_ns"));
  }
  for (const auto& b : h["buckets"]) {
    if (!b.is_array() || b.size() != 2) throw config_error("histogram bucket: expected [index, count], got " + b.dump());
    const auto index = json_int64(b[0], "histogram bucket");
    const auto count = json_int64(b[1], "histogram bucket");
    if (index < 0 || index >= static_cast<std::int64_t>(histogram::bucket_count) || count <= 0) continue;
    fn({std::clamp(detail::bucket_midpoint(static_cast<std::size_t>(index)), lo, hi), count});
  }
}

}  // namespace cutover::stats
