#pragma once
/// What the criteria's evaluations share: the config's targets, PostgreSQL
/// session options, and the judgement of a measured latency. Internal to
/// src/criteria.
#include <string>
#include <vector>

#include "criteria/criteria.hpp"
#include "pg/session.hpp"

namespace cutover::criteria::detail {

/// The target named `name`; throws cutover::error when the config has none.
const target& require_target(const context& ctx, const std::string& name);
/// The postgres endpoint of target `name`; throws cutover::error when there is none.
const pg_endpoint& require_pg(const context& ctx, const std::string& name);
/// Session options with the config's deadlines; `path` names the session.
pg::session_options pg_options(const context& ctx, const std::string& path);

/// Shared judgement of a measured latency: present, mostly successful (the
/// criterion's `max_error_ratio`), a valid open loop, a clock far finer than
/// the value, enough samples for `percentile`. Returns the measurement when
/// it is usable; otherwise nullptr with `out`'s status and detail set.
const report::measurement* usable(const context& ctx, report::criterion_result& out, const std::string& metric,
                                  const std::string& target, double percentile);

/// p50 of `metric` on `target` below the criterion's threshold (a time).
void p50_below(const context& ctx, report::criterion_result& out, const std::string& metric, const std::string& target);

/// How many trials can show a rate above `limit_pct`: each tells 100 / n
/// percent apart, so fewer than 100 / (100 - limit) cannot; a limit of 100%
/// or more needs more than `had` (never enough).
std::int64_t trials_to_exceed(double limit_pct, std::int64_t had);

/// One measurement need.
std::vector<need> one(std::string metric, std::string target);

}  // namespace cutover::criteria::detail
