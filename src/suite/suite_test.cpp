// The bench suites without a lab: plan checks, and an endpoint where nothing
// listens on loopback (refused at once), which must be given up on, not retried
// until the run deadline.
#include "suite/suite.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace cutover::suite {
namespace {

/// A loopback port nothing listens on (bound, then closed).
std::uint16_t closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  ::close(fd);
  return ntohs(a.sin_port);
}

/// One target "private" whose PostgreSQL endpoint refuses connections.
config dead_config() {
  config c;
  c.file = "test.json";
  target t;
  t.name = "private";
  t.path = "private";
  pg_endpoint e;
  e.host = "127.0.0.1";
  e.port = closed_port();
  t.postgres = e;
  c.targets.push_back(t);
  c.sampling.warmup = 0;
  c.sampling.samples = 20;
  c.sampling.workload_samples = 20;
  c.sampling.give_up_after = 3;
  c.timeouts.connect = std::chrono::milliseconds(1000);
  c.timeouts.run = std::chrono::seconds(30);
  return c;
}

TEST(suite_plan, unknown_names_are_config_errors) {
  auto c = dead_config();
  EXPECT_THROW(run_bench(c, {{}, {"disk"}, {}, {}}), config_error);
  EXPECT_THROW(run_bench(c, {{"tunnel"}, {}, {}, {}}), config_error);
  EXPECT_THROW(run_bench(c, {{}, {}, {"pg.query.nothing"}, {}}), config_error);
  EXPECT_THROW(run_bench(c, {{}, {}, {}, {-1.0, 1, std::chrono::seconds(1)}}), config_error);
  EXPECT_THROW(run_bench(c, {{}, {}, {}, {10.0, 0, std::chrono::seconds(1)}}), config_error);
}

TEST(suite_plan, a_suite_without_endpoints_measures_nothing) {
  auto c = dead_config();
  auto r = run_bench(c, {{}, {"redis"}, {}, {}});
  EXPECT_TRUE(r.measurements.empty());
  EXPECT_FALSE(has_failures(r.measurements));
}

TEST(suite_dead_endpoint, refused_is_counted_then_given_up_and_later_metrics_skipped) {
  auto c = dead_config();
  int progress_calls = 0;
  auto t0 = std::chrono::steady_clock::now();
  auto r = run_bench(c, {{"private"}, {"db"}, {"select1", "now"}, {}},
                     [&](const report::measurement&) { ++progress_calls; });
  auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_EQ(r.measurements.size(), 2u);
  EXPECT_EQ(progress_calls, 2);
  const auto& first = r.measurements[0];
  EXPECT_EQ(first.metric, "pg.query.select1");
  EXPECT_EQ(first.target, "private");
  EXPECT_EQ(first.summary.count, 0);
  EXPECT_EQ(first.summary.errors.count(cutover::outcome::refused), 1u) << first.summary.to_json().dump();
  // Given up after give_up_after failures in a row, not 20 samples.
  EXPECT_LE(first.summary.failures(), 2 * c.sampling.give_up_after) << first.summary.to_json().dump();
  const auto& second = r.measurements[1];
  EXPECT_EQ(second.metric, "pg.query.now");
  EXPECT_EQ(second.summary.count, 0);
  EXPECT_EQ(second.summary.errors.count(cutover::outcome::skipped), 1u) << second.summary.to_json().dump();
  EXPECT_TRUE(has_failures(r.measurements));
  ASSERT_FALSE(r.notes.empty());
  EXPECT_NE(r.notes.front().find("gave up on pg of target private"), std::string::npos) << r.notes.front();
  // Refused is immediate: seconds at most, far from the 30 s run deadline.
  EXPECT_LT(took, std::chrono::seconds(15));
}

TEST(suite_result, has_failures_when_any_sample_failed_or_none_succeeded) {
  report::measurement ok;
  ok.summary.count = 10;
  EXPECT_FALSE(has_failures({ok}));
  auto failed = ok;
  failed.summary.errors[cutover::outcome::timeout] = 1;
  EXPECT_TRUE(has_failures({ok, failed}));
  report::measurement empty;
  EXPECT_TRUE(has_failures({empty}));
}

}  // namespace
}  // namespace cutover::suite
