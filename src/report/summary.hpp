#pragma once
/// What a decision-maker reads first, shared by the Markdown and HTML sinks:
/// the tunnel / private ratio with its interval, and the criteria that stand
/// in the way of GO. The details (every criterion, plots, tables) follow.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "report/report.hpp"

namespace cutover::report {

/// The migration's headline figure: query round trip through the tunnel over
/// the same query on the private network, from the report's own samples.
struct headline_ratio {
  std::string metric;            ///< the metric compared ("pg.query.select1")
  std::string a_target;          ///< the tunnel side's target name
  std::string b_target;          ///< the private side's target name
  double a_median_ns = 0;        ///< median of A's samples (or its p50)
  double b_median_ns = 0;        ///< median of B's samples (or its p50)
  std::size_t a_n = 0;           ///< samples behind A's median
  std::size_t b_n = 0;           ///< samples behind B's median
  double ratio = 0;              ///< A / B: > 1 means the private network is faster
  std::optional<double> lo;      ///< 95% bootstrap interval of the ratio of medians, lower bound
  std::optional<double> hi;      ///< upper bound
  const criterion_result* criterion = nullptr;  ///< db.latency.improvement when the report judged it
};

/// The headline ratio: `metric` on the tunnel (target or path "tunnel")
/// against the private network (path or target "private"); nullopt when the
/// report lacks either side or a side has no successful sample. The interval
/// needs raw samples on both sides (seeded bootstrap, 2000 resamples).
std::optional<headline_ratio> find_headline_ratio(const report& r, const std::string& metric = "pg.query.select1");

/// "242x (95% interval 230x-255x)" or "242x (no interval: no raw samples)".
std::string ratio_with_interval(const headline_ratio& h);

/// The criteria that stand in the way of GO, in report order: failed, in
/// error, inconclusive, and skipped primary ones (the policy counts those
/// as failed). Waived and passing criteria are not listed.
std::vector<const criterion_result*> blocking_criteria(const report& r);

}  // namespace cutover::report
