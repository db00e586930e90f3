#include "report/console.hpp"

#include <algorithm>
#include <cstdio>
#include <iomanip>
#include <map>
#include <set>
#include <sstream>

namespace cutover::report {
namespace {

std::string pad(std::string s, std::size_t w) {
  // Always at least one space, so a long value never runs into the next column.
  s.append(s.size() < w ? w - s.size() : 1, ' ');
  return s;
}

std::string errors_text(const stats::summary& s) {
  if (s.errors.empty()) return "0";
  std::string out;
  for (const auto& [k, v] : s.errors) out += (out.empty() ? "" : ",") + std::to_string(v) + " " + k;
  return out;
}

}  // namespace

std::string human_ns(double ns) {
  char buf[32];
  if (ns < 1e3) std::snprintf(buf, sizeof buf, "%.0f ns", ns);
  else if (ns < 1e6) std::snprintf(buf, sizeof buf, "%.1f us", ns / 1e3);
  else if (ns < 1e9) std::snprintf(buf, sizeof buf, "%.2f ms", ns / 1e6);
  else std::snprintf(buf, sizeof buf, "%.2f s", ns / 1e9);
  return buf;
}

std::string value_text(const nlohmann::json& v, const std::string& unit) {
  if (v.is_null()) return "-";
  if (v.is_object()) {
    std::string out;
    for (auto& [k, x] : v.items()) {
      bool ns = k.size() > 3 && k.ends_with("_ns");
      out += (out.empty() ? "" : ", ") + (ns ? k.substr(0, k.size() - 3) : k) + " " +
             (ns && x.is_number() ? human_ns(x.get<double>()) : x.is_string() ? x.get<std::string>() : x.dump());
    }
    return out;
  }
  if (unit == "ns" && v.is_number()) return human_ns(v.get<double>());
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", v.get<double>());
    return std::string(buf) + (unit.empty() ? "" : " " + unit);
  }
  return v.dump() + (unit.empty() || !v.is_number() ? "" : " " + unit);
}

void print_progress(std::ostream& os, const measurement& m) {
  os << "  " << pad(m.metric, 26) << pad(m.target, 9) << " n=" << pad(std::to_string(m.summary.count), 6)
     << " p50 " << pad(human_ns(static_cast<double>(m.summary.p50_ns)), 10) << " errors " << errors_text(m.summary)
     << '\n'
     << std::flush;
}

void print_measurements(std::ostream& os, const std::vector<measurement>& ms) {
  std::vector<std::string> targets;
  for (const auto& m : ms)
    if (std::find(targets.begin(), targets.end(), m.target) == targets.end()) targets.push_back(m.target);
  for (const auto& t : targets) {
    os << "\ntarget " << t << "\n  " << pad("metric", 26) << pad("n", 8) << pad("p50", 11) << pad("p99", 11)
       << pad("max", 11) << "errors\n";
    for (const auto& m : ms) {
      if (m.target != t) continue;
      const auto& s = m.summary;
      std::string p99 = s.claimed(99) ? human_ns(static_cast<double>(s.p99_ns)) : "(n<1000)";
      os << "  " << pad(m.metric, 26) << pad(std::to_string(s.count), 8)
         << pad(human_ns(static_cast<double>(s.p50_ns)), 11) << pad(p99, 11)
         << pad(human_ns(static_cast<double>(s.max_ns)), 11) << errors_text(s) << '\n';
    }
  }
  // The plan's headline: how much slower the tunnel is than the private network.
  bool header = false;
  for (const auto& a : ms) {
    if (a.target != "tunnel") continue;
    for (const auto& b : ms) {
      if (b.target != "private" || b.metric != a.metric || b.summary.p50_ns <= 0 || a.summary.count == 0) continue;
      if (!header) {
        os << "\ntunnel / private (p50)\n";
        header = true;
      }
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.1fx", static_cast<double>(a.summary.p50_ns) / static_cast<double>(b.summary.p50_ns));
      os << "  " << pad(a.metric, 26) << pad(buf, 9) << human_ns(static_cast<double>(a.summary.p50_ns)) << " vs "
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
