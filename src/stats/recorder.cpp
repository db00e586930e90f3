#include "stats/recorder.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.hpp"

namespace cutover::stats {
namespace {

struct percentile_field {
  double p;
  const char* label;
  std::int64_t summary::*field;
};
constexpr std::array<percentile_field, 5> reported{{
    {50.0, "p50", &summary::p50_ns},
    {90.0, "p90", &summary::p90_ns},
    {95.0, "p95", &summary::p95_ns},
    {99.0, "p99", &summary::p99_ns},
    {99.9, "p999", &summary::p999_ns},
}};

// Nearest rank on sorted values; same epsilon as the histogram so both agree.
std::int64_t nearest_rank(const std::vector<std::int64_t>& sorted, double p) {
  const auto n = static_cast<std::int64_t>(sorted.size());
  const auto rank = std::clamp<std::int64_t>(
      static_cast<std::int64_t>(std::ceil(p * static_cast<double>(n) / 100.0 - 1e-9)), 1, n);
  return sorted[static_cast<std::size_t>(rank - 1)];
}

}  // namespace

std::int64_t samples_needed(double percentile) noexcept {
  if (percentile <= 0 || percentile >= 100) return 1;
  // 1000 / (100 - p) == 10 / (1 - p/100); the epsilon absorbs 100 - 99.9 != 0.1.
  return static_cast<std::int64_t>(std::ceil(1000.0 / (100.0 - percentile) - 1e-6));
}

std::int64_t summary::failures() const noexcept {
  std::int64_t total = 0;
  for (const auto& [name, n] : errors) total += n;
  return total;
}

nlohmann::json summary::to_json() const {
  auto insufficient = nlohmann::json::array();
  for (const auto& r : reported)
    if (!claimed(r.p)) insufficient.push_back(r.label);
  nlohmann::json j{
      {"count", count},
      {"errors", errors},
      {"error_messages", error_messages},
      {"min_ns", min_ns},
  };
  for (const auto& r : reported) j[std::string(r.label) + "_ns"] = this->*r.field;
  j["max_ns"] = max_ns;
  j["mean_ns"] = std::llround(mean_ns);
  j["stddev_ns"] = std::llround(stddev_ns);
  j["exact"] = exact;
  j["insufficient"] = std::move(insufficient);
  return j;
}

summary summary::from_json(const nlohmann::json& j) {
  try {
    summary s;
    s.count = j.at("count").get<std::int64_t>();
    s.errors = j.at("errors").get<std::map<std::string, std::int64_t>>();
    s.error_messages = j.at("error_messages").get<std::vector<std::string>>();
    s.min_ns = j.at("min_ns").get<std::int64_t>();
    for (const auto& r : reported) s.*r.field = j.at(std::string(r.label) + "_ns").get<std::int64_t>();
    s.max_ns = j.at("max_ns").get<std::int64_t>();
    s.mean_ns = j.at("mean_ns").get<double>();
    s.stddev_ns = j.at("stddev_ns").get<double>();
    s.exact = j.at("exact").get<bool>();
    return s;
  } catch (const nlohmann::json::exception& e) {
    throw error(std::string("summary: malformed JSON: ") + e.what());
  }
}

recorder::recorder(std::size_t sample_cap) : sample_cap_(sample_cap) { samples_.reserve(sample_cap_); }

void recorder::record_failure(outcome o, std::string_view message) {
  ++failures_[static_cast<std::size_t>(o)];
  if (error_messages_.size() >= max_error_messages) return;
  std::string line(to_string(o));
  line += ": ";
  line += message;
  if (std::find(error_messages_.begin(), error_messages_.end(), line) == error_messages_.end())
    error_messages_.push_back(std::move(line));
}

void recorder::merge(const recorder& other) {
  const auto room = sample_cap_ - samples_.size();
  const auto take = std::min(room, other.samples_.size());
  samples_.insert(samples_.end(), other.samples_.begin(), other.samples_.begin() + static_cast<std::ptrdiff_t>(take));
  histogram_.merge(other.histogram_);
  for (std::size_t i = 0; i < outcome_count; ++i) failures_[i] += other.failures_[i];
  for (const auto& m : other.error_messages_) {
    if (error_messages_.size() >= max_error_messages) break;
    if (std::find(error_messages_.begin(), error_messages_.end(), m) == error_messages_.end())
      error_messages_.push_back(m);
  }
}

summary recorder::summarize() const {
  summary s;
  s.count = histogram_.count();
  for (std::size_t i = 0; i < outcome_count; ++i)
    if (failures_[i] != 0) s.errors[std::string(to_string(static_cast<outcome>(i)))] = failures_[i];
  s.error_messages = error_messages_;
  s.mean_ns = histogram_.mean();
  s.stddev_ns = histogram_.stddev();
  s.min_ns = histogram_.min();
  s.max_ns = histogram_.max();
  s.exact = static_cast<std::int64_t>(samples_.size()) == s.count;
  if (s.count == 0) return s;
  if (s.exact) {
    std::vector<std::int64_t> sorted(samples_.begin(), samples_.end());
    std::sort(sorted.begin(), sorted.end());
    for (const auto& r : reported) s.*r.field = nearest_rank(sorted, r.p);
  } else {
    for (const auto& r : reported) s.*r.field = histogram_.value_at_percentile(r.p);
  }
  return s;
}

nlohmann::json recorder::to_json() const {
  return {{"summary", summarize().to_json()}, {"histogram", histogram_.to_json()}};
}

}  // namespace cutover::stats
