#include "compare/render.hpp"

#include <array>
#include <cstdio>

#include "report/format.hpp"
#include "report/html.hpp"
#include "report/render.hpp"

namespace cutover::compare {
namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string ratio_text(const std::optional<double>& r) { return r ? report::ratio_text(*r) : "n/a"; }

std::string interval_text(const row& r) {
  if (!r.ratio_lo || !r.ratio_hi) return "n/a";
  return "[" + ratio_text(r.ratio_lo) + ", " + ratio_text(r.ratio_hi) + "]";
}

// Below 1e-16 the normal approximation's tail is rounding noise (often exactly 0).
std::string p_text(const std::optional<double>& p) {
  if (!p) return "n/a";
  return *p < 1e-16 ? "< 1e-16" : fmt("%.2g", *p);
}

std::string ns_text(const std::optional<std::int64_t>& v) {
  return v ? report::human_ns(static_cast<double>(*v)) : std::string("n/a");
}

std::string pad(std::string s, std::size_t w) {
  if (s.size() < w) s.append(w - s.size(), ' ');
  return s;
}

std::string geomean_name(const comparison& c) {
  return "geometric mean (" + std::to_string(c.geomean.metrics) + (c.geomean.metrics == 1 ? " metric)" : " metrics)");
}

std::string row_name(const row& r) { return r.metric + (r.target.empty() ? "" : " (" + r.target + ")"); }

std::string subtitle(const comparison& c) {
  return "A = " + c.label_a + " (" + c.a.file + (c.a.run_id.empty() ? "" : ", run " + c.a.run_id) + "), B = " +
         c.label_b + (c.mode == "targets" ? "" : " (" + c.b.file + (c.b.run_id.empty() ? "" : ", run " + c.b.run_id) + ")") +
         "; ratio = A / B of medians, > 1 means B is faster";
}

std::string md_cell(std::string_view s) {
  std::string out;
  for (char ch : s) out += ch == '|' ? std::string("\\|") : ch == '\n' ? std::string("<br>") : std::string(1, ch);
  return out;
}

// The headline read first: A / B of the ratio metric with its interval ("" when not compared).
std::string headline(const comparison& c) {
  for (const auto& r : c.rows) {
    if (r.metric != c.opts.ratio_metric || !r.ratio) continue;
    return c.label_a + " / " + c.label_b + ": " + ratio_text(r.ratio) +
           (r.ratio_lo && r.ratio_hi ? " (" + fmt("%.0f", c.opts.confidence * 100) + "% interval " + ratio_text(r.ratio_lo) +
                                           " - " + ratio_text(r.ratio_hi) + ")"
                                     : std::string(" (no interval)")) +
           " on " + r.metric + " (median " + report::human_ns(r.a.median_ns) + " / " + report::human_ns(r.b.median_ns) + ")";
  }
  return {};
}

// The go/no-go report's JUnit and criteria encoding, reused for a comparison.
report::report as_report(const comparison& c) {
  report::report r;
  r.kind = "comparison";
  r.run = c.run;
  r.criteria = c.criteria;
  r.verdict = c.verdict;
  return r;
}

}  // namespace

void print_comparison(std::ostream& os, const comparison& c) {
  os << "A = " << c.label_a << ", B = " << c.label_b << " (ratio A / B of medians; > 1: B faster)\n\n  "
     << pad("metric", 34) << pad("A p50", 11) << pad("B p50", 11) << pad("ratio", 9) << pad("95% interval", 20)
     << pad("p", 9) << "change\n";
  for (const auto& r : c.rows)
    os << "  " << pad(row_name(r), 34) << pad(ns_text(r.a.p50_ns), 11) << pad(ns_text(r.b.p50_ns), 11)
       << pad(ratio_text(r.ratio), 9) << pad(interval_text(r), 20) << pad(p_text(r.p_value), 9)
       << to_string(r.classification) << '\n';
  os << "  " << pad("geometric mean", 34)
     << pad(c.geomean.a_ns ? report::human_ns(*c.geomean.a_ns) : "n/a", 11)
     << pad(c.geomean.b_ns ? report::human_ns(*c.geomean.b_ns) : "n/a", 11) << pad(ratio_text(c.geomean.ratio), 9)
     << pad("", 29) << to_string(c.geomean.classification) << '\n';
  for (const auto& r : c.rows)
    if (!r.note.empty()) os << "  note " << row_name(r) << ": " << r.note << '\n';
  for (const auto& n : c.notes) os << "note: " << n << '\n';
}

std::string render_markdown(const comparison& c) {
  std::string md = "## cutover compare: **" + std::string(report::to_string(c.verdict.decision)) + "**\n\n" +
                   md_cell(subtitle(c)) + "\n\n";
  for (const auto& reason : c.verdict.reasons) md += "- " + md_cell(reason) + "\n";
  if (auto h = headline(c); !h.empty()) md += "\n**" + md_cell(h) + "**\n";
  md += "\n| | criterion | measured | threshold | detail |\n|---|---|---|---|---|\n";
  for (const auto& k : c.criteria)
    md += "| " + std::string(report::to_string(k.status)) + " | `" + k.id + "` " + md_cell(k.title) + " | " +
          md_cell(report::value_text(k.measured, k.unit)) + " | " +
          md_cell(k.op + " " + report::value_text(k.threshold, k.unit)) + " | " + md_cell(k.detail) + " |\n";
  md += "\n| metric | A p50 | B p50 | A p90 | B p90 | A p99 | B p99 | ratio (p50) | " +
        fmt("%.0f", c.opts.confidence * 100) + "% interval | p | change |\n|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---|\n";
  for (const auto& r : c.rows)
    md += "| `" + r.metric + "`" + (r.target.empty() ? "" : " " + r.target) + " | " + ns_text(r.a.p50_ns) + " | " +
          ns_text(r.b.p50_ns) + " | " + ns_text(r.a.p90_ns) + " | " + ns_text(r.b.p90_ns) + " | " +
          ns_text(r.a.p99_ns) + " | " + ns_text(r.b.p99_ns) + " | " + ratio_text(r.ratio) + " | " + interval_text(r) +
          " | " + p_text(r.p_value) + " | " + std::string(to_string(r.classification)) + " |\n";
  md += "| **" + geomean_name(c) + "** | " +
        (c.geomean.a_ns ? report::human_ns(*c.geomean.a_ns) : "n/a") + " | " +
        (c.geomean.b_ns ? report::human_ns(*c.geomean.b_ns) : "n/a") + " | | | | | " + ratio_text(c.geomean.ratio) +
        " | | | " + std::string(to_string(c.geomean.classification)) + " |\n";
  std::string notes;
  for (const auto& r : c.rows)
    if (!r.note.empty()) notes += "- `" + row_name(r) + "`: " + md_cell(r.note) + "\n";
  for (const auto& n : c.notes) notes += "- " + md_cell(n) + "\n";
  if (!notes.empty()) md += "\nNotes:\n\n" + notes;
  return md;
}

std::string render_junit(const comparison& c) { return report::render_junit(as_report(c)); }

std::string render_html(const comparison& c) {
  using report::xml_escape;
  std::string body = report::html_banner(c.verdict, "cutover compare", subtitle(c)) + "<main>";
  if (auto h = headline(c); !h.empty())
    body += "<section class=\"first\" id=\"first\"><div class=\"headline\" id=\"headline-ratio\">" + xml_escape(h) +
            "</div></section>";
  if (!c.criteria.empty()) body += "<h2>Criteria</h2>" + report::html_criteria_table(c.criteria);

  std::vector<report::ratio_bar> bars;
  for (const auto& r : c.rows)
    if (r.ratio) bars.push_back({row_name(r), *r.ratio, r.ratio_lo, r.ratio_hi, std::string(to_string(r.classification))});
  if (c.geomean.ratio)
    bars.push_back({"geometric mean", *c.geomean.ratio, std::nullopt, std::nullopt,
                    std::string(to_string(c.geomean.classification))});
  std::optional<double> threshold;
  for (const auto& k : c.criteria)
    if (k.id == "db.latency.improvement") threshold = c.opts.min_ratio;
  body += "<h2>Ratios</h2>" +
          report::svg_ratio_bars("ratios", "A / B of medians, " + c.label_a + " / " + c.label_b, bars, threshold);

  body += "<h2>Metrics</h2><table id=\"comparison\"><thead><tr><th>change</th><th>metric</th><th>A p50</th><th>B p50</th>"
          "<th>A p99</th><th>B p99</th><th>ratio</th><th>interval</th><th>p</th><th>note</th></tr></thead><tbody>";
  for (const auto& r : c.rows)
    body += "<tr class=\"" + std::string(to_string(r.classification)) + "\"><td class=\"st\">" +
            std::string(to_string(r.classification)) + "</td><td><code>" + xml_escape(row_name(r)) +
            "</code></td><td class=\"num\">" + xml_escape(ns_text(r.a.p50_ns)) + "</td><td class=\"num\">" + xml_escape(ns_text(r.b.p50_ns)) +
            "</td><td class=\"num\">" + xml_escape(ns_text(r.a.p99_ns)) + "</td><td class=\"num\">" + xml_escape(ns_text(r.b.p99_ns)) +
            "</td><td class=\"num\">" + xml_escape(ratio_text(r.ratio)) + "</td><td class=\"num\">" + xml_escape(interval_text(r)) +
            "</td><td class=\"num\">" + xml_escape(p_text(r.p_value)) + "</td><td>" + xml_escape(r.note) + "</td></tr>";
  body += "<tr class=\"" + std::string(to_string(c.geomean.classification)) + "\"><td class=\"st\">" +
          std::string(to_string(c.geomean.classification)) + "</td><td>" + geomean_name(c) +
          "</td><td class=\"num\">" +
          xml_escape(c.geomean.a_ns ? report::human_ns(*c.geomean.a_ns) : "n/a") + "</td><td class=\"num\">" +
          xml_escape(c.geomean.b_ns ? report::human_ns(*c.geomean.b_ns) : "n/a") +
          "</td><td></td><td></td><td class=\"num\">" + xml_escape(ratio_text(c.geomean.ratio)) +
          "</td><td></td><td></td><td></td></tr></tbody></table>";

  bool plotted = false;
  for (std::size_t k = 0; k < c.rows.size(); ++k) {
    const auto& r = c.rows[k];
    if (r.a.histogram.is_null() && r.b.histogram.is_null()) continue;
    if (!plotted) body += "<h2>Latency distributions</h2>";
    plotted = true;
    std::vector<report::plot_series> series{{r.a.label, r.a.histogram}, {r.b.label, r.b.histogram}};
    const auto id = std::to_string(k);
    body += "<figure>" + report::svg_cdf("cdf-" + id, row_name(r) + ": cumulative distribution", series) +
            report::svg_histogram("hist-" + id, row_name(r) + ": histogram", series) + "<figcaption>" +
            xml_escape(r.a.label + ": n=" + std::to_string(r.a.count) + ", median " + report::human_ns(r.a.median_ns) +
                       "; " + r.b.label + ": n=" + std::to_string(r.b.count) + ", median " +
                       report::human_ns(r.b.median_ns)) +
            "</figcaption></figure>";
  }
  if (!plotted) body += "<p class=\"note\">No latency distributions: the inputs carry no histograms (Google Benchmark).</p>";
  for (const auto& n : c.notes) body += "<p class=\"note\">" + xml_escape(n) + "</p>";
  body += "</main>";
  return report::html_page("cutover compare " + c.label_a + " vs " + c.label_b, body);
}

std::string render_json(const comparison& c) { return to_json(c).dump(2) + "\n"; }

std::span<const report::sink<comparison>> sinks() {
  static constexpr std::array<report::sink<comparison>, 4> table{{
      {"json", "json", "compare.json", render_json},
      {"md", "md", "compare.md", render_markdown},
      {"junit", "xml", "", render_junit},
      {"html", "html", "compare.html", render_html},
  }};
  return table;
}

}  // namespace cutover::compare
