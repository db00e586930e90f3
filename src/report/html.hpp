#pragma once
/// The HTML sink: one self-contained page (inline CSS and SVG, no script, no
/// external file) with the decision on top, the criteria in colour and
/// latency plots. The page parts are public so the comparison report
/// (src/compare) builds its page from the same pieces.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/report.hpp"

namespace cutover::report {

/// One latency distribution to plot: a label and a stats::histogram JSON.
struct plot_series {
  std::string label;        ///< legend text ("tunnel", "before", ...)
  nlohmann::json histogram; ///< stats::histogram::to_json(); null or empty draws nothing
};

/// One bar of a ratio chart: point estimate and optional interval.
struct ratio_bar {
  std::string label;         ///< row label ("pg.query.select1 (tunnel)")
  double ratio = 1;          ///< A / B
  std::optional<double> lo;  ///< lower bound of the interval
  std::optional<double> hi;  ///< upper bound of the interval
  std::string css_class;     ///< "improved", "regressed", "unchanged", "insufficient"
};

/// The go/no-go (or measurements) report as a page.
std::string render_html(const report& r);

/// A whole page: doctype, inline style sheet, `body_html` inside <body>.
std::string html_page(std::string_view title, std::string_view body_html);
/// The decision banner: decision word coloured, a subtitle, the reasons.
std::string html_banner(const std::optional<verdict>& v, std::string_view heading, std::string_view subtitle);
/// Criteria table with one coloured row per criterion.
std::string html_criteria_table(const std::vector<criterion_result>& cs);
/// SVG step plot of the cumulative distributions, log-scaled latency axis.
std::string svg_cdf(std::string_view id, std::string_view title, const std::vector<plot_series>& series);
/// SVG histogram (log-spaced bins, share of samples per bin), series overlaid.
std::string svg_histogram(std::string_view id, std::string_view title, const std::vector<plot_series>& series);
/// SVG horizontal bars of ratios on a log axis with interval whiskers, a line
/// at 1 and, when given, a dashed line at `threshold`.
std::string svg_ratio_bars(std::string_view id, std::string_view title, const std::vector<ratio_bar>& bars,
                           std::optional<double> threshold);

}  // namespace cutover::report
