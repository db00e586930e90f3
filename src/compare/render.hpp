#pragma once
/// Sinks for comparison reports: console table, Markdown, JUnit XML and the
/// self-contained HTML page (built from report/html.hpp's pieces).
#include <ostream>
#include <span>
#include <string>

#include "compare/comparison.hpp"
#include "report/sink.hpp"

namespace cutover::compare {

/// Table of rows (A, B, ratio [interval], p, change), the geometric mean and notes.
void print_comparison(std::ostream& os, const comparison& c);
/// Markdown: decision, criteria, the comparison table, notes.
std::string render_markdown(const comparison& c);
/// JUnit XML: one testcase per criterion, as the go/no-go report's JUnit.
std::string render_junit(const comparison& c);
/// HTML page: decision, criteria, ratio bar chart, table, CDF and histogram per metric.
std::string render_html(const comparison& c);
/// The JSON contract as text (2-space indent, final newline).
std::string render_json(const comparison& c);

/// The comparison's sinks: json (compare.json), md (compare.md), junit (no
/// file in an output folder: gate's junit.xml already holds its criteria),
/// html (compare.html).
std::span<const report::sink<comparison>> sinks();

}  // namespace cutover::compare
