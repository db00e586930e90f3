#include "compare/render.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "compare/test_support.hpp"
#include "report/html.hpp"

namespace cutover::compare {
namespace {

using testing::make_measurement;
using testing::make_report;

// Checks that every element opened is closed in order (void elements written
// as <x/>), skipping <!DOCTYPE> and text. Returns "" or what went wrong.
std::string tag_balance(const std::string& doc) {
  std::vector<std::string> stack;
  std::size_t i = 0;
  while ((i = doc.find('<', i)) != std::string::npos) {
    auto end = doc.find('>', i);
    if (end == std::string::npos) return "unterminated tag at " + std::to_string(i);
    std::string tag = doc.substr(i + 1, end - i - 1);
    i = end + 1;
    if (tag.starts_with("!") || tag.starts_with("?")) continue;
    if (tag.ends_with("/")) continue;
    const bool closing = tag.starts_with("/");
    auto name = tag.substr(closing ? 1 : 0, tag.find_first_of(" \n\t") - (closing ? 1 : 0));
    if (name.empty()) return "empty tag name";
    if (!closing) {
      stack.push_back(name);
    } else {
      if (stack.empty() || stack.back() != name)
        return "</" + name + "> closes <" + (stack.empty() ? std::string("nothing") : stack.back()) + ">";
      stack.pop_back();
    }
  }
  return stack.empty() ? "" : "<" + stack.back() + "> never closed";
}

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

void expect_self_contained(const std::string& html) {
  for (const char* ref : {"<script", "<link", "src=", "url(", "@import", "http:", "https:"})
    EXPECT_EQ(html.find(ref), std::string::npos) << "external or script reference: " << ref;
}

report::report gate_report() {
  auto r = make_report({make_measurement("pg.query.select1", "tunnel", 20e6, 1000, 1),
                        make_measurement("pg.query.select1", "private", 40e3, 1000, 2)});
  r.run.command = "gate";
  report::criterion_result c;
  c.id = "db.latency.private";
  c.title = "query <fast> & \"private\"";
  c.status = report::status::fail;
  c.detail = "<script>alert('x')</script>";
  r.criteria.push_back(c);
  r.verdict = report::verdict{report::decision::no_go, {"primary db.latency.private fail: <b>"}, {}};
  r.notes.push_back("note with </svg> inside");
  return r;
}

TEST(Html, ReportPageIsBalancedSelfContainedAndEscaped) {
  auto html = report::render_html(gate_report());
  EXPECT_EQ(tag_balance(html), "");
  expect_self_contained(html);
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("query &lt;fast&gt; &amp; &quot;private&quot;"), std::string::npos);
  EXPECT_NE(html.find("note with &lt;/svg&gt; inside"), std::string::npos);
  EXPECT_NE(html.find("class=\"banner no-go\""), std::string::npos);
  EXPECT_NE(html.find("<tr class=\"fail\">"), std::string::npos);
  EXPECT_NE(html.find("<svg id=\"cdf-0\""), std::string::npos);
  EXPECT_NE(html.find("<svg id=\"hist-0\""), std::string::npos);
  EXPECT_EQ(count(html, "<path class=\"cdf\""), 2u) << "tunnel and private overlaid";
  EXPECT_LT(html.find("id=\"decision\""), html.find("id=\"criteria\"")) << "decision on top";
}

TEST(Html, MeasurementsOnlyReportHasNoDecision) {
  auto r = make_report({make_measurement("redis.ping", "private", 30e3, 200)});
  auto html = report::render_html(r);
  EXPECT_EQ(tag_balance(html), "");
  EXPECT_NE(html.find("no decision (measurements only)"), std::string::npos);
  EXPECT_NE(html.find("class=\"banner none\""), std::string::npos);
}

TEST(Html, EmptyHistogramDrawsAPlaceholder) {
  auto svg = report::svg_cdf("x", "t", {{"a", nullptr}});
  EXPECT_EQ(tag_balance(svg), "");
  EXPECT_NE(svg.find("no latency data"), std::string::npos);
}

comparison sample_comparison() {
  auto in = from_report(make_report({make_measurement("pg.query.select1", "tunnel", 20e6, 1000, 1),
                                     make_measurement("pg.query.select1", "private", 40e3, 1000, 2),
                                     make_measurement("redis.ping", "tunnel", 100e3, 500, 3),
                                     make_measurement("redis.ping", "private", 30e3, 500, 4)}),
                        "r.json");
  return compare_targets(in, "tunnel", "private", {});
}

TEST(Html, ComparisonPageHasRatioBarsWithWhiskersAndCdfs) {
  auto html = render_html(sample_comparison());
  EXPECT_EQ(tag_balance(html), "");
  expect_self_contained(html);
  EXPECT_NE(html.find("<svg id=\"ratios\""), std::string::npos);
  EXPECT_EQ(count(html, "<rect class=\"bar "), 3u) << "two metrics and the geometric mean";
  EXPECT_EQ(count(html, "class=\"whisker\""), 6u) << "two intervals, a line and two caps each";
  EXPECT_NE(html.find("class=\"threshold\""), std::string::npos);
  EXPECT_NE(html.find("<svg id=\"cdf-1\""), std::string::npos);
  EXPECT_NE(html.find("class=\"banner go\""), std::string::npos);
}

TEST(Markdown, ComparisonHasDecisionCriteriaAndRows) {
  auto md = render_markdown(sample_comparison());
  EXPECT_EQ(md.rfind("## cutover compare: **GO**", 0), 0u) << md;
  EXPECT_NE(md.find("`db.latency.improvement`"), std::string::npos);
  EXPECT_NE(md.find("| `pg.query.select1` |"), std::string::npos);
  EXPECT_NE(md.find("**geometric mean (2 metrics)**"), std::string::npos);
}

TEST(Junit, ComparisonIsOneTestcasePerCriterion) {
  auto x = render_junit(sample_comparison());
  EXPECT_EQ(tag_balance(x), "");
  EXPECT_EQ(count(x, "<testcase "), 2u);
  EXPECT_NE(x.find("name=\"compare.no_regression\""), std::string::npos);
  EXPECT_NE(x.find("failures=\"0\""), std::string::npos);
}

}  // namespace
}  // namespace cutover::compare
