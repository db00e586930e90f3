#include "core/duration.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace cutover {
namespace {

using namespace std::chrono_literals;

TEST(duration, parses_units) {
  EXPECT_EQ(parse_duration("100ms"), 100ms);
  EXPECT_EQ(parse_duration("60s"), 60s);
  EXPECT_EQ(parse_duration("48h"), 48h);
  EXPECT_EQ(parse_duration("1.5s"), 1500ms);
  EXPECT_EQ(parse_duration("5m"), 5min);
  EXPECT_EQ(parse_duration("7d"), 168h);
  EXPECT_EQ(parse_duration("250us"), 250us);
  for (const char* bad : {"", "60", "s", "-1s", "0s", "1x", "1..2s", "ms100"}) EXPECT_THROW(parse_duration(bad), usage_error) << bad;
}

TEST(duration, clock_text) {
  EXPECT_EQ(clock_text(133s), "00:02:13");
  EXPECT_EQ(clock_text(3100ms, true), "00:00:03.1");
  EXPECT_EQ(clock_text(100h), "100:00:00");
}

TEST(duration, clock_text_never_negative) { EXPECT_EQ(clock_text(-5s, true), "00:00:00.0"); }

}  // namespace
}  // namespace cutover
