#pragma once
/// The console sink: compact tables for people at a terminal.
#include <ostream>
#include <string>
#include <vector>

#include "report/format.hpp"
#include "report/report.hpp"

namespace cutover::report {

/// One progress line for a finished measurement.
void print_progress(std::ostream& os, const measurement& m);
/// Table per target (metric, n, p50, p99, max, errors), then the
/// tunnel/private ratio of p50 for every metric measured on both.
void print_measurements(std::ostream& os, const std::vector<measurement>& ms);
/// Each criterion (status, measured, threshold), then the decision and reasons.
void print_criteria(std::ostream& os, const report& r);

}  // namespace cutover::report
