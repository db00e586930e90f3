#pragma once
/// Formatting shared by every sink (console, Markdown, HTML, JUnit, criteria
/// details): durations, ratios, error counts and criterion values, written
/// once so the renderings agree.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "stats/recorder.hpp"

namespace cutover::report {

/// Nanoseconds as a short human duration ("999 ns", "41.2 us", "20.60 ms", "2.50 s").
std::string human_ns(double ns);
/// A ratio with an "x" ("242x", "24.2x", "1.27x", "0.991x").
std::string ratio_text(double ratio);
/// Failed samples by outcome ("2 timeout, 1 refused"), or "0".
std::string errors_text(const stats::summary& s);
/// A criterion's measured or threshold value for people ("41.2 us" for "ns",
/// "242 ratio", "max 2.00 ms, mean 500 ns" for an object of `_ns` fields).
std::string value_text(const nlohmann::json& v, const std::string& unit);
/// The same value in parts, one per field of an object ("max 2.00 ms", "mean 500 ns"),
/// so tables can put each on its own line; one part for a plain value.
std::vector<std::string> value_parts(const nlohmann::json& v, const std::string& unit);

}  // namespace cutover::report
