#pragma once
/// A monitor series: samples as JSON lines (append, flush per sample,
/// resume after a kill), and the running statistics made from them with
/// fixed memory: outage intervals, uptime, latency per hour and day window
/// (histograms), PM2 restarts per day, host maxima per day.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/outcome.hpp"
#include "monitor/outage.hpp"
#include "stats/histogram.hpp"

namespace cutover::monitor {

/// One check of one component.
struct sample {
  std::int64_t seq = 0;         ///< position in the series (1, 2, ...), continued by --resume
  std::string component;        ///< "db", "redis.private", "host", "pm2", ...
  std::int64_t start_ns = 0;    ///< Unix epoch ns when the check started
  std::int64_t latency_ns = 0;  ///< how long the check took
  outcome result = outcome::ok;
  std::string message;          ///< failure detail (free of secrets)
  nlohmann::json values;        ///< readings (host, pm2), null for plain checks
  /// start + latency.
  std::int64_t end_ns() const noexcept { return start_ns + latency_ns; }
};

/// The first line of a series file.
struct series_header {
  std::string id;                        ///< series id (kept by --resume)
  std::int64_t started_ns = 0;           ///< Unix epoch ns; hour and day windows count from here
  std::int64_t interval_ns = 0;          ///< check period
  std::int64_t duration_ns = 0;          ///< planned length of the whole series
  std::vector<std::string> components;   ///< what is checked
};

/// One JSON line: {"type":"sample","seq":..,"component":..,"start_ns":..,"latency_ns":..,"outcome":..,"message":..,"values":..}.
std::string to_line(const sample& s);
/// {"type":"start","id":..,"started_ns":..,"interval_ns":..,"duration_ns":..,"components":[..]}.
std::string to_line(const series_header& h);
/// {"type":"resume","at_ns":..}: the monitor was restarted here (a gap in observation).
std::string resume_line(std::int64_t at_ns);
/// Parses a sample line's JSON; throws cutover::error when malformed.
sample sample_from_json(const nlohmann::json& j);

class series_stats;

/// What reading a series file found.
struct replay_result {
  series_header header;
  std::int64_t last_seq = 0;       ///< highest sample seq read
  std::int64_t samples = 0;        ///< samples read
  std::uintmax_t valid_bytes = 0;  ///< length of the file up to its last complete line
  bool truncated_tail = false;     ///< the last line was cut off (killed mid-write) and is ignored
  std::int64_t bad_lines = 0;      ///< complete lines that did not parse (skipped)
};

/// Reads a series file into `stats` (which must be empty): samples are
/// added, resume lines become gaps. A truncated last line is tolerated.
/// Throws cutover::error when the file is missing or has no start line.
replay_result replay(const std::filesystem::path& file, series_stats& stats);

/// Appends lines to a series file, flushed per line, so a killed process
/// loses at most the line being written. Not thread-safe.
class series_writer {
public:
  /// Opens `file` for appending after cutting it to `keep_bytes` (drops a truncated tail); throws cutover::error.
  series_writer(const std::filesystem::path& file, std::optional<std::uintmax_t> keep_bytes = std::nullopt);
  ~series_writer();
  series_writer(const series_writer&) = delete;
  series_writer& operator=(const series_writer&) = delete;
  /// Writes one line (a newline is added) and flushes it to the OS.
  void write(const std::string& line);

private:
  std::FILE* f_ = nullptr;
  std::filesystem::path file_;
};

/// Latency and availability of one component over one window (an hour or a day).
struct window_row {
  std::string component;
  std::string window;          ///< "hour" or "day"
  std::int64_t index = 0;      ///< windows since the series start (hour 0, 1, ...; day 0, 1, ...)
  std::int64_t start_ns = 0;   ///< epoch ns of the window start
  std::int64_t checks = 0;
  std::int64_t failures = 0;
  std::int64_t p50_ns = 0;     ///< of ok checks, from the window's histogram
  std::int64_t p90_ns = 0;
  std::int64_t p99_ns = 0;
  std::int64_t max_ns = 0;
  double uptime_pct = 100;     ///< time-based, see uptime_pct()
  /// JSON with integer _ns fields.
  nlohmann::json to_json() const;
};

/// Host readings and PM2 restarts over one day.
struct day_host {
  std::int64_t restarts = 0;          ///< PM2 restarts seen during the day (all processes)
  std::int64_t mem_used_max_bytes = 0;
  double mem_used_max_pct = 0;
  double disk_used_max_pct = 0;
  double load1_max = 0;
  bool host_seen = false;
  bool pm2_seen = false;
};

/// Running statistics of a series. Memory is bounded: per component one
/// run histogram and one open histogram per window kind (36 KiB each), a
/// small row per closed window, and at most outage_tracker's cap of
/// intervals. Not thread-safe (the runner holds a lock).
class series_stats {
public:
  /// Statistics anchored at `started_ns` (windows count from there).
  explicit series_stats(std::int64_t started_ns = 0) : started_ns_(started_ns) {}

  /// Re-anchors the windows (before any sample).
  void set_start(std::int64_t started_ns) noexcept { started_ns_ = started_ns; }
  /// Series start, epoch ns.
  std::int64_t started_ns() const noexcept { return started_ns_; }
  /// Adds one sample. Availability comes from `availability` (host readings do not count).
  void add(const sample& s, bool availability = true);
  /// The observer stopped: every component's open outage ends, observation restarts with the next sample.
  void gap();

  /// Per-component state.
  struct component {
    std::string name;
    bool availability = true;
    outage_tracker outages;
    stats::histogram latency;                           ///< ok checks, whole run
    std::map<outcome, std::int64_t> errors;             ///< failures by outcome
    std::vector<std::string> error_messages;            ///< first distinct ones
    outcome last = outcome::ok;
    std::string last_message;
    nlohmann::json last_values;
    std::int64_t last_latency_ns = 0;
    std::int64_t last_start_ns = 0;
    struct open_window {
      std::int64_t index = -1;
      stats::histogram latency;
      std::int64_t checks = 0;
      std::int64_t failures = 0;
    };
    open_window hour;                                   ///< current hour
    open_window day;                                    ///< current day
    std::vector<window_row> closed;                     ///< finished windows, hours and days
  };

  /// Components in order of first appearance.
  const std::vector<component>& components() const noexcept { return components_; }
  /// The component named `name`, or nullptr.
  const component* find(std::string_view name) const;
  /// Every window row (closed and the open ones), hours then days, by component.
  std::vector<window_row> windows() const;
  /// Day rows of host readings and PM2 restarts, by day index.
  const std::map<std::int64_t, day_host>& days() const noexcept { return days_; }
  /// Union of every availability component's outages (epoch ns).
  std::vector<span> service_down() const;
  /// Union of every availability component's observed spans.
  std::vector<span> service_observed() const;
  /// Time-based uptime of the service (all availability components up) in [from, to).
  double service_uptime_pct(std::int64_t from_ns, std::int64_t to_ns) const;
  /// Samples added.
  std::int64_t samples() const noexcept { return samples_; }
  /// Latest sample end (epoch ns).
  std::int64_t last_ns() const noexcept { return last_ns_; }

private:
  std::int64_t started_ns_;
  std::vector<component> components_;
  std::map<std::int64_t, day_host> days_;
  std::map<std::string, std::int64_t> pm2_last_restarts_;
  std::int64_t samples_ = 0;
  std::int64_t last_ns_ = 0;
  component& get(const std::string& name, bool availability);
  window_row row_of(const component& c, const component::open_window& w, const char* kind) const;
};

/// Hour and day lengths in ns.
inline constexpr std::int64_t hour_ns = 3'600'000'000'000;
inline constexpr std::int64_t day_ns = 24 * hour_ns;

}  // namespace cutover::monitor
