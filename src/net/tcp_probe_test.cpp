#include "net/tcp_probe.hpp"

#include <gtest/gtest.h>

#include "net/fake_server.hpp"

// A SOCKS5 check has ONE deadline for all its steps: a proxy that drips its
// answers, never answers, or floods garbage ends within it. Tolerance: the
// timeout plus 700 ms for a loaded 2-core machine.
using namespace cutover;
using namespace std::chrono_literals;
namespace fake = cutover::net::testing;

namespace {

constexpr auto timeout = 400ms;
constexpr auto tolerance = 700ms;

struct timed {
  probe_result r;
  std::chrono::steady_clock::duration took;
};

timed check(std::uint16_t port) {
  net::socks5_check_options o;
  o.proxy_port = port;
  o.dest_host = "127.0.0.1";
  o.dest_port = 9;
  o.timeout = timeout;
  auto t0 = std::chrono::steady_clock::now();
  auto r = net::socks5_check(o);
  return {r, std::chrono::steady_clock::now() - t0};
}

}  // namespace

TEST(socks5_deadline, a_dripping_proxy_times_out_within_the_timeout) {
  // Valid answers (version 5, success), one byte every 50 ms: each step would
  // pass a per-read timeout, the whole check takes over a second.
  fake::fake_server s(fake::drip(std::string("\x05\x00", 2), 50ms));
  auto [r, took] = check(s.port());
  EXPECT_EQ(r.result, outcome::timeout) << r.message;
  EXPECT_LT(took, timeout + tolerance);
}

TEST(socks5_deadline, a_silent_proxy_times_out_within_the_timeout) {
  fake::fake_server s(fake::black_hole());
  auto [r, took] = check(s.port());
  EXPECT_EQ(r.result, outcome::timeout) << r.message;
  EXPECT_GE(took, timeout - 10ms);  // poll() counts whole milliseconds
  EXPECT_LT(took, timeout + tolerance);
}

TEST(socks5_deadline, a_flooding_proxy_is_a_protocol_error) {
  fake::fake_server s(fake::flood(std::string("\x05\x00", 2), std::string(65536, '\x07')));
  auto [r, took] = check(s.port());
  EXPECT_TRUE(r.result == outcome::protocol_error || r.result == outcome::check_failed) << r.message;
  EXPECT_LT(took, timeout + tolerance);
}
