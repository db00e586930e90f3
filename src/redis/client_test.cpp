#include "redis/client.hpp"

#include <gtest/gtest.h>

using namespace cutover;

TEST(redis_classify, maps_errors_to_outcomes) {
  EXPECT_EQ(redis::classify("NOAUTH Authentication required."), outcome::auth_failed);
  EXPECT_EQ(redis::classify("WRONGPASS invalid username-password pair or user is disabled."), outcome::auth_failed);
  EXPECT_EQ(redis::classify("Resource temporarily unavailable"), outcome::timeout);
  EXPECT_EQ(redis::classify("Connection refused"), outcome::refused);
  EXPECT_EQ(redis::classify("Server closed the connection"), outcome::reset);
  EXPECT_EQ(redis::classify("Protocol error, got \"H\" as reply type byte"), outcome::protocol_error);
  EXPECT_EQ(redis::classify("ERR unknown command"), outcome::error);
}

TEST(redis_client, closed_port_is_refused) {
  redis_endpoint e;
  e.port = 1;
  redis::client c(e, {});
  auto r = c.connect();
  EXPECT_EQ(r.result, outcome::refused) << r.message;
  EXPECT_FALSE(c.connected());
  EXPECT_EQ(c.command({"PING"}).result, outcome::reset);
}
