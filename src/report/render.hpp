#pragma once
/// Report sinks for people and CI: Markdown (a CI step summary or a PR
/// comment) and JUnit XML. Each renders a report as it is; a failed run is
/// data they show, never an exception.
#include <string>
#include <string_view>

#include "report/report.hpp"

namespace cutover::report {

/// Markdown: decision first, then criteria, then a latency table.
std::string render_markdown(const report& r);
/// JUnit XML: one testcase per criterion (failure / error / skipped as JUnit means them).
std::string render_junit(const report& r);
/// Escapes text for XML and HTML.
std::string xml_escape(std::string_view s);

}  // namespace cutover::report
