#pragma once
/// The console sink: compact tables for people at a terminal.
#include <ostream>
#include <vector>

#include "report/report.hpp"

namespace cutover::report {

/// Formats nanoseconds as a short human duration ("41.2 us", "20.6 ms").
std::string human_ns(double ns);

/// A criterion's measured or threshold value for people ("0.041 ms", "242 ratio").
std::string value_text(const nlohmann::json& v, const std::string& unit);

/// One progress line for a finished measurement.
void print_progress(std::ostream& os, const measurement& m);
/// Table per target (metric, n, p50, p99, max, errors), then the
/// tunnel/private ratio of p50 for every metric measured on both.
void print_measurements(std::ostream& os, const std::vector<measurement>& ms);
/// Each criterion (status, measured, threshold), then the decision and reasons.
void print_criteria(std::ostream& os, const report& r);

}  // namespace cutover::report
