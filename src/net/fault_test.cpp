#include "net/fault.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace cutover::net {
namespace {

using namespace std::chrono_literals;

fault_registry builtins() {
  fault_registry r;
  register_builtin_faults(r);
  return r;
}

TEST(fault, builtins_are_registered_by_name) {
  const auto r = builtins();
  for (const char* name : {"none", "blackhole", "reset", "refuse", "down"}) {
    EXPECT_EQ(r.make(name, {})->name(), name);
  }
  const std::string_view rate[] = {"100"};
  EXPECT_EQ(r.make("bandwidth", rate)->settings(), "100 KB/s");
}

TEST(fault, bad_names_and_settings_are_usage_errors) {
  const auto r = builtins();
  const std::string_view extra[] = {"1"};
  const std::string_view zero[] = {"0"};
  const std::string_view word[] = {"fast"};
  EXPECT_THROW(r.make("latency", {}), usage_error);
  EXPECT_THROW(r.make("blackhole", extra), usage_error);
  EXPECT_THROW(r.make("bandwidth", {}), usage_error);
  EXPECT_THROW(r.make("bandwidth", zero), usage_error);
  EXPECT_THROW(r.make("bandwidth", word), usage_error);
}

TEST(fault, effects) {
  const auto r = builtins();
  EXPECT_TRUE(r.make("none", {})->effects().accept);
  EXPECT_FALSE(r.make("none", {})->effects().reset);
  EXPECT_FALSE(r.make("refuse", {})->effects().accept);
  EXPECT_TRUE(r.make("reset", {})->effects().reset);
  EXPECT_FALSE(r.make("down", {})->effects().accept);
  EXPECT_TRUE(r.make("down", {})->effects().reset);
}

TEST(fault, blackhole_drops_and_bandwidth_queues_chunks_on_the_link) {
  const auto r = builtins();
  const auto t0 = proxy_clock::now();
  auto link_free = proxy_clock::time_point{};
  EXPECT_FALSE(r.make("blackhole", {})->send(100, t0, link_free).has_value());

  const std::string_view rate[] = {"100"};  // 100 bytes per ms
  const auto bandwidth = r.make("bandwidth", rate);
  EXPECT_EQ(bandwidth->send(1000, t0, link_free), t0 + 10ms);
  // The second chunk arrived while the link was busy: it waits for the first.
  EXPECT_EQ(bandwidth->send(500, t0 + 1ms, link_free), t0 + 15ms);
  // An idle link starts at arrival.
  EXPECT_EQ(bandwidth->send(100, t0 + 100ms, link_free), t0 + 101ms);
}

TEST(fault, parse_non_negative) {
  EXPECT_EQ(detail::parse_non_negative("0.25"), 0.25);
  EXPECT_EQ(detail::parse_non_negative("10"), 10.0);
  EXPECT_FALSE(detail::parse_non_negative("-1"));
  EXPECT_FALSE(detail::parse_non_negative("1ms"));
  EXPECT_FALSE(detail::parse_non_negative(""));
  EXPECT_FALSE(detail::parse_non_negative("nan"));
}

}  // namespace
}  // namespace cutover::net
