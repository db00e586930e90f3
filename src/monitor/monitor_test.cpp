// No-network tests: durations, interval accounting, uptime, windows,
// Prometheus text, series lines and resume parsing, the two criteria.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "criteria/criteria.hpp"
#include "monitor/checks.hpp"
#include "monitor/outage.hpp"
#include "monitor/prometheus.hpp"
#include "monitor/run.hpp"
#include "monitor/series.hpp"

namespace cutover::monitor {
namespace {

using namespace std::chrono_literals;
constexpr std::int64_t ms = 1'000'000;
constexpr std::int64_t sec = 1'000 * ms;

sample make(std::string c, std::int64_t start, std::int64_t lat, outcome o = outcome::ok, std::string msg = {}) {
  sample s;
  s.component = std::move(c);
  s.start_ns = start;
  s.latency_ns = lat;
  s.result = o;
  s.message = std::move(msg);
  return s;
}

TEST(outage, one_interval_from_first_failure_to_first_success_end) {
  outage_tracker t;
  t.add(0, 1 * ms, true);
  t.add(100 * ms, 101 * ms, true);
  t.add(200 * ms, 1200 * ms, false, "timeout: no answer");  // hung until its timeout
  t.add(1300 * ms, 2300 * ms, false, "timeout: again");
  t.add(2400 * ms, 3250 * ms, true);                          // answered once the server came back
  t.add(3300 * ms, 3301 * ms, true);
  auto iv = t.intervals();
  ASSERT_EQ(iv.size(), 1u);
  EXPECT_EQ(iv[0].when.start_ns, 200 * ms);
  EXPECT_EQ(iv[0].when.end_ns, 3250 * ms);
  EXPECT_EQ(iv[0].first_error, "timeout: no answer");
  EXPECT_FALSE(iv[0].open);
  EXPECT_EQ(t.downtime_ns(), 3050 * ms);
  EXPECT_EQ(t.observed_ns(), 3301 * ms);
  EXPECT_EQ(t.checks(), 6);
  EXPECT_EQ(t.failures(), 2);
  EXPECT_NEAR(t.uptime_pct(), 100.0 * (1 - 3050.0 / 3301.0), 1e-9);
}

TEST(outage, open_interval_and_gap) {
  outage_tracker t;
  t.add(0, 10, true);
  t.add(100, 110, false, "refused: x");
  EXPECT_TRUE(t.down());
  EXPECT_EQ(t.down_since_ns(), 100);
  ASSERT_EQ(t.intervals().size(), 1u);
  EXPECT_TRUE(t.intervals()[0].open);
  EXPECT_EQ(t.downtime_ns(), 10);
  t.gap();  // the observer died while down: the outage ends where we last saw it
  EXPECT_FALSE(t.down());
  t.add(1000, 1010, true);
  EXPECT_EQ(t.observed().size(), 2u);
  EXPECT_EQ(t.observed_ns(), 110 + 10);
  EXPECT_EQ(t.downtime_ns(), 10);
}

TEST(outage, cap_keeps_sums) {
  outage_tracker t(2);
  for (int i = 0; i < 5; ++i) {
    t.add(i * 100, i * 100 + 10, false, "e");
    t.add(i * 100 + 50, i * 100 + 60, true);
  }
  EXPECT_EQ(t.intervals().size(), 2u);
  EXPECT_EQ(t.outage_count(), 5);
  EXPECT_EQ(t.dropped(), 3);
  EXPECT_EQ(t.downtime_ns(), 5 * 60);
}

TEST(outage, union_and_uptime) {
  auto u = merge({{50, 80}, {0, 10}, {5, 20}, {30, 30}});
  ASSERT_EQ(u.size(), 2u);
  EXPECT_EQ(u[0].start_ns, 0);
  EXPECT_EQ(u[0].end_ns, 20);
  EXPECT_EQ(overlap_ns(u, 10, 60), 10 + 10);
  // 20 down of 100 observed; an outage outside observation does not count.
  EXPECT_DOUBLE_EQ(uptime_pct({{0, 20}, {200, 300}}, {{0, 100}}, 0, 1000), 80.0);
  EXPECT_DOUBLE_EQ(uptime_pct({{0, 20}}, {{0, 100}}, 50, 100), 100.0);
  EXPECT_DOUBLE_EQ(uptime_pct({}, {}, 0, 100), 100.0);
}

TEST(series, windows_percentiles_and_service_union) {
  series_stats s(0);
  // Hour 0: db answers in 1..100 ms; hour 1: 200 ms; redis fails in hour 1.
  for (int i = 1; i <= 100; ++i) s.add(make("db", i * sec, i * ms));
  for (int i = 0; i < 10; ++i) s.add(make("db", hour_ns + i * sec, 200 * ms));
  s.add(make("redis", 10 * sec, 1 * ms));
  s.add(make("redis", hour_ns + 0 * sec, 1 * ms, outcome::refused, "down"));
  s.add(make("redis", hour_ns + 9 * sec, 1 * ms));
  auto rows = s.windows();
  const window_row* h0 = nullptr;
  const window_row* h1 = nullptr;
  const window_row* d0 = nullptr;
  for (const auto& r : rows) {
    if (r.component == "db" && r.window == "hour" && r.index == 0) h0 = &r;
    if (r.component == "db" && r.window == "hour" && r.index == 1) h1 = &r;
    if (r.component == "db" && r.window == "day" && r.index == 0) d0 = &r;
  }
  ASSERT_TRUE(h0 && h1 && d0);
  EXPECT_EQ(h0->checks, 100);
  EXPECT_NEAR(static_cast<double>(h0->p50_ns), 50.0 * ms, 0.01 * 50 * ms);
  EXPECT_NEAR(static_cast<double>(h0->p99_ns), 99.0 * ms, 0.01 * 99 * ms);
  EXPECT_EQ(h0->max_ns, 100 * ms);
  EXPECT_NEAR(static_cast<double>(h1->p99_ns), 200.0 * ms, 0.01 * 200 * ms);
  EXPECT_EQ(d0->checks, 110);
  auto down = s.service_down();
  ASSERT_EQ(down.size(), 1u);
  EXPECT_EQ(down[0].start_ns, hour_ns);
  EXPECT_EQ(down[0].end_ns, hour_ns + 9 * sec + 1 * ms);
}

TEST(series, pm2_restarts_per_day_and_host_maxima) {
  series_stats s(0);
  auto pm2 = [&](std::int64_t t, int a, int b) {
    auto x = make("pm2", t, 10 * ms);
    x.values = {{"online", 2}, {"total", 2}, {"restarts", {{"api", a}, {"worker", b}}}};
    s.add(x);
  };
  pm2(0, 5, 0);       // counters before the series do not count
  pm2(hour_ns, 6, 0);
  pm2(2 * hour_ns, 6, 2);
  pm2(day_ns + 1, 1, 2);  // PM2 restarted: api's counter fell to 1
  auto host = make("host", 5, 1 * ms);
  host.values = {{"mem_used_bytes", 1000}, {"mem_used_pct", 10.0}, {"disk_used_pct", 40.0}, {"load1", 0.5}};
  s.add(host, false);
  EXPECT_EQ(s.days().at(0).restarts, 3);
  EXPECT_EQ(s.days().at(1).restarts, 1);
  EXPECT_EQ(s.days().at(0).mem_used_max_bytes, 1000);
  EXPECT_TRUE(s.service_down().empty());
}

TEST(pm2, a_hostile_pm2_home_reaches_pm2_as_a_value_and_runs_nothing) {
  // A PM2_HOME whose name is shell syntax, with a live daemon pid in it.
  auto base = std::filesystem::temp_directory_path() / ("cutover-pm2-test-" + std::to_string(::getpid()));
  auto home = base / "x'; touch pwned; '";
  std::filesystem::create_directories(home);
  std::ofstream(home / "pm2.pid") << ::getpid();
  auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(base);
  check_options o;
  o.pm2_home = home.string();
  // A stand-in for pm2 that prints what it was given; its output is no PM2 list.
  o.pm2_command = {"printenv", "PM2_HOME"};
  nlohmann::json values;
  auto r = make_pm2_check(o).run(values);
  std::filesystem::current_path(cwd);
  EXPECT_EQ(r.result, outcome::protocol_error) << r.message;
  EXPECT_FALSE(std::filesystem::exists(base / "pwned"));
  EXPECT_FALSE(std::filesystem::exists(cwd / "pwned"));
  std::filesystem::remove_all(base);
}

TEST(pm2, the_check_reads_the_shared_pm2_list_and_names_what_is_not_online) {
  auto base = std::filesystem::temp_directory_path() / ("cutover-pm2-list-" + std::to_string(::getpid()));
  std::filesystem::create_directories(base);
  auto list = base / "jlist.json";
  std::ofstream(list) << "[PM2] banner\n[{\"name\":\"api\",\"pm2_env\":{\"status\":\"online\",\"restart_time\":2}},"
                         "{\"name\":\"worker\",\"pm2_env\":{\"status\":\"errored\",\"restart_time\":15}}]";
  check_options o;
  o.pm2_command = {"cat", list.string()};
  nlohmann::json values;
  auto r = make_pm2_check(o).run(values);
  EXPECT_EQ(r.result, outcome::check_failed);
  EXPECT_EQ(r.message, "not online: worker (errored)");
  EXPECT_EQ(values["online"], 1);
  EXPECT_EQ(values["restarts"]["worker"], 15);
  std::filesystem::remove_all(base);
}

TEST(prometheus, text_format) {
  series_stats s(0);
  s.add(make("db.private", 0, 2 * ms));
  s.add(make("db.private", sec, 2 * ms, outcome::timeout, "slow"));
  s.add(make("redis \"x\"", 0, 1 * ms));
  auto text = render_prometheus(s);
  EXPECT_NE(text.find("# TYPE cutover_up gauge\n"), std::string::npos);
  EXPECT_NE(text.find("cutover_up{component=\"db.private\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("cutover_checks_total{component=\"db.private\",outcome=\"timeout\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("cutover_check_latency_seconds{component=\"db.private\",quantile=\"0.99\"} 0.002"), std::string::npos);
  EXPECT_NE(text.find("cutover_up{component=\"redis \\\"x\\\"\"} 1\n"), std::string::npos);
  // Every sample line belongs to a family declared before it.
  std::istringstream in(text);
  std::string line;
  std::string family;
  while (std::getline(in, line)) {
    if (line.starts_with("# TYPE ")) {
      family = line.substr(7, line.find(' ', 7) - 7);
    } else if (!line.starts_with("#")) {
      EXPECT_TRUE(line.starts_with(family)) << line;
    }
  }
  EXPECT_EQ(text.back(), '\n');
}

TEST(prometheus, metrics_server_binds_loopback_only) {
  metrics_server m("127.0.0.1:0", [] { return std::string("cutover_up 1\n"); });
  EXPECT_NE(m.port(), 0);
  EXPECT_THROW(metrics_server("0.0.0.0:0", [] { return std::string(); }), usage_error);
}

class series_file : public ::testing::Test {
protected:
  std::filesystem::path file = std::filesystem::temp_directory_path() / ("cutover-series-" + std::to_string(::getpid()) + ".jsonl");
  void TearDown() override { std::filesystem::remove(file); }
};

TEST_F(series_file, resume_tolerates_a_truncated_last_line) {
  series_header h{"s1", 1000, sec, 48 * hour_ns, {"db"}};
  {
    series_writer w(file);
    w.write(to_line(h));
    for (int i = 1; i <= 3; ++i) {
      auto s = make("db", 1000 + i * sec, ms, i == 2 ? outcome::refused : outcome::ok, i == 2 ? "gone" : "");
      s.seq = i;
      w.write(to_line(s));
    }
    w.write("not json");
  }
  auto complete = std::filesystem::file_size(file);
  {
    std::ofstream(file, std::ios::app) << R"({"type":"sample","seq":4,"comp)";
  }
  series_stats st;
  auto r = replay(file, st);
  EXPECT_EQ(r.header.id, "s1");
  EXPECT_EQ(r.header.started_ns, 1000);
  EXPECT_EQ(r.last_seq, 3);
  EXPECT_EQ(r.samples, 3);
  EXPECT_EQ(r.bad_lines, 1);
  EXPECT_TRUE(r.truncated_tail);
  EXPECT_EQ(r.valid_bytes, complete);
  EXPECT_EQ(st.find("db")->outages.outage_count(), 1);
  // Appending after the cut continues on a clean line.
  {
    series_writer w(file, r.valid_bytes);
    w.write(resume_line(99));
  }
  series_stats again;
  auto r2 = replay(file, again);
  EXPECT_FALSE(r2.truncated_tail);
  EXPECT_EQ(r2.samples, 3);
  EXPECT_THROW(replay(file.string() + ".missing", again), error);
}

TEST(sample, round_trip) {
  auto s = make("host", 5, 7);
  s.seq = 9;
  s.values = {{"load1", 0.5}};
  auto back = sample_from_json(nlohmann::json::parse(to_line(s)));
  EXPECT_EQ(back.seq, 9);
  EXPECT_EQ(back.component, "host");
  EXPECT_EQ(back.values["load1"], 0.5);
  EXPECT_THROW(sample_from_json(nlohmann::json{{"seq", 1}}), error);
}

config empty_config() { return parse_config(R"({"targets": {"private": {"redis": "redis://127.0.0.1:6379"}}})", "test"); }

report::criterion_result criterion(const report::report& r, const std::string& id) {
  for (const auto& c : r.criteria)
    if (c.id == id) return c;
  ADD_FAILURE() << "no criterion " << id;
  return {};
}

TEST(criteria, downtime_window_judges_the_report) {
  series_stats s(0);
  s.add(make("db", 0, ms));
  s.add(make("db", 100 * ms, 2900 * ms, outcome::timeout, "statement timeout"));
  s.add(make("db", 3000 * ms, 100 * ms));
  s.add(make("redis", 0, ms));
  s.add(make("redis", 3100 * ms, ms));
  downtime_options o;
  auto cfg = empty_config();
  auto r = downtime_report(cfg, s, o, {});
  auto c = criterion(r, "downtime.window");
  EXPECT_EQ(c.status, report::status::pass) << c.detail;
  EXPECT_EQ(c.measured.get<std::int64_t>(), 3000 * ms);
  EXPECT_EQ(c.threshold.get<std::int64_t>(), 15 * 60 * sec);
  o.window = std::chrono::seconds(2);
  EXPECT_EQ(criterion(downtime_report(cfg, s, o, {}), "downtime.window").status, report::status::fail);
  // validate --measurements: the same criterion finds the report's measurements.
  criteria::context ctx{cfg, "switchover", r.measurements, std::chrono::steady_clock::now() + 1min};
  EXPECT_EQ(criteria::evaluate(*criteria::find("downtime.window"), ctx).status, report::status::pass);
  std::vector<report::measurement> none;
  criteria::context empty{cfg, "switchover", none, std::chrono::steady_clock::now() + 1min};
  auto missing = criteria::evaluate(*criteria::find("downtime.window"), empty);
  EXPECT_EQ(missing.status, report::status::error);
  EXPECT_NE(missing.detail.find("not measured"), std::string::npos);
}

TEST(criteria, soak_uptime_pass_fail_inconclusive) {
  auto cfg = empty_config();
  series_header h{"s", 0, sec, hour_ns, {"db"}};
  monitor_options o;
  auto run = [&](int checks, int failed_at) {
    series_stats s(0);
    for (int i = 0; i < checks; ++i)
      s.add(make("db", i * sec, ms, i == failed_at ? outcome::refused : outcome::ok, "down"));
    return criterion(monitor_report(cfg, s, h, o, {}), "soak.uptime");
  };
  EXPECT_EQ(run(1000, -1).status, report::status::pass);
  EXPECT_EQ(run(50, -1).status, report::status::inconclusive);  // 50 checks cannot show > 99%
  EXPECT_EQ(run(60, 30).status, report::status::fail);
  auto md = render_metrics_to_track([&] {
    series_stats s(0);
    for (int i = 0; i < 10; ++i) s.add(make("db.private", i * sec, ms));
    return monitor_report(cfg, s, h, o, {});
  }());
  EXPECT_NE(md.find("| Metric | Target | Day 0 | Day 1 | Day 3 | Day 7 |"), std::string::npos);
  EXPECT_NE(md.find("| Uptime % | >99.00% | 100.00% | — |"), std::string::npos) << md;
}

}  // namespace
}  // namespace cutover::monitor
