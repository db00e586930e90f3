#pragma once
/// The two commands' engines: `cutover monitor` (soak series over hours or
/// days) and `cutover downtime` (a 10 Hz stopwatch through a maintenance
/// window). Both fill the go/no-go report model.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <optional>
#include <span>
#include <ostream>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "monitor/checks.hpp"
#include "monitor/series.hpp"
#include "report/report.hpp"
#include "report/sink.hpp"

namespace cutover::monitor {

/// What `cutover monitor` does.
struct monitor_options {
  std::vector<std::string> targets;   ///< targets to check (empty: all)
  std::vector<std::string> watch;     ///< kinds: db, redis, api, pm2, host (empty: all configured)
  std::chrono::nanoseconds interval{std::chrono::seconds(60)};
  std::chrono::nanoseconds duration{std::chrono::hours(48)};  ///< of the whole series (a resume keeps the end)
  std::filesystem::path out_dir;      ///< samples.jsonl, report.json, report.md
  bool resume = false;                ///< continue out_dir/samples.jsonl
  check_options checks;
  std::string metrics_file;           ///< Prometheus text file ("" for none)
  std::string listen;                 ///< "127.0.0.1:PORT" serving /metrics ("" for none)
  std::string stage = "parallel-run"; ///< stage whose soak.uptime is evaluated
  std::optional<std::chrono::nanoseconds> hourly_p99;  ///< limit for the p99 of every hour and component
};

/// Runs the monitor until its end or `stop`; writes out_dir/report.json and
/// report.md (also every 5 minutes while running). `base` carries the run
/// metadata. Throws cutover::error for bad options before sampling starts.
report::report run_monitor(const config& cfg, const monitor_options& options, report::report base,
                           std::atomic<bool>& stop, std::ostream& log);

/// Builds the monitor's report from a series (used by run_monitor and tests).
report::report monitor_report(const config& cfg, const series_stats& stats, const series_header& header,
                              const monitor_options& options, report::report base);

/// The plan's "Metrics to Track" table (Day 0 / 1 / 3 / 7) and the outages, in Markdown, from a monitor report.
std::string render_metrics_to_track(const report::report& r);
/// The monitor report's sinks: json (report.json) and md (report.md, the
/// "Metrics to Track" table) in the --out folder.
std::span<const report::sink<report::report>> sinks();

/// What `cutover downtime` does.
struct downtime_options {
  std::string target;                      ///< target to watch ("" : "private" if present, else the first)
  std::vector<std::string> watch{"api", "db", "redis"};  ///< components: api, db, redis
  std::chrono::nanoseconds interval{std::chrono::milliseconds(100)};  ///< 10 Hz
  std::optional<std::chrono::nanoseconds> duration;  ///< stop after this (default: at SIGINT/SIGTERM)
  std::optional<std::chrono::nanoseconds> window;    ///< allowed downtime (default: config or 15 min)
  check_options checks;
  bool live = false;                        ///< redraw a status line on `status` (a terminal)
};

/// Watches until `stop` (or the duration), then returns the report with
/// downtime.total per component and for the service, and downtime.window evaluated.
report::report run_downtime(const config& cfg, const downtime_options& options, report::report base,
                            std::atomic<bool>& stop, std::ostream& status);

/// Builds the downtime report from the trackers (used by run_downtime and tests).
report::report downtime_report(const config& cfg, const series_stats& stats, const downtime_options& options,
                               report::report base);

/// "db down 00:02:13, redis up, api up" for the live line.
std::string status_line(const series_stats& stats, std::int64_t now_ns);

}  // namespace cutover::monitor
