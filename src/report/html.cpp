#include "report/html.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <unordered_map>

#include "report/format.hpp"
#include "report/render.hpp"
#include "report/summary.hpp"
#include "stats/histogram.hpp"

namespace cutover::report {
namespace {

using json = nlohmann::json;

// Colour-blind-safe pairs (Okabe-Ito): the first two series are the A/B or
// tunnel/private pair the page is about.
constexpr std::string_view palette[] = {"#d55e00", "#0072b2", "#009e73", "#cc79a7", "#e69f00", "#56b4e9"};
std::string_view colour(std::size_t i) { return palette[i % std::size(palette)]; }

constexpr double plot_w = 740, plot_h = 260, left = 70, right = 40, top = 34, bottom = 42;
constexpr double svg_w = left + plot_w + right;
constexpr double svg_h = top + plot_h + bottom;

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}


// A histogram's non-empty buckets as (representative value in ns, count),
// ascending; the midpoint is clamped to the exact min/max so the ends sit right.
std::vector<std::pair<double, double>> buckets_of(const json& h) {
  std::vector<std::pair<double, double>> out;
  stats::for_each_recorded(h, [&](const stats::recorded_bucket& b) {
    out.emplace_back(static_cast<double>(b.value_ns), static_cast<double>(b.count));
  });
  std::sort(out.begin(), out.end());
  return out;
}

// A log10 axis over whole decades covering every series.
struct log_axis {
  double lo10 = 0, hi10 = 1;
  double x(double v) const {
    const double l = std::log10(std::max(v, 1e-300));
    return left + plot_w * std::clamp((l - lo10) / (hi10 - lo10), 0.0, 1.0);
  }
};

std::optional<log_axis> axis_for(const std::vector<std::vector<std::pair<double, double>>>& all) {
  double mn = INFINITY, mx = 0;
  for (const auto& s : all)
    for (const auto& [v, c] : s) {
      if (c <= 0) continue;
      mn = std::min(mn, std::max(v, 1.0));
      mx = std::max(mx, std::max(v, 1.0));
    }
  if (mx <= 0) return std::nullopt;
  log_axis a{std::floor(std::log10(mn)), std::ceil(std::log10(mx))};
  if (a.hi10 <= a.lo10) a.hi10 = a.lo10 + 1;
  return a;
}

// Ticks at 1, 2, 5 x 10^k (labels on every one when the span is short, else decades only).
std::string x_ticks(const log_axis& a, std::string (*label)(double)) {
  std::string s;
  const bool minor_labels = a.hi10 - a.lo10 <= 3;
  for (double d = a.lo10; d <= a.hi10; ++d) {
    for (double m : {1.0, 2.0, 5.0}) {
      const double v = m * std::pow(10.0, d);
      if (std::log10(v) > a.hi10 + 1e-9) break;
      const double x = a.x(v);
      const bool major = m == 1.0;
      s += "<line class=\"grid" + std::string(major ? "" : " minor") + "\" x1=\"" + num(x) + "\" y1=\"" + num(top) +
           "\" x2=\"" + num(x) + "\" y2=\"" + num(top + plot_h) + "\"/>";
      if (major || minor_labels)
        s += "<text class=\"tick\" x=\"" + num(x) + "\" y=\"" + num(top + plot_h + 16) + "\" text-anchor=\"middle\">" +
             xml_escape(label(v)) + "</text>";
    }
  }
  return s;
}

std::string ns_label(double v) { return human_ns(v); }
std::string ratio_label(double v) { return ratio_text(v); }

std::string svg_open(std::string_view id, std::string_view title, double height) {
  return "<svg id=\"" + xml_escape(id) + "\" class=\"plot\" role=\"img\" viewBox=\"0 0 " + num(svg_w) + " " +
         num(height) + "\" width=\"" + num(svg_w) + "\" height=\"" + num(height) + "\"><title>" + xml_escape(title) +
         "</title><text class=\"ptitle\" x=\"" + num(left) + "\" y=\"20\">" + xml_escape(title) + "</text>";
}

std::string frame() {
  return "<rect class=\"frame\" x=\"" + num(left) + "\" y=\"" + num(top) + "\" width=\"" + num(plot_w) + "\" height=\"" +
         num(plot_h) + "\"/>";
}

std::string legend(const std::vector<plot_series>& series) {
  std::string s;
  double x = left + plot_w - 10;
  // In the title row, right-aligned (last series first), so it never hides a curve.
  for (std::size_t i = series.size(); i-- > 0;) {
    const auto text = xml_escape(series[i].label);
    x -= 14 + 7.5 * static_cast<double>(series[i].label.size());
    s += "<rect x=\"" + num(x) + "\" y=\"11\" width=\"10\" height=\"10\" fill=\"" + std::string(colour(i)) +
         "\"/><text class=\"legend\" x=\"" + num(x + 14) + "\" y=\"20\">" +
         text + "</text>";
    x -= 12;
  }
  return s;
}

std::string empty_plot(std::string_view id, std::string_view title) {
  return svg_open(id, title, svg_h) + frame() + "<text class=\"tick\" x=\"" + num(left + plot_w / 2) + "\" y=\"" +
         num(top + plot_h / 2) + "\" text-anchor=\"middle\">no latency data</text></svg>";
}

std::string status_class(status s) { return std::string(to_string(s)); }

// A measured or threshold value, one field per line so numbers never break mid-way.
std::string value_cell(const json& v, const std::string& unit, const std::string& prefix) {
  std::string s;
  for (const auto& p : value_parts(v, unit))
    s += (s.empty() ? "" : "<br>") + std::string("<span class=\"nw\">") + xml_escape(prefix + p) + "</span>";
  return s;
}

std::string decision_class(const std::optional<verdict>& v) {
  if (!v) return "none";
  switch (v->decision) {
    case decision::go: return "go";
    case decision::no_go: return "no-go";
    case decision::inconclusive: return "inconclusive";
  }
  return "none";
}

constexpr std::string_view style = R"css(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d1d1f;background:#fafafa}
main{max-width:1000px;margin:0 auto;padding:0 16px 40px}
.banner{padding:18px 24px;color:#fff;margin-bottom:16px}
.banner h1{margin:0;font-size:30px;letter-spacing:.02em}
.banner p{margin:4px 0 0;opacity:.95}
.banner ul{margin:8px 0 0;padding-left:20px}
.banner.go{background:#1a7f37}.banner.no-go{background:#b42318}.banner.inconclusive{background:#b54708}.banner.none{background:#475467}
h2{font-size:18px;margin:26px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px}
th,td{border:1px solid #e3e3e3;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f2f4f7}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.val{text-align:right;font-variant-numeric:tabular-nums;overflow-wrap:break-word}
.nw{white-space:nowrap}
.first{background:#fff;border:1px solid #e3e3e3;padding:12px 16px;margin:0 0 8px}
.first h2{margin:6px 0 8px;border:0;padding:0}
.ratio{font-size:30px;font-weight:700;font-variant-numeric:tabular-nums}
.ratio .ci{font-size:16px;font-weight:400;color:#475467}
.ratio.pass{color:#1a7f37}.ratio.fail{color:#b42318}.ratio.other{color:#b54708}
.allclear{color:#085d3a;font-weight:600}
.headline{font-size:18px;font-weight:700;font-variant-numeric:tabular-nums}
tr.pass td.st,tr.improved td.st{background:#dcfae6;color:#085d3a;font-weight:600}
tr.fail td.st,tr.error td.st,tr.regressed td.st{background:#fee4e2;color:#912018;font-weight:600}
tr.skipped td.st,tr.unchanged td.st{background:#f2f4f7;color:#344054;font-weight:600}
tr.waived td.st,tr.inconclusive td.st,tr.insufficient td.st{background:#fef0c7;color:#93370d;font-weight:600}
figure{margin:12px 0;background:#fff;border:1px solid #e3e3e3;padding:6px}
figcaption{font-size:12px;color:#475467;padding:0 4px}
svg.plot{display:block;max-width:100%;height:auto;font-size:12px}
svg .frame{fill:none;stroke:#98a2b3}
svg .grid{stroke:#e4e7ec}svg .grid.minor{stroke:#f2f4f7}
svg .tick,svg .legend{fill:#344054}
svg .ptitle{font-weight:600;fill:#101828}
svg .cdf{fill:none;stroke-width:2}
svg .bar.improved{fill:#12b76a}svg .bar.regressed{fill:#f04438}svg .bar.unchanged{fill:#98a2b3}svg .bar.insufficient{fill:#fdb022}
svg .whisker{stroke:#101828;stroke-width:1.5}
svg .one{stroke:#101828}svg .threshold{stroke:#b42318;stroke-dasharray:5 4}
.note{color:#475467;font-size:13px}
code{font-size:12px}
)css";

}  // namespace

std::string html_page(std::string_view title, std::string_view body_html) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/><meta name=\"viewport\" "
         "content=\"width=device-width, initial-scale=1\"/><title>" +
         xml_escape(title) + "</title><style>" + std::string(style) + "</style></head><body>" + std::string(body_html) +
         "</body></html>\n";
}

std::string html_banner(const std::optional<verdict>& v, std::string_view heading, std::string_view subtitle) {
  std::string s = "<header class=\"banner " + decision_class(v) + "\" id=\"decision\"><h1>" + xml_escape(heading) + ": " +
                  (v ? std::string(to_string(v->decision)) : std::string("no decision (measurements only)")) +
                  "</h1><p>" + xml_escape(subtitle) + "</p>";
  if (v && !v->reasons.empty()) {
    s += "<ul>";
    for (const auto& r : v->reasons) s += "<li>" + xml_escape(r) + "</li>";
    s += "</ul>";
  }
  return s + "</header>";
}

std::string html_criteria_table(const std::vector<criterion_result>& cs) {
  std::string s = "<table id=\"criteria\"><thead><tr><th>status</th><th>criterion</th><th>severity</th><th>measured</th>"
                  "<th>threshold</th><th>detail</th></tr></thead><tbody>";
  for (const auto& c : cs) {
    s += "<tr class=\"" + status_class(c.status) + "\"><td class=\"st\">" + xml_escape(to_string(c.status)) +
         "</td><td><code>" + xml_escape(c.id) + "</code> " + xml_escape(c.title) + "</td><td>" +
         xml_escape(to_string(c.severity)) + "</td><td class=\"val\">" + value_cell(c.measured, c.unit, "") +
         "</td><td class=\"val\">" + (c.op.empty() ? "" : value_cell(c.threshold, c.unit, c.op + " ")) + "</td><td>" + xml_escape(c.detail) + (c.waiver.empty() ? "" : " (waived: " + xml_escape(c.waiver) + ")") +
         "</td></tr>";
  }
  return s + "</tbody></table>";
}

std::string svg_cdf(std::string_view id, std::string_view title, const std::vector<plot_series>& series) {
  std::vector<std::vector<std::pair<double, double>>> data;
  for (const auto& s : series) data.push_back(buckets_of(s.histogram));
  auto axis = axis_for(data);
  if (!axis) return empty_plot(id, title);
  std::string s = svg_open(id, title, svg_h) + x_ticks(*axis, ns_label);
  for (double q : {0.25, 0.5, 0.75, 0.9, 0.99}) {
    const double y = top + plot_h * (1 - q);
    s += "<line class=\"grid minor\" x1=\"" + num(left) + "\" y1=\"" + num(y) + "\" x2=\"" + num(left + plot_w) +
         "\" y2=\"" + num(y) + "\"/>";
  }
  for (double q : {0.0, 0.5, 0.9, 1.0})
    s += "<text class=\"tick\" x=\"" + num(left - 6) + "\" y=\"" + num(top + plot_h * (1 - q) + 4) +
         "\" text-anchor=\"end\">" + (q == 0.5 ? "p50" : q == 0.9 ? "p90" : q == 0.0 ? "0" : "1") + "</text>";
  s += frame();
  for (std::size_t i = 0; i < data.size(); ++i) {
    double total = 0;
    for (const auto& [v, c] : data[i]) total += c;
    if (total <= 0) continue;
    // A step function: flat until each bucket, then up by its share.
    std::string d = "M" + num(axis->x(data[i].front().first)) + "," + num(top + plot_h);
    double cum = 0;
    for (const auto& [v, c] : data[i]) {
      cum += c;
      d += " H" + num(axis->x(v)) + " V" + num(top + plot_h * (1 - cum / total));
    }
    d += " H" + num(left + plot_w);
    s += "<path class=\"cdf\" stroke=\"" + std::string(colour(i)) + "\" d=\"" + d + "\"/>";
  }
  s += legend(series);
  s += "<text class=\"tick\" x=\"" + num(left + plot_w / 2) + "\" y=\"" + num(svg_h - 6) +
       "\" text-anchor=\"middle\">latency (log scale); y: share of samples at or below</text>";
  return s + "</svg>";
}

std::string svg_histogram(std::string_view id, std::string_view title, const std::vector<plot_series>& series) {
  std::vector<std::vector<std::pair<double, double>>> data;
  for (const auto& s : series) data.push_back(buckets_of(s.histogram));
  auto axis = axis_for(data);
  if (!axis) return empty_plot(id, title);
  // Log-spaced bins, a fixed number per decade, so shapes compare across series.
  constexpr int per_decade = 20;
  const auto bins = static_cast<std::size_t>((axis->hi10 - axis->lo10) * per_decade);
  std::vector<std::vector<double>> share(data.size(), std::vector<double>(bins, 0.0));
  double peak = 0;
  for (std::size_t i = 0; i < data.size(); ++i) {
    double total = 0;
    for (const auto& [v, c] : data[i]) total += c;
    if (total <= 0) continue;
    for (const auto& [v, c] : data[i]) {
      const double pos = (std::log10(std::max(v, 1.0)) - axis->lo10) * per_decade;
      const auto b = std::min(bins - 1, static_cast<std::size_t>(std::max(0.0, pos)));
      share[i][b] += c / total;
    }
    peak = std::max(peak, *std::max_element(share[i].begin(), share[i].end()));
  }
  std::string s = svg_open(id, title, svg_h) + x_ticks(*axis, ns_label);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f%%", peak * 100);
  s += "<text class=\"tick\" x=\"" + num(left - 6) + "\" y=\"" + num(top + 4) + "\" text-anchor=\"end\">" + buf +
       "</text><text class=\"tick\" x=\"" + num(left - 6) + "\" y=\"" + num(top + plot_h + 4) +
       "\" text-anchor=\"end\">0</text>" + frame();
  const double bw = plot_w / static_cast<double>(bins);
  for (std::size_t i = 0; i < data.size(); ++i) {
    s += "<g fill=\"" + std::string(colour(i)) + "\" fill-opacity=\"0.55\">";
    for (std::size_t b = 0; b < bins; ++b) {
      if (share[i][b] <= 0 || peak <= 0) continue;
      const double h = plot_h * share[i][b] / peak;
      s += "<rect x=\"" + num(left + bw * static_cast<double>(b)) + "\" y=\"" + num(top + plot_h - h) + "\" width=\"" +
           num(bw) + "\" height=\"" + num(h) + "\"/>";
    }
    s += "</g>";
  }
  s += legend(series);
  s += "<text class=\"tick\" x=\"" + num(left + plot_w / 2) + "\" y=\"" + num(svg_h - 6) +
       "\" text-anchor=\"middle\">latency (log scale); y: share of samples per bin</text>";
  return s + "</svg>";
}

std::string svg_ratio_bars(std::string_view id, std::string_view title, const std::vector<ratio_bar>& bars,
                           std::optional<double> threshold) {
  constexpr double row_h = 26;
  constexpr double label_w = 250;
  if (bars.empty()) return empty_plot(id, title);
  std::vector<std::pair<double, double>> extent{{1.0, 1.0}};
  for (const auto& b : bars) {
    for (double v : {b.ratio, b.lo.value_or(b.ratio), b.hi.value_or(b.ratio)})
      if (v > 0 && std::isfinite(v)) extent.emplace_back(v, 1.0);
  }
  if (threshold && *threshold > 0) extent.emplace_back(*threshold, 1.0);
  // Ratios may be below 1; the axis works in ratio units, not ns, so shift
  // it by the smallest decade instead of clamping at 1.
  double mn = INFINITY, mx = 0;
  for (const auto& [v, c] : extent) mn = std::min(mn, v), mx = std::max(mx, v);
  log_axis a{std::floor(std::log10(mn)), std::ceil(std::log10(mx))};
  if (a.hi10 <= a.lo10) a.hi10 = a.lo10 + 1;
  const double height = top + row_h * static_cast<double>(bars.size()) + bottom;
  const double inner_left = left + label_w;
  const double inner_w = plot_w - label_w;
  auto x = [&](double v) {
    const double l = std::log10(std::max(v, 1e-300));
    return inner_left + inner_w * std::clamp((l - a.lo10) / (a.hi10 - a.lo10), 0.0, 1.0);
  };
  const double bottom_y = top + row_h * static_cast<double>(bars.size());
  std::string s = svg_open(id, title, height);
  for (double d = a.lo10; d <= a.hi10; ++d) {
    for (double m : {1.0, 2.0, 5.0}) {
      const double v = m * std::pow(10.0, d);
      if (std::log10(v) > a.hi10 + 1e-9) break;
      s += "<line class=\"grid" + std::string(m == 1.0 ? "" : " minor") + "\" x1=\"" + num(x(v)) + "\" y1=\"" +
           num(top) + "\" x2=\"" + num(x(v)) + "\" y2=\"" + num(bottom_y) + "\"/>";
      if (m == 1.0 || a.hi10 - a.lo10 <= 2)
        s += "<text class=\"tick\" x=\"" + num(x(v)) + "\" y=\"" + num(bottom_y + 16) + "\" text-anchor=\"middle\">" +
             xml_escape(ratio_label(v)) + "</text>";
    }
  }
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const auto& b = bars[i];
    const double y = top + row_h * static_cast<double>(i);
    const double x0 = x(1.0);
    const double x1 = std::isfinite(b.ratio) && b.ratio > 0 ? x(b.ratio) : x0;
    s += "<text class=\"tick\" x=\"" + num(inner_left - 8) + "\" y=\"" + num(y + row_h / 2 + 4) +
         "\" text-anchor=\"end\">" + xml_escape(b.label) + "</text>";
    s += "<rect class=\"bar " + xml_escape(b.css_class) + "\" x=\"" + num(std::min(x0, x1)) + "\" y=\"" + num(y + 5) +
         "\" width=\"" + num(std::max(1.0, std::abs(x1 - x0))) + "\" height=\"" + num(row_h - 10) + "\"><title>" +
         xml_escape(b.label + ": " + ratio_text(b.ratio)) + "</title></rect>";
    if (b.lo && b.hi && std::isfinite(*b.lo) && std::isfinite(*b.hi)) {
      const double cy = y + row_h / 2;
      s += "<line class=\"whisker\" x1=\"" + num(x(*b.lo)) + "\" y1=\"" + num(cy) + "\" x2=\"" + num(x(*b.hi)) +
           "\" y2=\"" + num(cy) + "\"/>";
      for (double w : {*b.lo, *b.hi})
        s += "<line class=\"whisker\" x1=\"" + num(x(w)) + "\" y1=\"" + num(cy - 6) + "\" x2=\"" + num(x(w)) +
             "\" y2=\"" + num(cy + 6) + "\"/>";
    }
    s += "<text class=\"tick\" x=\"" + num(std::max(x0, x1) + 6) + "\" y=\"" + num(y + row_h / 2 - 6) + "\">" +
         xml_escape(ratio_text(b.ratio)) + "</text>";
  }
  s += "<line class=\"one\" x1=\"" + num(x(1.0)) + "\" y1=\"" + num(top) + "\" x2=\"" + num(x(1.0)) + "\" y2=\"" +
       num(bottom_y) + "\"/>";
  if (threshold && *threshold > 0)
    s += "<line class=\"threshold\" x1=\"" + num(x(*threshold)) + "\" y1=\"" + num(top) + "\" x2=\"" +
         num(x(*threshold)) + "\" y2=\"" + num(bottom_y) + "\"><title>threshold " + xml_escape(ratio_text(*threshold)) +
         "</title></line>";
  s += "<text class=\"tick\" x=\"" + num(inner_left + inner_w / 2) + "\" y=\"" + num(height - 6) +
       "\" text-anchor=\"middle\">ratio A / B of medians (log scale; &gt; 1: B faster), 95% interval</text>";
  return s + "</svg>";
}

namespace {

// The part read first, under the decision: the tunnel / private ratio and
// what stands in the way of GO (measured against what was needed).
std::string first_read(const report& r) {
  std::string s = "<section class=\"first\" id=\"first\">";
  if (auto h = find_headline_ratio(r)) {
    std::string cls = "other";
    std::string verdict_text;
    if (h->criterion) {
      cls = h->criterion->status == status::pass ? "pass" : h->criterion->status == status::fail ? "fail" : "other";
      verdict_text = " <code>" + xml_escape(h->criterion->id) + "</code> " + xml_escape(to_string(h->criterion->status)) +
                     (h->criterion->op.empty() ? "" : " (need " + xml_escape(h->criterion->op + " " +
                                                                            value_text(h->criterion->threshold, "")) + ")");
    }
    s += "<h2>Tunnel / private</h2><div class=\"ratio " + cls + "\" id=\"headline-ratio\">" + xml_escape(ratio_text(h->ratio)) +
         " <span class=\"ci\">" +
         xml_escape(h->lo && h->hi ? "95% interval " + ratio_text(*h->lo) + " - " + ratio_text(*h->hi)
                                   : std::string("no interval: the report keeps no raw samples")) +
         "</span></div><p class=\"note\"><code>" + xml_escape(h->metric) + "</code> median " + xml_escape(h->a_target) +
         " " + xml_escape(human_ns(h->a_median_ns)) + " (n=" + std::to_string(h->a_n) + ") / " + xml_escape(h->b_target) +
         " " + xml_escape(human_ns(h->b_median_ns)) + " (n=" + std::to_string(h->b_n) + ");" + verdict_text + "</p>";
  }
  const auto blocking = blocking_criteria(r);
  if (!blocking.empty()) {
    s += "<h2>Standing in the way of GO (" + std::to_string(blocking.size()) + ")</h2>"
         "<table id=\"blocking\"><thead><tr><th>status</th><th>criterion</th><th>severity</th><th>measured</th>"
         "<th>needed</th></tr></thead><tbody>";
    for (const auto* c : blocking)
      s += "<tr class=\"" + status_class(c->status) + "\"><td class=\"st\">" + xml_escape(to_string(c->status)) +
           "</td><td><code>" + xml_escape(c->id) + "</code> " + xml_escape(c->title) + "</td><td>" +
           xml_escape(to_string(c->severity)) + "</td><td class=\"val\">" + value_cell(c->measured, c->unit, "") +
           "</td><td class=\"val\">" + (c->op.empty() ? "" : value_cell(c->threshold, c->unit, c->op + " ")) +
           "</td></tr>";
    s += "</tbody></table>";
  } else if (!r.criteria.empty()) {
    s += "<p class=\"allclear\">Nothing stands in the way: every criterion passed or was waived with a reason.</p>";
  }
  return s + "</section>";
}

}  // namespace

std::string render_html(const report& r) {
  std::string subtitle = "cutover " + r.run.command + (r.run.stage.empty() ? "" : ", stage " + r.run.stage) +
                         ", profile " + r.run.profile + ", run " + r.run.id + " on " + r.run.host + ", " +
                         r.run.started_at + " to " + r.run.finished_at;
  std::string body = html_banner(r.verdict, "cutover " + r.run.command, subtitle) + "<main>" + first_read(r);
  if (!r.criteria.empty()) body += "<h2>All criteria</h2>" + html_criteria_table(r.criteria);

  // One figure per metric: every target that measured it, overlaid.
  // Grouped in one pass, in first-seen order (a report may hold 100,000 measurements).
  std::vector<std::string> metrics;
  std::vector<std::vector<const measurement*>> of_metric;
  std::unordered_map<std::string_view, std::size_t> index;
  for (const auto& m : r.measurements) {
    auto [it, fresh] = index.try_emplace(m.metric, metrics.size());
    if (fresh) {
      metrics.push_back(m.metric);
      of_metric.emplace_back();
    }
    of_metric[it->second].push_back(&m);
  }
  if (!metrics.empty()) body += "<h2>Latency distributions</h2>";
  for (std::size_t k = 0; k < metrics.size(); ++k) {
    std::vector<plot_series> series;
    std::string caption;
    for (const auto* mp : of_metric[k]) {
      const auto& m = *mp;
      series.push_back({m.target, m.histogram});
      caption += (caption.empty() ? "" : "; ") + m.target + ": n=" + std::to_string(m.summary.count) + ", p50 " +
                 human_ns(static_cast<double>(m.summary.p50_ns)) +
                 (m.summary.claimed(99) ? ", p99 " + human_ns(static_cast<double>(m.summary.p99_ns)) : "");
    }
    const auto id = std::to_string(k);
    body += "<figure>" + svg_cdf("cdf-" + id, metrics[k] + ": cumulative distribution", series) +
            svg_histogram("hist-" + id, metrics[k] + ": histogram", series) + "<figcaption>" + xml_escape(caption) +
            "</figcaption></figure>";
  }

  if (!r.measurements.empty()) {
    body += "<h2>Measurements</h2><table id=\"measurements\"><thead><tr><th>metric</th><th>target</th><th>path</th>"
            "<th>n</th><th>p50</th><th>p90</th><th>p99</th><th>max</th><th>errors</th></tr></thead><tbody>";
    for (const auto& m : r.measurements) {
      const auto& s = m.summary;
      auto pct = [&](double p, std::int64_t v) {
        return s.claimed(p) ? human_ns(static_cast<double>(v)) : std::string("n/a");
      };
      body += "<tr><td><code>" + xml_escape(m.metric) + "</code></td><td>" + xml_escape(m.target) + "</td><td>" +
              xml_escape(m.fingerprint.path) + "</td><td class=\"num\">" + std::to_string(s.count) +
              "</td><td class=\"num\">" + pct(50, s.p50_ns) + "</td><td class=\"num\">" + pct(90, s.p90_ns) +
              "</td><td class=\"num\">" + pct(99, s.p99_ns) + "</td><td class=\"num\">" +
              human_ns(static_cast<double>(s.max_ns)) + "</td><td>" + xml_escape(errors_text(s)) +
              "</td></tr>";
    }
    body += "</tbody></table>";
  }
  for (const auto& n : r.notes) body += "<p class=\"note\">" + xml_escape(n) + "</p>";
  body += "</main>";
  return html_page("cutover " + r.run.command + " report " + r.run.id, body);
}

}  // namespace cutover::report
