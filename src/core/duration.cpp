#include "core/duration.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/error.hpp"

namespace cutover {

std::chrono::nanoseconds parse_duration(std::string_view text, std::string_view what) {
  auto bad = [&](const char* why) {
    return usage_error(std::string(what) + ": '" + std::string(text) + "' " + why +
                       " (expected e.g. 100ms, 60s, 5m, 48h, 7d)");
  };
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  if (i == 0) throw bad("has no number");
  std::string number(text.substr(0, i));
  char* end = nullptr;
  double value = std::strtod(number.c_str(), &end);
  if (end != number.c_str() + number.size()) throw bad("has a malformed number");
  auto unit = text.substr(i);
  double scale = 0;
  if (unit == "ns") scale = 1;
  else if (unit == "us") scale = 1e3;
  else if (unit == "ms") scale = 1e6;
  else if (unit == "s") scale = 1e9;
  else if (unit == "m" || unit == "min") scale = 60e9;
  else if (unit == "h") scale = 3600e9;
  else if (unit == "d") scale = 86400e9;
  else throw bad(unit.empty() ? "has no unit" : "has an unknown unit");
  double ns = value * scale;
  if (!(ns >= 1) || ns > 9e18) throw bad("is out of range");
  return std::chrono::nanoseconds(static_cast<std::int64_t>(std::llround(ns)));
}

std::string clock_text(std::chrono::nanoseconds d, bool tenths) {
  auto total_ds = std::max<std::int64_t>(0, d.count() / 100'000'000);  // deciseconds
  auto s = total_ds / 10;
  char buf[48];
  if (tenths)
    std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld.%lld", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60),
                  static_cast<long long>(total_ds % 10));
  else
    std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  return buf;
}

}  // namespace cutover
