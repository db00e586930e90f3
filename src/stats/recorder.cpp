#include "stats/recorder.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/error.hpp"
#include "core/json_read.hpp"

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
  auto errors_json = nlohmann::json::object();
  for (const auto& [o, n] : errors) errors_json[std::string(to_string(o))] = n;
  nlohmann::json j{
      {"count", count},
      {"errors", errors_json},
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
  summary s;
  try {
    const auto ns = [&](const std::string& key) {
      const auto v = json_int64(j.at(key), key);
      if (v < 0) throw error(key + " " + std::to_string(v) + " is negative");
      return v;
    };
    s.count = json_int64(j.at("count"), "count");
    if (s.count < 0) throw error("count " + std::to_string(s.count) + " is negative");
    for (const auto& [name, n] : j.at("errors").items()) {
      const auto o = outcome_from_string(name);
      if (!o || *o == outcome::ok) throw error("errors." + name + ": not an outcome (timeout, refused, ...)");
      const auto v = json_int64(n, "errors." + name);
      if (v < 0) throw error("errors." + name + " " + std::to_string(v) + " is negative");
      if (v > std::numeric_limits<std::int64_t>::max() - s.failures()) throw error("errors: total out of range");
      s.errors[*o] = v;
    }
    s.error_messages = j.at("error_messages").get<std::vector<std::string>>();
    s.min_ns = ns("min_ns");
    for (const auto& r : reported) s.*r.field = ns(std::string(r.label) + "_ns");
    s.max_ns = ns("max_ns");
    s.mean_ns = static_cast<double>(ns("mean_ns"));
    s.stddev_ns = static_cast<double>(ns("stddev_ns"));
    s.exact = j.at("exact").get<bool>();
  } catch (const nlohmann::json::exception& e) {
    throw error(std::string("summary: malformed JSON: ") + e.what());
  } catch (const error& e) {
    throw error(std::string("summary: ") + e.what());
  }
  // Values no recorder can produce: a report that claims them was damaged or made up.
  if (s.count > 0) {
    std::int64_t last = s.min_ns;
    std::string last_name = "min_ns";
    for (const auto& r : reported) {
      if (s.*r.field < last)
        throw error("summary: " + std::string(r.label) + "_ns " + std::to_string(s.*r.field) + " is below " + last_name +
                    " " + std::to_string(last) + " (percentiles out of order)");
      last = s.*r.field;
      last_name = std::string(r.label) + "_ns";
    }
    if (s.max_ns < last)
      throw error("summary: max_ns " + std::to_string(s.max_ns) + " is below " + last_name + " " + std::to_string(last) +
                  " (percentiles out of order)");
    if (s.mean_ns < static_cast<double>(s.min_ns) || s.mean_ns > static_cast<double>(s.max_ns))
      throw error("summary: mean_ns is outside [min_ns, max_ns]");
  } else if (s.min_ns != 0 || s.max_ns != 0 || s.p50_ns != 0) {
    throw error("summary: latencies given for count 0");
  }
  return s;
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
    if (failures_[i] != 0) s.errors[static_cast<outcome>(i)] = failures_[i];
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
