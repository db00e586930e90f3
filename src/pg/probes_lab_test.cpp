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

// ---- session state: nothing outlives the harness's own transaction ------------
// Behind a transaction pooler (PgBouncer, Supavisor) a session SET stays on the
// server connection and reaches the next client's queries; validate/pooler checks
// that end to end, these check the session's part of it.

namespace {

/// search_path, statement_timeout, TimeZone and DateStyle as `s` sees them now.
std::string settings_of(pg::session& s) {
  pg::rows r;
  auto res = s.exec("SELECT concat_ws('|', current_setting('search_path'), current_setting('statement_timeout'), "
                    "current_setting('TimeZone'), current_setting('DateStyle'))",
                    &r);
  return res.ok() ? r.at(0).at(0).value_or("") : "error: " + res.message;
}

}  // namespace

TEST(pg_session, connect_changes_no_setting_and_begin_pins_only_inside_its_transaction) {
  auto lab = private_target();
  pg::session fresh(lab.endpoint, {});
  ASSERT_TRUE(fresh.connect().ok());
  const auto defaults = settings_of(fresh);  // what the server gives a new session

  pg::session s(lab.endpoint, {std::chrono::seconds(3), std::chrono::milliseconds(4000), "private"});
  ASSERT_TRUE(s.connect().ok());
  EXPECT_EQ(settings_of(s), defaults) << "connect() changed a session setting";
  {
    pg::read_transaction tx(s);
    ASSERT_TRUE(tx.status().ok()) << tx.status().message;
    EXPECT_TRUE(s.in_transaction());
    EXPECT_EQ(settings_of(s), "pg_catalog|4s|UTC|ISO, YMD");
    // A nested scope only pins: the outer one still owns the transaction.
    {
      pg::read_transaction inner(s, {{"search_path", "DEFAULT"}});
      ASSERT_TRUE(inner.status().ok()) << inner.status().message;
    }
    EXPECT_TRUE(s.in_transaction());
    EXPECT_EQ(settings_of(s).substr(0, defaults.find('|')), defaults.substr(0, defaults.find('|')));
    // Read only: the harness cannot write by mistake inside it.
    EXPECT_FALSE(s.exec("CREATE TEMP TABLE cutover_never (i int)").ok());
  }
  EXPECT_FALSE(s.in_transaction());
  EXPECT_EQ(settings_of(s), defaults) << "a setting outlived the transaction";
}

TEST(pg_session, a_failed_statement_inside_the_transaction_does_not_poison_the_next) {
  auto lab = private_target();
  pg::session s(lab.endpoint, {std::chrono::seconds(3), std::chrono::milliseconds(300), "private"});
  ASSERT_TRUE(s.connect().ok());
  ASSERT_TRUE(s.begin().ok());
  auto bad = s.exec("SELECT 1 / 0");
  EXPECT_FALSE(bad.ok());
  EXPECT_TRUE(bad.connection_usable);
  // The server-side statement_timeout is pinned inside the transaction (57014).
  auto slow = s.exec("SELECT pg_sleep(3)");
  EXPECT_EQ(slow.result, outcome::timeout) << slow.message;
  EXPECT_TRUE(slow.connection_usable) << "the server's own timeout, not the watchdog's";
  // Reopened with the same pins after each failure.
  EXPECT_TRUE(s.in_transaction());
  EXPECT_EQ(settings_of(s), "pg_catalog|300ms|UTC|ISO, YMD");
  s.end();
  EXPECT_FALSE(s.in_transaction());
  pg::rows r;
  ASSERT_TRUE(s.exec("SELECT current_setting('statement_timeout')", &r).ok());
  EXPECT_EQ(r.at(0).at(0).value_or(""), "0");
}

TEST(pg_session, a_prepared_statement_missing_on_the_server_connection_is_prepared_again) {
  // What a transaction pooler does when the next execution lands on another
  // server connection (26000), here by DEALLOCATE ALL on the same one.
  auto lab = private_target();
  pg::session s(lab.endpoint, {std::chrono::seconds(3), std::chrono::seconds(5), "private"});
  ASSERT_TRUE(s.connect().ok());
  s.prepare("q", "SELECT $1::int + 1");
  pg::rows r;
  ASSERT_TRUE(s.exec_prepared("q", {"1"}, &r).ok());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(s.exec("DEALLOCATE ALL").ok());
    auto again = s.exec_prepared("q", {std::to_string(i)}, &r);
    ASSERT_TRUE(again.ok()) << again.message;
    EXPECT_EQ(r.at(0).at(0).value_or(""), std::to_string(i + 1));
    // Prepared again under the same name, so the next one needs nothing.
    ASSERT_TRUE(s.exec_prepared("q", {"7"}, &r).ok());
    EXPECT_EQ(r.at(0).at(0).value_or(""), "8");
  }
  ASSERT_TRUE(s.exec("SELECT count(*) FROM pg_catalog.pg_prepared_statements", &r).ok());
  EXPECT_EQ(r.at(0).at(0).value_or(""), "1");
  EXPECT_FALSE(s.in_transaction());
}

TEST(pg_session, a_prepared_statement_on_the_measured_path_fails_by_sqlstate_and_by_the_watchdog) {
  // exec_prepared outside a transaction runs on libpq directly (the measured
  // path); its failures must read as the libpqxx path's do.
  auto lab = private_target();
  pg::session s(lab.endpoint, {std::chrono::seconds(3), std::chrono::milliseconds(300), "private"});
  ASSERT_TRUE(s.connect().ok());
  s.prepare("div", "SELECT 1 / $1::int");
  s.prepare("sleep", "SELECT pg_sleep($1::float8)");
  ASSERT_TRUE(s.exec_prepared("div", {"1"}).ok());
  EXPECT_EQ(s.last_row_count(), 1u);
  auto zero = s.exec_prepared("div", {"0"});  // 22012 division_by_zero
  EXPECT_EQ(zero.result, outcome::error) << zero.message;
  EXPECT_TRUE(zero.connection_usable);
  EXPECT_TRUE(s.exec_prepared("div", {"2"}).ok()) << "the connection is still good";
  auto bad = s.exec_prepared("div", {"x"});  // 22P02 invalid_text_representation
  EXPECT_EQ(bad.result, outcome::error) << bad.message;
  // No server-side timeout outside the harness's transactions: the watchdog cuts it.
  const auto t0 = std::chrono::steady_clock::now();
  auto slow = s.exec_prepared("sleep", {"10"});
  EXPECT_EQ(slow.result, outcome::timeout) << slow.message;
  EXPECT_FALSE(slow.connection_usable);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
  EXPECT_FALSE(s.connected());
}

TEST(pg_probes, booking_company_id_is_bound_and_cannot_break_out_of_the_rollback) {
  auto lab = private_target();
  auto before = bookings(lab.endpoint);
  ASSERT_GT(before, 0);
  // Spliced into the SQL text, this id would commit a booking of its own.
  lab.expect.company_id =
      "x' LIMIT 0; COMMIT; INSERT INTO bookings (company_id, client_id, service_id, staff_id, datetime, status, comment) "
      "SELECT c.company_id, c.id, s.id, st.id, timestamptz '2031-01-01 10:00+00', 'cancelled', 'cutover-injected' "
      "FROM clients c, services s, staff st WHERE s.company_id = c.company_id AND st.company_id = c.company_id LIMIT 1; "
      "COMMIT; SELECT 1 FROM clients c, services s, staff st WHERE c.company_id = '";
  auto p = pg::make_probe(pg::workload::booking_rollback, lab.endpoint, {}, lab.expect);
  auto opened = p->open();
  auto r = opened.ok() ? p->run() : opened;
  auto after = bookings(lab.endpoint);
  // Restore the shared lab whatever happened.
  pg::session s(lab.endpoint, {});
  if (s.connect().ok()) s.exec("DELETE FROM bookings WHERE comment = 'cutover-injected'");
  EXPECT_TRUE(r.ok()) << r.message;  // an unknown company books nothing, and that is no error
  EXPECT_EQ(after, before);
}
