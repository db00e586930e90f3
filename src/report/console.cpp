#include "report/console.hpp"

#include <algorithm>
#include <cstdio>
#include <iomanip>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>

namespace cutover::report {
namespace {

std::string pad(std::string s, std::size_t w) {
  // Always at least one space, so a long value never runs into the next column.
  s.append(s.size() < w ? w - s.size() : 1, ' ');
  return s;
}

}  // namespace

void print_progress(std::ostream& os, const measurement& m) {
  os << "  " << pad(m.metric, 26) << pad(m.target, 9) << " n=" << pad(std::to_string(m.summary.count), 6)
     << " p50 " << pad(human_ns(static_cast<double>(m.summary.p50_ns)), 10) << " errors " << errors_text(m.summary)
     << '\n'
     << std::flush;
}

void print_measurements(std::ostream& os, const std::vector<measurement>& ms) {
  // Grouped in one pass, in first-seen order (a report may hold 100,000 measurements).
  std::vector<std::string_view> targets;
  std::vector<std::vector<const measurement*>> of_target;
  std::unordered_map<std::string_view, std::size_t> index;
  for (const auto& m : ms) {
    auto [it, fresh] = index.try_emplace(m.target, targets.size());
    if (fresh) {
      targets.push_back(m.target);
      of_target.emplace_back();
    }
    of_target[it->second].push_back(&m);
  }
  for (std::size_t k = 0; k < targets.size(); ++k) {
    os << "\ntarget " << targets[k] << "\n  " << pad("metric", 26) << pad("n", 8) << pad("p50", 11) << pad("p99", 11)
       << pad("max", 11) << "errors\n";
    for (const auto* mp : of_target[k]) {
      const auto& m = *mp;
      const auto& s = m.summary;
      std::string p99 = s.claimed(99) ? human_ns(static_cast<double>(s.p99_ns)) : "(n<1000)";
      os << "  " << pad(m.metric, 26) << pad(std::to_string(s.count), 8)
         << pad(human_ns(static_cast<double>(s.p50_ns)), 11) << pad(p99, 11)
         << pad(human_ns(static_cast<double>(s.max_ns)), 11) << errors_text(s) << '\n';
    }
  }
  // The plan's headline: how much slower the tunnel is than the private network.
  bool header = false;
  std::unordered_multimap<std::string_view, const measurement*> private_by_metric;
  for (const auto& b : ms)
    if (b.target == "private") private_by_metric.emplace(b.metric, &b);
  for (const auto& a : ms) {
    if (a.target != "tunnel") continue;
    const auto [first, last] = private_by_metric.equal_range(a.metric);
    for (auto it = first; it != last; ++it) {
      const auto& b = *it->second;
      if (b.summary.p50_ns <= 0 || a.summary.count == 0) continue;
      if (!header) {
        os << "\ntunnel / private (p50)\n";
        header = true;
      }
      auto ratio = ratio_text(static_cast<double>(a.summary.p50_ns) / static_cast<double>(b.summary.p50_ns));
      os << "  " << pad(a.metric, 26) << pad(ratio, 9) << human_ns(static_cast<double>(a.summary.p50_ns)) << " vs "
         << human_ns(static_cast<double>(b.summary.p50_ns)) << '\n';
    }
  }
}

void print_criteria(std::ostream& os, const report& r) {
  os << '\n';
  for (const auto& c : r.criteria) {
    std::string st = std::string(to_string(c.status));
    for (auto& ch : st) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    os << "  " << pad(st, 13) << pad(c.id, 26) << pad(std::string(to_string(c.severity)), 10);
    if (!c.op.empty())
      os << "measured " << value_text(c.measured, c.unit) << " (need " << c.op << " " << value_text(c.threshold, c.unit)
         << ")";
    os << '\n';
    if (c.status != status::pass && !c.detail.empty()) os << "                 " << c.detail << '\n';
    if (!c.waiver.empty()) os << "                 waived: " << c.waiver << '\n';
  }
  for (const auto& n : r.notes) os << "  note: " << n << '\n';
  if (r.verdict) {
    os << "\nDecision: " << to_string(r.verdict->decision) << '\n';
    for (const auto& reason : r.verdict->reasons) os << "  - " << reason << '\n';
  }
}

}  // namespace cutover::report
