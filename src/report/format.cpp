#include "report/format.hpp"

#include <cstdio>

namespace cutover::report {

std::string human_ns(double ns) {
  char buf[32];
  if (ns < 1e3) std::snprintf(buf, sizeof buf, "%.0f ns", ns);
  else if (ns < 1e6) std::snprintf(buf, sizeof buf, "%.1f us", ns / 1e3);
  else if (ns < 1e9) std::snprintf(buf, sizeof buf, "%.2f ms", ns / 1e6);
  else std::snprintf(buf, sizeof buf, "%.2f s", ns / 1e9);
  return buf;
}

std::vector<std::string> value_parts(const nlohmann::json& v, const std::string& unit) {
  if (v.is_null()) return {"-"};
  if (v.is_object()) {
    std::vector<std::string> out;
    for (auto& [k, x] : v.items()) {
      bool ns = k.size() > 3 && k.ends_with("_ns");
      out.push_back((ns ? k.substr(0, k.size() - 3) : k) + " " +
                    (ns && x.is_number() ? human_ns(x.get<double>()) : x.is_string() ? x.get<std::string>() : x.dump()));
    }
    return out;
  }
  if (unit == "ns" && v.is_number()) return {human_ns(v.get<double>())};
  if (v.is_string()) return {v.get<std::string>()};
  if (v.is_number_float()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", v.get<double>());
    return {std::string(buf) + (unit.empty() ? "" : " " + unit)};
  }
  return {v.dump() + (unit.empty() || !v.is_number() ? "" : " " + unit)};
}

std::string value_text(const nlohmann::json& v, const std::string& unit) {
  std::string out;
  for (const auto& p : value_parts(v, unit)) out += (out.empty() ? "" : ", ") + p;
  return out;
}

std::string ratio_text(double ratio) {
  char buf[32];
  std::snprintf(buf, sizeof buf, ratio >= 100 ? "%.0fx" : ratio >= 10 ? "%.1fx" : "%.3gx", ratio);
  return buf;
}

std::string errors_text(const stats::summary& s) {
  std::string out;
  for (const auto& [k, v] : s.errors) out += (out.empty() ? "" : ", ") + std::to_string(v) + " " + std::string(to_string(k));
  return out.empty() ? "0" : out;
}

}  // namespace cutover::report
