// The criteria judged from a series: downtime and uptime, and the ones another command judges.
#include <cmath>
#include <cstdio>

#include "core/duration.hpp"
#include "core/error.hpp"
#include "criteria/checks.hpp"
#include "criteria/support.hpp"

namespace cutover::criteria {
namespace {

using report::criterion_result;
using report::status;
using json = nlohmann::json;

/// The series a `cutover downtime` or `cutover monitor` report wrote for
/// `metric`: the component named by the criterion's `target` setting (its
/// name into `name`), else the whole service; its numbers live in the
/// measurement's workload, which must hold `count_key` > 0. Otherwise nullptr
/// with `out` in error: not measured (`how` says how to measure it), or empty.
const report::measurement* series_measurement(const context& ctx, criterion_result& out, const std::string& metric,
                                              const char* count_key, const std::string& how, std::string& name) {
  name = ctx.settings(out.id).target.empty() ? "service" : ctx.settings(out.id).target;
  const auto* m = ctx.find(metric, name);
  out.status = status::error;
  if (!m) {
    out.detail = "not measured: " + how + " (no " + metric + " for '" + name + "')";
  } else if (m->workload.value(count_key, std::int64_t{0}) <= 0) {
    out.detail = metric + " on " + name + " holds no checks";
    m = nullptr;
  }
  return m;
}

std::string hms(std::int64_t ns) { return clock_text(std::chrono::nanoseconds(ns), true); }

std::string longest_outage(const json& w) {
  const json outages = w.value("outages", json::array());
  const json* longest = nullptr;
  for (const auto& o : outages)
    if (!longest || o.value("duration_ns", std::int64_t{0}) > longest->value("duration_ns", std::int64_t{0})) longest = &o;
  if (!longest) return "";
  return "; longest " + hms(longest->value("duration_ns", std::int64_t{0})) + " from " + longest->value("start", "") +
         " (" + longest->value("first_error", "") + ")";
}

// Threshold in minutes (config `threshold`; 15 for the DB switchover, 240 for the server move).
void eval_downtime_window(const context& ctx, criterion_result& out) {
  auto limit = ctx.threshold_duration(*find(out.id)).count();
  out.threshold = limit;
  out.unit = "ns";
  std::string name;
  const auto* m = series_measurement(ctx, out, "downtime.total", "observed_ns",
                                     "run `cutover downtime --watch api,db,redis --out R.json` through the maintenance "
                                     "window, then pass --measurements R.json",
                                     name);
  if (!m) return;
  const auto& w = m->workload;
  auto observed = w.value("observed_ns", std::int64_t{0});
  auto down = w.value("downtime_ns", std::int64_t{0});
  out.measured = down;
  bool still_down = w.value("still_down", false);
  out.status = down < limit && !still_down ? status::pass : status::fail;
  out.detail = name + " down " + hms(down) + " in " + std::to_string(w.value("outage_count", 0)) + " outage(s) over a " +
               hms(observed) + " watch (limit " + hms(limit) + ")" + longest_outage(w);
  if (still_down) out.detail += "; still down when the watch ended";
}

void eval_soak_uptime(const context& ctx, criterion_result& out) {
  double limit = ctx.threshold(*find(out.id));
  out.threshold = limit;
  out.unit = "%";
  std::string name;
  const auto* m = series_measurement(
      ctx, out, "soak.uptime", "checks",
      "run `cutover monitor --out DIR` over the period, then pass --measurements DIR/report.json", name);
  if (!m) return;
  const auto& w = m->workload;
  auto checks = w.value("checks", std::int64_t{0});
  double uptime = w.value("uptime_pct", 0.0);
  out.measured = uptime;
  auto needed = detail::trials_to_exceed(limit, checks);
  char pct[32];
  std::snprintf(pct, sizeof pct, "%.3f%%", uptime);
  out.detail = name + " up " + pct + " of " + hms(w.value("observed_ns", std::int64_t{0})) + " observed (" +
               std::to_string(checks) + " checks per component, " + std::to_string(w.value("outage_count", 0)) +
               " outage(s), down " + hms(w.value("downtime_ns", std::int64_t{0})) + ")" + longest_outage(w);
  if (uptime <= limit) {
    out.status = status::fail;
  } else if (checks < needed) {
    out.status = status::inconclusive;
    out.detail += "; " + std::to_string(checks) + " checks cannot resolve " + std::to_string(limit) + "% (need " +
                  std::to_string(needed) + ")";
  } else {
    out.status = status::pass;
  }
}

}  // namespace

void add_series_checks(std::vector<definition>& d) {
  using report::severity;
  using enum threshold_unit;
  d.push_back({"downtime.window", "Measured downtime of the switchover within the window", {"switchover"},
               severity::primary, "downtime.total", "<", 15.0, min, "ns", {"threshold", "target"}, nullptr,
               eval_downtime_window});
  d.push_back({"soak.uptime", "Uptime over the parallel run / monitoring period", {"parallel-run", "post-migration"},
               severity::primary, "soak.uptime", ">", 99.0, pct, "%", {"threshold", "target"}, nullptr, eval_soak_uptime});
  // Judged by the commands that hold their data (no stage: validate never
  // runs them); their limits are command-line options, not settings.
  d.push_back({"compare.no_regression", "No metric slower than the baseline beyond the limit (or lost)", {},
               severity::primary, "", "<=", 10.0, pct, "%", {}, nullptr, nullptr});
  d.push_back({"soak.hourly_p99", "p99 check latency of every hour below the limit", {}, severity::secondary,
               "soak.uptime", "<", 0, none, "ns", {}, nullptr, nullptr});
}

}  // namespace cutover::criteria
