// The PostgreSQL probes against the lab's target database (private path).
#include "pg/probes.hpp"

#include <gtest/gtest.h>

#include "core/config.hpp"
#include "core/error.hpp"

using namespace cutover;

namespace {

struct lab_target {
  pg_endpoint endpoint;
  expectations expect;
};

lab_target private_target() {
  auto cfg = load_config(test_config_path(CUTOVER_SOURCE_DIR));
  const auto* t = cfg.find("private");
  if (!t || !t->postgres) throw cutover::error("the config has no private postgres target");
  return {*t->postgres, cfg.expect};
}

std::int64_t bookings(const pg_endpoint& e) {
  pg::session s(e, {});
  pg::rows r;
  if (!s.connect().ok() || !s.exec("SELECT count(*) FROM bookings", &r).ok()) return -1;
  return std::stoll(*r.at(0).at(0));
}

}  // namespace

TEST(pg_probes, select1_runs_and_knows_the_path_it_took) {
  auto lab = private_target();
  auto p = pg::make_probe(pg::workload::select1, lab.endpoint, {std::chrono::seconds(3), std::chrono::seconds(5), "private"},
                          lab.expect);
  ASSERT_TRUE(p->open().ok());
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(p->run().ok());
  auto f = p->fingerprint();
  EXPECT_EQ(f.resolved, lab.endpoint.host + ":" + std::to_string(lab.endpoint.port));
  EXPECT_EQ(f.path, "private");
  EXPECT_EQ(f.server_version.rfind("PostgreSQL 15", 0), 0u) << f.server_version;
}

TEST(pg_probes, a_query_that_finds_nothing_is_a_check_failure) {
  auto lab = private_target();
  lab.expect.company_id = "no-such-company";
  auto p = pg::make_probe(pg::workload::auth_state, lab.endpoint, {}, lab.expect);
  ASSERT_TRUE(p->open().ok());
  auto r = p->run();
  EXPECT_EQ(r.result, outcome::check_failed) << r.message;
  EXPECT_TRUE(r.connection_usable);
}

TEST(pg_probes, booking_insert_is_always_rolled_back) {
  auto lab = private_target();
  auto before = bookings(lab.endpoint);
  ASSERT_GT(before, 0);
  auto p = pg::make_probe(pg::workload::booking_rollback, lab.endpoint, {}, lab.expect);
  ASSERT_TRUE(p->open().ok());
  for (int i = 0; i < 10; ++i) {
    auto r = p->run();
    ASSERT_TRUE(r.ok()) << r.message;
  }
  EXPECT_EQ(bookings(lab.endpoint), before);
}
