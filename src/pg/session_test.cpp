#include "pg/session.hpp"

#include <gtest/gtest.h>

using namespace cutover;

TEST(pg_classify, maps_libpq_messages_to_outcomes) {
  EXPECT_EQ(pg::classify("connection to server at \"127.0.0.1\", port 1 failed: Connection refused"), outcome::refused);
  EXPECT_EQ(pg::classify("FATAL:  password authentication failed for user \"gen_user\""), outcome::auth_failed);
  EXPECT_EQ(pg::classify("timeout expired"), outcome::timeout);
  EXPECT_EQ(pg::classify("ERROR:  canceling statement due to statement timeout", "57014"), outcome::timeout);
  EXPECT_EQ(pg::classify("server closed the connection unexpectedly"), outcome::reset);
  EXPECT_EQ(pg::classify("Could not obtain client encoding: not connected."), outcome::reset);
  EXPECT_EQ(pg::classify("FATAL:  terminating connection due to administrator command", "57P01"), outcome::reset);
  EXPECT_EQ(pg::classify("ERROR:  relation \"nope\" does not exist", "42P01"), outcome::error);
}

TEST(pg_session, closed_port_is_refused_quickly_and_message_has_no_password) {
  pg_endpoint e;
  e.host = "127.0.0.1";
  e.port = 1;  // nothing listens on port 1
  e.password = secret("never-printed-password");
  pg::session s(e, {});
  auto t0 = std::chrono::steady_clock::now();
  auto r = s.connect();
  EXPECT_EQ(r.result, outcome::refused) << r.message;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  EXPECT_EQ(r.message.find("never-printed-password"), std::string::npos);
  EXPECT_FALSE(s.connected());
  EXPECT_EQ(s.exec("SELECT 1").result, outcome::reset);
}
