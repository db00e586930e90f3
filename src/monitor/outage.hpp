#pragma once
/// Outage accounting: intervals of one component from its checks, unions of
/// intervals across components, uptime over any window.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cutover::monitor {

/// A half-open time span [start_ns, end_ns) in Unix epoch nanoseconds.
struct span {
  std::int64_t start_ns = 0;  ///< inclusive
  std::int64_t end_ns = 0;    ///< exclusive
  /// end - start (0 when inverted).
  std::int64_t length_ns() const noexcept { return end_ns > start_ns ? end_ns - start_ns : 0; }
};

/// One outage: from the start of the first failed check to the end of the
/// first successful check after it (so its resolution is one check period).
struct interval {
  span when;                ///< start and end, epoch ns
  std::string first_error;  ///< "outcome: message" of the first failed check
  bool open = false;        ///< still down at the end of observation (end = the last failed check's end)
};

/// Sorted, non-overlapping union of spans.
std::vector<span> merge(std::vector<span> spans);
/// Total length of `sorted_union` inside [from_ns, to_ns).
std::int64_t overlap_ns(const std::vector<span>& sorted_union, std::int64_t from_ns, std::int64_t to_ns);
/// Uptime in percent inside [from_ns, to_ns): 100 * (1 - down / observed),
/// counting only time that was observed; 100 when nothing was observed there.
double uptime_pct(const std::vector<span>& down, const std::vector<span>& observed, std::int64_t from_ns,
                  std::int64_t to_ns);

/// Turns one component's checks (in time order) into outage intervals and
/// observed time. Keeps at most `max_intervals` intervals (later ones are
/// only summed), so memory is bounded however long it runs. Not thread-safe.
class outage_tracker {
public:
  /// Intervals kept by default.
  static constexpr std::size_t default_max_intervals = 10'000;
  /// An empty tracker.
  explicit outage_tracker(std::size_t max_intervals = default_max_intervals) : max_intervals_(max_intervals) {}

  /// Feeds one check that ran over [start_ns, end_ns]; `error` is its failure text.
  void add(std::int64_t start_ns, std::int64_t end_ns, bool ok, std::string_view error = {});
  /// The observer stopped (e.g. the monitor was killed): an open outage ends
  /// at the last failed check, and the next check starts a new observed span.
  void gap();

  /// True while the last check failed.
  bool down() const noexcept { return open_; }
  /// Start of the current outage (epoch ns); meaningful while down().
  std::int64_t down_since_ns() const noexcept { return current_.when.start_ns; }
  /// Every kept interval, the open one last (flagged open).
  std::vector<interval> intervals() const;
  /// Number of outages, including ones not kept and the open one.
  std::int64_t outage_count() const noexcept { return closed_count_ + (open_ ? 1 : 0); }
  /// Total downtime in ns, the open outage counted up to its last failed check.
  std::int64_t downtime_ns() const noexcept;
  /// Observed spans (one per uninterrupted run).
  const std::vector<span>& observed() const noexcept { return observed_; }
  /// Total observed time in ns.
  std::int64_t observed_ns() const noexcept;
  /// 100 * (1 - downtime / observed); 100 before any check.
  double uptime_pct() const noexcept;
  /// Checks fed.
  std::int64_t checks() const noexcept { return checks_; }
  /// Failed checks fed.
  std::int64_t failures() const noexcept { return failures_; }
  /// Outages summed but not kept (beyond max_intervals).
  std::int64_t dropped() const noexcept { return dropped_; }

private:
  std::size_t max_intervals_;
  std::vector<interval> closed_;
  std::vector<span> observed_;
  interval current_;
  bool open_ = false;
  bool in_gap_ = true;
  std::int64_t last_end_ns_ = 0;
  std::int64_t closed_ns_ = 0;
  std::int64_t closed_count_ = 0;
  std::int64_t dropped_ = 0;
  std::int64_t checks_ = 0;
  std::int64_t failures_ = 0;
  void close_at(std::int64_t end_ns);
};

}  // namespace cutover::monitor
