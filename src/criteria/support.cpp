#include "criteria/support.hpp"

#include <cmath>

#include "core/error.hpp"
#include "report/format.hpp"
#include "stats/recorder.hpp"

namespace cutover::criteria::detail {

using report::criterion_result;
using report::status;

const target& require_target(const context& ctx, const std::string& name) {
  const auto* t = ctx.cfg.find(name);
  if (!t) throw error("no target named '" + name + "' in the config");
  return *t;
}

const pg_endpoint& require_pg(const context& ctx, const std::string& name) {
  const auto& t = require_target(ctx, name);
  if (!t.postgres) throw error("target '" + name + "' has no postgres endpoint");
  return *t.postgres;
}

pg::session_options pg_options(const context& ctx, const std::string& path) {
  return {ctx.within_run(ctx.cfg.timeouts.connect), ctx.within_run(ctx.cfg.timeouts.statement), path};
}

namespace {

double max_error_ratio(const context& ctx, std::string_view id) { return ctx.settings(id).max_error_ratio.value_or(0.01); }

}  // namespace

/// Shared judgement of a measured latency: present, mostly successful,
/// enough samples for the percentile, then compared with the threshold.
/// Returns the measurement when it is usable (status left for the caller).
const report::measurement* usable(const context& ctx, criterion_result& out, const std::string& metric,
                                  const std::string& target, double percentile) {
  const auto* m = ctx.find(metric, target);
  if (!m) {
    out.status = status::error;
    out.detail = metric + " on " + target + " was not measured";
    return nullptr;
  }
  const auto& s = m->summary;
  auto total = s.count + s.failures();
  if (s.count == 0) {
    out.status = status::fail;
    out.detail = metric + " on " + target + ": every sample failed";
    if (!s.error_messages.empty()) out.detail += " (" + s.error_messages.front() + ")";
    return nullptr;
  }
  double err = total ? static_cast<double>(s.failures()) / static_cast<double>(total) : 0;
  if (err > max_error_ratio(ctx, out.id)) {
    out.status = status::fail;
    out.detail = metric + " on " + target + ": " + std::to_string(s.failures()) + " of " + std::to_string(total) +
                 " samples failed";
    if (!s.error_messages.empty()) out.detail += " (" + s.error_messages.front() + ")";
    return nullptr;
  }
  // An open loop that did not apply its load measured something else.
  if (m->workload.is_object() && m->workload.value("valid", true) == false) {
    out.status = status::inconclusive;
    out.detail = metric + " on " + target + ": the open-loop measurement is invalid (" +
                 m->workload.value("invalid_reason", std::string("no reason recorded")) + ")";
    return nullptr;
  }
  // Sufficiency's other half: the clock must be far finer than the value.
  if (m->workload.is_object() && m->workload.contains("clock") && m->workload["clock"].is_object()) {
    const auto& c = m->workload["clock"];
    const auto res = c.value("resolution_ns", std::int64_t{0});
    const auto factor = c.value("claim_factor", std::int64_t{100});
    const auto value = percentile >= 99.9 ? s.p999_ns
                       : percentile >= 99 ? s.p99_ns
                       : percentile >= 95 ? s.p95_ns
                       : percentile >= 90 ? s.p90_ns
                                          : s.p50_ns;
    if (res > 0 && value < factor * res) {
      out.status = status::inconclusive;
      out.detail = metric + " on " + target + ": p" + std::to_string(static_cast<int>(percentile)) + " " +
                   std::to_string(value) + " ns is not far above the clock's resolution (" + std::to_string(res) +
                   " ns; needs " + std::to_string(factor) + "x)";
      return nullptr;
    }
  }
  if (!s.claimed(percentile)) {
    out.status = status::inconclusive;
    out.detail = metric + " on " + target + ": " + std::to_string(s.count) + " samples are too few to claim p" +
                 std::to_string(static_cast<int>(percentile)) + " (need " +
                 std::to_string(stats::samples_needed(percentile)) + ")";
    return nullptr;
  }
  return m;
}

/// p50 of a metric on a target below the criterion's threshold (a time).
void p50_below(const context& ctx, criterion_result& out, const std::string& metric, const std::string& target) {
  const auto limit = ctx.threshold_duration(*find(out.id)).count();
  out.threshold = limit;
  out.unit = "ns";
  const auto* m = usable(ctx, out, metric, target, 50);
  if (!m) return;
  const auto& s = m->summary;
  out.measured = s.p50_ns;
  out.status = s.p50_ns < limit ? status::pass : status::fail;
  out.detail = "p50 " + report::human_ns(static_cast<double>(s.p50_ns)) + " on " + target + " over " + std::to_string(s.count) +
               " samples";
  if (s.claimed(99)) out.detail += ", p99 " + report::human_ns(static_cast<double>(s.p99_ns));
  if (!m->fingerprint.resolved.empty()) out.detail += "; reached " + m->fingerprint.resolved;
  if (!m->fingerprint.server_addr.empty()) out.detail += " (server saw " + m->fingerprint.server_addr + ")";
}

std::int64_t trials_to_exceed(double limit_pct, std::int64_t had) {
  return limit_pct < 100 ? static_cast<std::int64_t>(std::ceil(100.0 / (100.0 - limit_pct))) : had + 1;
}

std::vector<need> one(std::string metric, std::string target) { return {need{std::move(metric), std::move(target)}}; }

}  // namespace cutover::criteria::detail
