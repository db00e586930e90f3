#pragma once
/// Sinks for comparison reports: console table, Markdown, JUnit XML and the
/// self-contained HTML page (built from report/html.hpp's pieces).
#include <ostream>
#include <string>

#include "compare/comparison.hpp"

namespace cutover::compare {

/// Table of rows (A, B, ratio [interval], p, change), the geometric mean and notes.
void print_comparison(std::ostream& os, const comparison& c);
/// Markdown: decision, criteria, the comparison table, notes.
std::string render_markdown(const comparison& c);
/// JUnit XML: one testcase per criterion, as the go/no-go report's JUnit.
std::string render_junit(const comparison& c);
/// HTML page: decision, criteria, ratio bar chart, table, CDF and histogram per metric.
std::string render_html(const comparison& c);

}  // namespace cutover::compare
