#include "monitor/outage.hpp"

#include <algorithm>

namespace cutover::monitor {

std::vector<span> merge(std::vector<span> spans) {
  std::erase_if(spans, [](const span& s) { return s.length_ns() == 0; });
  std::sort(spans.begin(), spans.end(), [](const span& a, const span& b) { return a.start_ns < b.start_ns; });
  std::vector<span> out;
  for (const auto& s : spans) {
    if (!out.empty() && s.start_ns <= out.back().end_ns) out.back().end_ns = std::max(out.back().end_ns, s.end_ns);
    else out.push_back(s);
  }
  return out;
}

std::int64_t overlap_ns(const std::vector<span>& sorted_union, std::int64_t from_ns, std::int64_t to_ns) {
  std::int64_t total = 0;
  for (const auto& s : sorted_union) total += span{std::max(s.start_ns, from_ns), std::min(s.end_ns, to_ns)}.length_ns();
  return total;
}

double uptime_pct(const std::vector<span>& down, const std::vector<span>& observed, std::int64_t from_ns,
                  std::int64_t to_ns) {
  auto seen = overlap_ns(merge(observed), from_ns, to_ns);
  if (seen <= 0) return 100.0;
  // Downtime only counts where someone was looking.
  std::vector<span> seen_down;
  for (const auto& o : merge(observed))
    for (const auto& d : merge(down))
      if (auto s = span{std::max(o.start_ns, d.start_ns), std::min(o.end_ns, d.end_ns)}; s.length_ns() > 0)
        seen_down.push_back(s);
  auto lost = overlap_ns(merge(std::move(seen_down)), from_ns, to_ns);
  return 100.0 * (1.0 - static_cast<double>(lost) / static_cast<double>(seen));
}

void outage_tracker::add(std::int64_t start_ns, std::int64_t end_ns, bool ok, std::string_view error) {
  end_ns = std::max(end_ns, start_ns);
  ++checks_;
  if (in_gap_ || observed_.empty()) {
    observed_.push_back({start_ns, end_ns});
    in_gap_ = false;
  } else {
    observed_.back().end_ns = std::max(observed_.back().end_ns, end_ns);
  }
  if (!ok) {
    ++failures_;
    if (!open_) {
      open_ = true;
      current_ = interval{{start_ns, end_ns}, std::string(error), true};
    }
    current_.when.end_ns = std::max(current_.when.end_ns, end_ns);
  } else if (open_) {
    close_at(end_ns);
  }
  last_end_ns_ = end_ns;
}

void outage_tracker::gap() {
  if (open_) close_at(current_.when.end_ns);
  in_gap_ = true;
}

void outage_tracker::close_at(std::int64_t end_ns) {
  current_.when.end_ns = end_ns;
  current_.open = false;
  open_ = false;
  closed_ns_ += current_.when.length_ns();
  ++closed_count_;
  if (closed_.size() < max_intervals_) closed_.push_back(std::move(current_));
  else ++dropped_;
  current_ = {};
}

std::vector<interval> outage_tracker::intervals() const {
  auto out = closed_;
  if (open_) out.push_back(current_);
  return out;
}

std::int64_t outage_tracker::downtime_ns() const noexcept {
  return closed_ns_ + (open_ ? current_.when.length_ns() : 0);
}

std::int64_t outage_tracker::observed_ns() const noexcept {
  std::int64_t total = 0;
  for (const auto& s : observed_) total += s.length_ns();
  return total;
}

double outage_tracker::uptime_pct() const noexcept {
  auto seen = observed_ns();
  if (seen <= 0) return 100.0;
  return 100.0 * (1.0 - static_cast<double>(std::min(downtime_ns(), seen)) / static_cast<double>(seen));
}

}  // namespace cutover::monitor
