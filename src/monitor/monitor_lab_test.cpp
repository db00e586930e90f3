// Against the lab (CTest fixture `lab`): a PostgreSQL freeze measured by the
// downtime stopwatch, a Redis restart seen by the monitor, and a resumed
// series. Reads $CUTOVER_LAB_DIR/cutover.json, else <repo>/.lab/cutover.json.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "core/process.hpp"
#include "monitor/run.hpp"
#include "monitor/series.hpp"

namespace cutover::monitor {
namespace {

using namespace std::chrono_literals;

std::filesystem::path lab_dir() { return cutover::lab_dir(CUTOVER_REPO_DIR); }

std::string read_first_line(const std::filesystem::path& f) {
  std::ifstream in(f);
  std::string line;
  std::getline(in, line);
  return line;
}

pid_t postmaster_pid() {
  auto root = lab_dir() / "pg";
  if (std::filesystem::exists(lab_dir() / "pg_root")) root = read_first_line(lab_dir() / "pg_root");
  return static_cast<pid_t>(std::stol(read_first_line(root / "data" / "postmaster.pid")));
}

class monitor_lab : public ::testing::Test {
protected:
  void SetUp() override {
    auto file = lab_dir() / "cutover.json";
    // These tests require the lab fixture: a missing lab is a failure, not a skip.
    ASSERT_TRUE(std::filesystem::exists(file)) << "no lab at " << lab_dir() << " (fixtures/lab/lab up)";
    cfg_ = load_config(file);
    out_ = std::filesystem::temp_directory_path() / ("cutover-monitor-lab-" + std::to_string(::getpid()));
    std::filesystem::remove_all(out_);
  }
  void TearDown() override { std::filesystem::remove_all(out_); }
  config cfg_;
  std::filesystem::path out_;
};

TEST_F(monitor_lab, downtime_measures_a_3s_postgres_freeze_as_one_interval) {
  downtime_options o;
  o.target = "private";
  o.watch = {"db"};
  o.checks.timeout = 1000ms;
  std::atomic<bool> stop{false};
  std::ostringstream status;
  auto pid = postmaster_pid();
  std::thread freezer([&] {
    std::this_thread::sleep_for(1s);
    // New connections hang while the postmaster is stopped: what a client sees of a frozen server.
    ::kill(pid, SIGSTOP);
    std::this_thread::sleep_for(3s);
    ::kill(pid, SIGCONT);
    std::this_thread::sleep_for(1500ms);
    stop = true;
  });
  auto r = run_downtime(cfg_, o, {}, stop, status);
  freezer.join();
  const auto* m = r.find("downtime.total", "db");
  ASSERT_TRUE(m);
  const auto& outages = m->workload["outages"];
  ASSERT_EQ(outages.size(), 1u) << m->workload.dump(2);
  double seconds = static_cast<double>(outages[0]["duration_ns"].get<std::int64_t>()) / 1e9;
  std::cout << "freeze of 3.000 s measured as " << seconds << " s\n";
  EXPECT_NEAR(seconds, 3.0, 0.35);
  EXPECT_FALSE(outages[0]["open"].get<bool>());
  ASSERT_FALSE(r.criteria.empty());
  EXPECT_EQ(r.criteria[0].id, "downtime.window");
  EXPECT_EQ(r.criteria[0].status, report::status::pass) << r.criteria[0].detail;
}

TEST_F(monitor_lab, monitor_sees_a_redis_restart_and_resume_continues_the_series) {
  monitor_options o;
  o.targets = {"private"};
  o.watch = {"redis"};
  o.interval = 200ms;
  o.duration = 7s;
  o.out_dir = out_;
  o.checks.timeout = 500ms;
  std::ostringstream log;
  auto redis_pid = static_cast<pid_t>(std::stol(read_first_line(lab_dir() / "run" / "redis.pid")));
  std::atomic<bool> stop{false};
  std::thread restarter([&] {
    std::this_thread::sleep_for(1500ms);
    ::kill(redis_pid, SIGTERM);
    for (int i = 0; i < 50 && ::kill(redis_pid, 0) == 0; ++i) std::this_thread::sleep_for(20ms);
    std::this_thread::sleep_for(500ms);
    auto started = run_process({{"redis-server", (lab_dir() / "redis" / "redis.conf").string()}, {}, 10s});
    ASSERT_TRUE(started.status.ok()) << started.status.message;
    std::this_thread::sleep_for(1500ms);
    stop = true;  // the first run ends here, as a kill would
  });
  auto first = run_monitor(cfg_, o, {}, stop, log);
  restarter.join();
  const auto* m = first.find("soak.uptime", "redis.private");
  ASSERT_TRUE(m);
  double uptime = m->workload["uptime_pct"].get<double>();
  std::cout << "uptime across a Redis restart: " << uptime << "%\n";
  EXPECT_LT(uptime, 100.0);
  ASSERT_GE(m->workload["outages"].size(), 1u);
  EXPECT_EQ(m->workload["outages"].size(), 1u) << m->workload["outages"].dump();

  // A kill mid-write leaves half a line; --resume drops it and continues.
  { std::ofstream(out_ / "samples.jsonl", std::ios::app) << R"({"type":"sample","seq":)"; }
  o.resume = true;
  stop = false;
  auto second = run_monitor(cfg_, o, {}, stop, log);
  std::ifstream in(out_ / "samples.jsonl");
  std::string line;
  std::int64_t expect = 1;
  int starts = 0;
  int resumes = 0;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    if (j["type"] == "start") ++starts;
    if (j["type"] == "resume") ++resumes;
    if (j["type"] == "sample") {
      EXPECT_EQ(j["seq"].get<std::int64_t>(), expect++);
    }
  }
  EXPECT_EQ(starts, 1);
  EXPECT_EQ(resumes, 1);
  const auto* m2 = second.find("soak.uptime", "redis.private");
  ASSERT_TRUE(m2);
  EXPECT_EQ(m2->workload["checks"].get<std::int64_t>(), expect - 1);
  EXPECT_GT(m2->workload["checks"].get<std::int64_t>(), m->workload["checks"].get<std::int64_t>());
  EXPECT_EQ(m2->workload["outages"].size(), 1u);  // the restart is still in the series
  EXPECT_TRUE(std::filesystem::exists(out_ / "report.md"));
}

}  // namespace
}  // namespace cutover::monitor
