#include "report/summary.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "report/format.hpp"
#include "stats/compare.hpp"

namespace cutover::report {
namespace {

const measurement* side(const report& r, const std::string& metric, const std::string& name, const measurement* not_this) {
  // The declared path says which side a measurement is; the target name is the fallback.
  for (int pass = 0; pass < 2; ++pass)
    for (const auto& m : r.measurements) {
      if (m.metric != metric || &m == not_this || m.summary.count == 0) continue;
      if ((pass == 0 ? m.fingerprint.path : m.target) == name) return &m;
    }
  return nullptr;
}

}  // namespace

std::optional<headline_ratio> find_headline_ratio(const report& r, const std::string& metric) {
  const auto* a = side(r, metric, "tunnel", nullptr);
  const auto* b = a ? side(r, metric, "private", a) : nullptr;
  if (!a || !b) return std::nullopt;
  headline_ratio h;
  h.metric = metric;
  h.a_target = a->target;
  h.b_target = b->target;
  for (const auto& c : r.criteria)
    if (c.id == "db.latency.improvement") h.criterion = &c;
  if (!a->samples_ns.empty() && !b->samples_ns.empty()) {
    h.a_median_ns = stats::median(a->samples_ns);
    h.b_median_ns = stats::median(b->samples_ns);
    h.a_n = a->samples_ns.size();
    h.b_n = b->samples_ns.size();
    if (h.b_median_ns > 0) {
      const auto ci = stats::bootstrap_ratio_of_medians(a->samples_ns, b->samples_ns);
      h.ratio = ci.ratio;
      if (std::isfinite(ci.lo) && std::isfinite(ci.hi)) {
        h.lo = ci.lo;
        h.hi = ci.hi;
      }
      return h;
    }
  }
  h.a_median_ns = static_cast<double>(a->summary.p50_ns);
  h.b_median_ns = static_cast<double>(b->summary.p50_ns);
  h.a_n = static_cast<std::size_t>(a->summary.count);
  h.b_n = static_cast<std::size_t>(b->summary.count);
  if (h.b_median_ns <= 0) return std::nullopt;
  h.ratio = h.a_median_ns / h.b_median_ns;
  return h;
}

std::string ratio_with_interval(const headline_ratio& h) {
  if (h.lo && h.hi) return ratio_text(h.ratio) + " (95% interval " + ratio_text(*h.lo) + "-" + ratio_text(*h.hi) + ")";
  return ratio_text(h.ratio) + " (no interval: the report keeps no raw samples)";
}

std::vector<const criterion_result*> blocking_criteria(const report& r) {
  std::vector<const criterion_result*> out;
  for (const auto& c : r.criteria) {
    const bool blocks = c.status == status::fail || c.status == status::error || c.status == status::inconclusive ||
                        (c.status == status::skipped && c.severity == severity::primary);
    if (blocks) out.push_back(&c);
  }
  return out;
}

}  // namespace cutover::report
