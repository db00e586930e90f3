#include "net/endpoint.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace cutover::net {
namespace {

TEST(endpoint, accepts_loopback_v4_and_v6) {
  EXPECT_EQ(to_string(parse_loopback_endpoint("127.0.0.1:5432", "x")), "127.0.0.1:5432");
  EXPECT_EQ(to_string(parse_loopback_endpoint("127.1.2.3:0", "x")), "127.1.2.3:0");
  EXPECT_EQ(to_string(parse_loopback_endpoint("[::1]:22", "x")), "[::1]:22");
}

TEST(endpoint, refuses_anything_else) {
  for (const char* text : {"0.0.0.0:1", "198.18.0.1:5432", "[::]:1", "localhost:1", "127.0.0.1", "127.0.0.1:70000",
                           "127.0.0.1:x", ":1"}) {
    EXPECT_THROW(parse_loopback_endpoint(text, "--listen"), usage_error) << text;
  }
}

TEST(endpoint, error_names_the_option) {
  try {
    parse_loopback_endpoint("198.18.0.1:1", "--upstream");
    FAIL() << "no exception";
  } catch (const usage_error& e) {
    EXPECT_NE(std::string(e.what()).find("--upstream"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace cutover::net
