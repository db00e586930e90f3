#include "report/summary.hpp"

#include <gtest/gtest.h>

#include <random>

#include "report/html.hpp"
#include "report/render.hpp"
#include "stats/recorder.hpp"

namespace cutover::report {
namespace {

measurement make(std::string metric, std::string target, std::string path, double median_ns, int n, bool samples = true) {
  std::mt19937_64 rng(n);
  std::lognormal_distribution<double> dist(std::log(median_ns), 0.05);
  stats::recorder rec(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) rec.record(std::chrono::nanoseconds(static_cast<std::int64_t>(dist(rng))));
  measurement m;
  m.metric = std::move(metric);
  m.target = std::move(target);
  m.fingerprint.path = std::move(path);
  m.summary = rec.summarize();
  m.histogram = rec.histogram().to_json();
  if (samples) m.samples_ns.assign(rec.samples().begin(), rec.samples().end());
  return m;
}

criterion_result crit(std::string id, status st, severity sev, nlohmann::json measured = nullptr) {
  criterion_result c;
  c.id = std::move(id);
  c.title = "title of " + c.id;
  c.status = st;
  c.severity = sev;
  c.op = "<";
  c.unit = "ns";
  c.threshold = 1000000;
  c.measured = std::move(measured);
  c.detail = "detail of " + c.id;
  return c;
}

report nogo_report() {
  report r;
  r.run.command = "gate";
  r.run.stage = "server-migration";
  r.measurements = {make("pg.query.select1", "tunnel", "tunnel", 20e6, 400),
                    make("pg.query.select1", "new_host", "private", 80e3, 400)};
  auto improvement = crit("db.latency.improvement", status::pass, severity::primary, 250.0);
  improvement.op = ">=";
  improvement.unit = "ratio";
  improvement.threshold = 20;
  r.criteria = {improvement,
                crit("db.latency.private", status::fail, severity::primary, 1500000),
                crit("redis.latency", status::fail, severity::secondary,
                     nlohmann::json{{"mean_ns", 41000}, {"max_ns", 7100000}}),
                crit("host.hardening", status::waived, severity::secondary),
                crit("e2e.reply", status::skipped, severity::primary),
                crit("env.optional", status::skipped, severity::info),
                crit("db.rows.parity", status::inconclusive, severity::primary)};
  verdict v;
  v.decision = decision::no_go;
  v.reasons = {"primary db.latency.private fail: detail of db.latency.private"};
  r.verdict = v;
  return r;
}

TEST(Summary, HeadlineRatioPairsTunnelWithThePrivatePathWithAnInterval) {
  auto r = nogo_report();
  auto h = find_headline_ratio(r);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->a_target, "tunnel");
  EXPECT_EQ(h->b_target, "new_host") << "the private side is found by its declared path";
  EXPECT_NEAR(h->ratio, 250, 10);
  ASSERT_TRUE(h->lo && h->hi);
  EXPECT_LE(*h->lo, h->ratio);
  EXPECT_GE(*h->hi, h->ratio);
  EXPECT_LT(*h->hi - *h->lo, 0.1 * h->ratio) << "400 samples at 5% spread give a tight interval";
  ASSERT_NE(h->criterion, nullptr);
  EXPECT_EQ(h->criterion->id, "db.latency.improvement");
}

TEST(Summary, NoHeadlineWithoutBothSidesAndNoIntervalWithoutSamples) {
  report r;
  r.measurements = {make("pg.query.select1", "tunnel", "tunnel", 20e6, 100)};
  EXPECT_FALSE(find_headline_ratio(r));
  r.measurements.push_back(make("pg.query.select1", "private", "private", 40e3, 100, false));
  auto h = find_headline_ratio(r);
  ASSERT_TRUE(h);
  EXPECT_FALSE(h->lo);
  EXPECT_NEAR(h->ratio, 500, 30);
  EXPECT_NE(ratio_with_interval(*h).find("no interval"), std::string::npos);
  // A side whose every sample failed gives no ratio.
  r.measurements[1].summary.count = 0;
  EXPECT_FALSE(find_headline_ratio(r));
}

TEST(Summary, BlockingCriteriaAreFailedErroredInconclusiveAndSkippedPrimary) {
  auto r = nogo_report();
  std::vector<std::string> ids;
  for (const auto* c : blocking_criteria(r)) ids.push_back(c->id);
  EXPECT_EQ(ids, (std::vector<std::string>{"db.latency.private", "redis.latency", "e2e.reply", "db.rows.parity"}));
}

TEST(Summary, MarkdownOpensWithVerdictRatioAndBlockersBeforeTheDetails) {
  auto md = render_markdown(nogo_report());
  auto verdict = md.find("**NO-GO**");
  auto ratio = md.find("**Tunnel / private: ");
  auto blockers = md.find("Standing in the way of GO (4)");
  auto details = md.find("### All criteria");
  ASSERT_NE(verdict, std::string::npos) << md;
  ASSERT_NE(ratio, std::string::npos) << md;
  ASSERT_NE(blockers, std::string::npos) << md;
  ASSERT_NE(details, std::string::npos) << md;
  EXPECT_LT(verdict, ratio);
  EXPECT_LT(ratio, blockers);
  EXPECT_LT(blockers, details);
  EXPECT_NE(md.find("95% interval"), std::string::npos);
  // An object value is one field per line, not one long line.
  EXPECT_NE(md.find("max 7.10 ms<br>mean 41.0 us"), std::string::npos) << md;
}

TEST(Summary, HtmlOpensWithVerdictRatioAndBlockersBeforeTheDetails) {
  auto html = render_html(nogo_report());
  auto verdict = html.find("id=\"decision\"");
  auto ratio = html.find("id=\"headline-ratio\"");
  auto blockers = html.find("id=\"blocking\"");
  auto details = html.find("id=\"criteria\"");
  ASSERT_NE(verdict, std::string::npos);
  ASSERT_NE(ratio, std::string::npos);
  ASSERT_NE(blockers, std::string::npos);
  ASSERT_NE(details, std::string::npos);
  EXPECT_LT(verdict, ratio);
  EXPECT_LT(ratio, blockers);
  EXPECT_LT(blockers, details);
  EXPECT_EQ(html.find("overflow-wrap:anywhere"), std::string::npos) << "numbers must not break mid-way";
  EXPECT_NE(html.find("<span class=\"nw\">max 7.10 ms</span><br><span class=\"nw\">mean 41.0 us</span>"), std::string::npos);
}

TEST(Summary, AllClearWhenNothingBlocks) {
  auto r = nogo_report();
  r.criteria.resize(1);
  r.verdict->decision = decision::go;
  EXPECT_NE(render_html(r).find("Nothing stands in the way"), std::string::npos);
  EXPECT_EQ(render_markdown(r).find("Standing in the way"), std::string::npos);
}

}  // namespace
}  // namespace cutover::report
